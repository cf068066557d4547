"""Peak memory of ``healthwire export``: does it stay flat as the archive grows?

Builds two synthetic SQLite archives in the same run, a large one (default 1,000,000 links
between 200,005 articles of 50 outlets, in stories of 10) and a baseline ten times smaller,
with Core bulk inserts (executemany), not the ORM. Then, for each kind and format, runs
``healthwire export`` in a child process per repeat and reads that child's own peak resident
set size from ``os.wait4`` (``ru_maxrss``; ``RUSAGE_CHILDREN`` would report the largest child
so far, not this one). Linux counts into a child's ``ru_maxrss`` the memory of the process
that forked it (the high-water mark of the image ``exec`` replaced), so this measuring process
imports nothing heavy and builds the archives in a child of its own: it stays around 10 MB,
below anything an export uses. Printed: the median peak per size, the ratio large/small (about 1.0
when memory is bounded; 10 if it grew with the archive), and the median wall time.

    python benchmarks/export_memory.py [--links 1000000] [--ratio 10] [--repeat 3]
        [--kinds links outlets] [--formats csv jsonl parquet graphml] [--dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PARENTS = 5  # links per article: each article copies the five before it
OUTLETS = 50
STORY = 10  # articles per story
CHUNK = 20_000
RELATIONS = ("duplicate", "near_duplicate", "excerpt", "partial_reuse", "cites")


def build(path: Path, links: int) -> str:
    """A SQLite archive with about ``links`` links; reused when it is already there."""
    from sqlalchemy import insert

    from archive.db import make_engine
    from archive.models import Article, Link, Outlet, OutletDomain, Story
    from archive.schema import upgrade

    url = f"sqlite:///{path}"
    done = path.with_suffix(".done")
    if done.exists():
        return url
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)  # a stale WAL must not meet a new database file
    articles = links // PARENTS + PARENTS
    engine = make_engine(url)
    upgrade(engine)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Outlet), [{"id": i + 1, "name": f"Outlet {i}", "role": "original"}
                                      for i in range(OUTLETS)])
        conn.execute(insert(OutletDomain), [{"outlet_id": i + 1, "domain": f"o{i}.example"}
                                            for i in range(OUTLETS)])
        stories = [{"id": s + 1, "root_article_id": None, "size": STORY,
                    "first_published_at": start + timedelta(hours=s * STORY),
                    "last_published_at": start + timedelta(hours=s * STORY + STORY - 1),
                    "updated_at": start, "attributed_origin": "Outlet 0"}
                   for s in range(articles // STORY + 1)]
        for i in range(0, len(stories), CHUNK):
            conn.execute(insert(Story), stories[i:i + CHUNK])
    for lo in range(0, articles, CHUNK):
        rows = []
        for a in range(lo, min(lo + CHUNK, articles)):
            when = start + timedelta(hours=a)
            rows.append({
                "id": a + 1, "url": f"https://o{a % OUTLETS}.example/2022/story-{a}",
                "canonical_url": None, "outlet_id": a % OUTLETS + 1,
                "title": f"Report number {a} on a health study, with \"quotes\" & <marks>",
                "authors": [f"Writer {a % 97}"], "language": "en", "text": None,
                "published_at": when, "published_at_source": "jsonld" if a % 4 else "text",
                "first_seen_at": when + timedelta(days=2), "last_seen_at": when,
                "extra": {}, "story_id": a // STORY + 1})
        with engine.begin() as conn:
            conn.execute(insert(Article), rows)
    written = 0
    for lo in range(PARENTS + 1, articles + 1, CHUNK // PARENTS):
        rows = []
        for child in range(lo, min(lo + CHUNK // PARENTS, articles + 1)):
            for k in range(1, PARENTS + 1):
                rows.append({
                    "child_id": child, "parent_id": child - k, "relation": RELATIONS[k - 1],
                    "jaccard": 0.9 / k, "containment_child": 0.95 / k,
                    "containment_parent": 0.9 / k, "shared_passages": 6 - k,
                    "shared_chars": 1200 // k, "lag_seconds": 3600.0 * k, "confidence": 0.95,
                    "direction_reason": "published_at", "evidence": {}, "method": "bench",
                    "params": {}, "created_at": start})
        with engine.begin() as conn:
            conn.execute(insert(Link), rows)
        written += len(rows)
    engine.dispose()
    done.write_text(str(written))
    return url


def build_in_child(path: Path, links: int) -> str:
    """:func:`build` in a child process, so this process stays small (see the docstring)."""
    subprocess.run([sys.executable, __file__, "--build", str(path), str(links)], check=True)
    return f"sqlite:///{path}"


def measure(url: str, kind: str, fmt: str, out: Path) -> tuple[float, float]:
    """Export once in a child process: (peak RSS in MiB, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HEALTHWIRE_DATABASE_URL", None)
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "--db", url, "export", kind, "--format", fmt,
         "-o", str(out)], cwd=out.parent, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    stderr = child.stderr.read().decode() if child.stderr else ""
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"export {kind} {fmt} failed: {stderr}")
    return usage.ru_maxrss / 1024, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--ratio", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", nargs="+", default=["links", "outlets"])
    parser.add_argument("--formats", nargs="+", default=["csv", "jsonl", "parquet", "graphml"])
    parser.add_argument("--dir", type=Path, help="keep the archives here (reused next time)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--build", nargs=2, metavar=("PATH", "LINKS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        build(Path(args.build[0]), int(args.build[1]))
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="hw-export-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {"small": args.links // args.ratio, "large": args.links}
    urls = {}
    for name, links in sizes.items():
        began = time.perf_counter()
        urls[name] = build_in_child(folder / f"{name}.sqlite3", links)
        size = (folder / f"{name}.sqlite3").stat().st_size / 2**20
        print(f"{name}: {links:,} links, {links // PARENTS + PARENTS:,} articles, "
              f"{size:,.0f} MiB ({time.perf_counter() - began:.0f} s to build or reuse)",
              flush=True)
    status = Path("/proc/self/status").read_text()
    own = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(f"this measuring process: peak {own:.0f} MiB (the floor of every child's figure)")
    results: list[dict[str, Any]] = []
    for kind in args.kinds:
        for fmt in args.formats:
            figures: dict[str, dict[str, float]] = {}
            for name, url in urls.items():
                out = folder / f"{name}-{kind}.{fmt}"
                runs = [measure(url, kind, fmt, out) for _ in range(args.repeat)]
                figures[name] = {"peak_mib": statistics.median(r[0] for r in runs),
                                 "seconds": statistics.median(r[1] for r in runs),
                                 "output_mib": out.stat().st_size / 2**20}
                out.unlink()
            ratio = figures["large"]["peak_mib"] / figures["small"]["peak_mib"]
            results.append({"kind": kind, "format": fmt, **{
                f"{n}_{k}": round(v, 2) for n, f in figures.items() for k, v in f.items()},
                "ratio": round(ratio, 3)})
            s, lg = figures["small"], figures["large"]
            print(f"{kind:8} {fmt:8} peak {s['peak_mib']:6.1f} MiB -> {lg['peak_mib']:6.1f} MiB"
                  f"  ratio {ratio:.2f}   time {s['seconds']:5.1f} s -> {lg['seconds']:6.1f} s"
                  f"   output {lg['output_mib']:,.0f} MiB", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
