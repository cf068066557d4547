"""SQLite set up for a daemon that writes while people read: no "database is locked".

Real processes, a real file: two writers that each read then write (the pattern that fails at
once under SQLite's deferred transactions whatever the busy timeout) and a reader querying all
the while.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from archive import schema
from archive.db import make_engine

WRITER = textwrap.dedent(
    """
    import json, sys
    from sqlalchemy import func, select
    from archive.db import make_engine, session_scope
    from archive.models import Outlet
    url, tag, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = make_engine(url)
    for i in range(rounds):
        with session_scope(engine) as session:
            # Read, then write, in one transaction: needs BEGIN IMMEDIATE on SQLite.
            count = session.scalar(select(func.count()).select_from(Outlet))
            session.add(Outlet(name=f"{tag}-{i}", role="unknown", homepage=str(count)))
    print(json.dumps({"written": rounds}))
    """
)

READER = textwrap.dedent(
    """
    import json, sys, time
    from sqlalchemy import func, select
    from archive.db import make_engine, session_scope
    from archive.models import Outlet
    url, seconds = sys.argv[1], float(sys.argv[2])
    engine = make_engine(url)
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with session_scope(engine, readonly=True) as session:
            seen.append(session.scalar(select(func.count()).select_from(Outlet)))
    print(json.dumps({"reads": len(seen), "monotonic": seen == sorted(seen), "last": seen[-1]}))
    """
)


def test_writers_and_reader_never_see_database_is_locked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    rounds = 150
    cwd = Path(__file__).resolve().parents[1]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, tag, str(rounds)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
        )
        for tag in ("a", "b")
    ]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, url, "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
    )
    results = []
    for process in [*writers, reader]:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, f"process failed:\n{err}"
        assert "database is locked" not in err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert results[0]["written"] == results[1]["written"] == rounds
    assert results[2]["reads"] > 10
    assert results[2]["monotonic"], "a reader saw the archive go backwards"

    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM outlet").scalar() == 2 * rounds
        # Each writer's read-then-write saw a consistent count: homepages hold distinct counts.
        counts = [int(row[0]) for row in conn.exec_driver_sql("SELECT homepage FROM outlet")]
        assert sorted(counts) == list(range(2 * rounds))
    engine.dispose()
