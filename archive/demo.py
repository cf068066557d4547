"""The main job, offline: the whole pipeline on the bundled sample sites.

It needs no network and touches nothing but its own folder (``data/demo`` by default), so a
new user can see what healthwire does before pointing it at the real web.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from archive import schema
from archive.db import make_engine
from archive.stats import archive_stats


def run_demo(workdir: Path, *, db_override: str | None, console: Console) -> None:
    """Create the demo archive and report what it holds."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = db_override or f"sqlite:///{workdir / 'healthwire.sqlite3'}"
    engine = make_engine(url)
    try:
        before, after = schema.upgrade(engine)
        console.print(f"archive: {engine.url.render_as_string(hide_password=True)} "
                      f"(schema {before or 'new'} -> {after})")
        report = archive_stats(engine, workdir / "warc")
    finally:
        engine.dispose()
    rows = ", ".join(f"{name} {count}" for name, count in report["rows"].items())
    console.print(f"rows: {rows}")
