"""Soak: the daemon over the sample world with schedules every few seconds, for minutes on end.

Runs ``healthwire daemon`` as operators do (a child process, JSON logs, SIGTERM at the end)
against the offline sample world, with the schedule clock sped up
(``HEALTHWIRE_SCHEDULE_UNIT=second``: ``*/15 * * * *`` fires every fifteen seconds). Prints:

* the daemon's resident memory after start, after its first round of crawls, and at the end
  (growth from the warm figure is the one that matters: at most 10 per cent);
* runs started versus runs expected from the cron schedules (one catch-up run at start, then
  one per scheduled time), per source;
* every pair of runs of one source that overlapped (there must be none);
* outcomes and crawl durations.

    python benchmarks/soak.py                     # ten minutes, SQLite in a temporary folder
    python benchmarks/soak.py --minutes 2 --sources 2 --every 10
    python benchmarks/soak.py --db postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from archive.daemon.schedule import SCHEDULE_UNIT_ENV, make_trigger  # noqa: E402
from archive.db import make_engine, session_scope  # noqa: E402
from archive.models import CrawlRun, Source  # noqa: E402
from archive.sampleworld import SampleWorld  # noqa: E402

#: Sources of each kind, small enough that a run takes a few seconds on a busy machine.
DEFAULT_SOURCES = ("npr-health", "ap-health", "healthnewsdigest-health", "wirefeed-health",
                   "slate-fr", "conversation-health")


def rss_kib(pid: int) -> int | None:
    """Resident memory of ``pid`` in KiB (Linux /proc), or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def write_config(path: Path, world: SampleWorld, database: str, names: list[str],
                 every: int) -> None:
    chosen = [s for s in world.sources() if s["name"] in names]
    for source in chosen:
        source["schedule"] = f"*/{every} * * * *"
    lines = ["[archive]", f"database = {json.dumps(database)}",
             f"warc_dir = {json.dumps(str(path.parent / 'warc'))}", "",
             "[crawl]", 'user_agent = "healthwire-soak/0.1 (+mailto:soak@example.org)"',
             "allow_private_addresses = true", "autothrottle = false", "download_timeout = 10",
             "retry_times = 1", "", "[daemon]", "misfire_grace_seconds = 60",
             "crawl_time_limit_seconds = 120", "kill_grace_seconds = 10", ""]
    for source in chosen:
        lines.append("[[sources]]")
        for key, value in source.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def cli_env() -> dict[str, str]:
    env = {**os.environ, SCHEDULE_UNIT_ENV: "second",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.pop("HEALTHWIRE_DATABASE_URL", None)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=int, default=15, help="schedule period in seconds")
    parser.add_argument("--sources", type=int, default=4, help="how many sample-world sources")
    parser.add_argument("--jobs", type=int, default=2, help="the daemon's --jobs")
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="healthwire-soak-"))
    database = args.db or f"sqlite:///{workdir / 'soak.sqlite3'}"
    names = list(DEFAULT_SOURCES[: args.sources])
    config = workdir / "soak.toml"
    log_path = workdir / "daemon.log"
    with SampleWorld(stall_seconds=5) as world:
        write_config(config, world, database, names, args.every)
        base = [sys.executable, "-m", "archive.cli_daemon", "--config", str(config)]
        subprocess.run([*base, "init"], cwd=workdir, env=cli_env(), check=True,
                       capture_output=True)
        print(f"soak: {args.minutes:g} min, sources {', '.join(names)}, every {args.every} s, "
              f"--jobs {args.jobs}, database {database.split('?')[0]}, folder {workdir}")
        with open(log_path, "wb") as log:
            daemon = subprocess.Popen([*base, "daemon", "--jobs", str(args.jobs)], cwd=workdir,
                                      env=cli_env(), stdout=subprocess.DEVNULL, stderr=log)
            started_at = _wait_for_event(log_path, "daemon_started", daemon)
            rss_start = rss_kib(daemon.pid)
            samples: list[tuple[float, int]] = []
            rss_warm: int | None = None
            deadline = time.monotonic() + args.minutes * 60
            warm_after = time.monotonic() + max(3 * args.every, 45)
            while time.monotonic() < deadline:
                time.sleep(5)
                if daemon.poll() is not None:
                    print(f"the daemon exited early ({daemon.returncode}); log: {log_path}")
                    return 1
                value = rss_kib(daemon.pid)
                if value is not None:
                    samples.append((time.monotonic(), value))
                    if rss_warm is None and time.monotonic() >= warm_after:
                        rss_warm = value
            rss_end = rss_kib(daemon.pid)
            stopped_at = datetime.now(UTC)
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=300)
    report = _report(database, names, args.every, started_at, stopped_at)
    print(f"daemon exit status after SIGTERM: {code}")
    print(f"resident memory: start {_mib(rss_start)}, warm {_mib(rss_warm)}, "
          f"end {_mib(rss_end)}; min {_mib(min(v for _, v in samples))}, "
          f"max {_mib(max(v for _, v in samples))} over {len(samples)} samples")
    if rss_warm and rss_end:
        growth = 100.0 * (rss_end - rss_warm) / rss_warm
        print(f"memory growth from warm to end: {growth:+.1f} % "
              f"({'ok' if growth <= 10 else 'TOO MUCH'}, limit +10 %)")
    for line in report["lines"]:
        print(line)
    print(f"log: {log_path}" if args.keep else "(temporary folder removed; --keep keeps it)")
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if code == 0 and not report["overlaps"] else 1


def _wait_for_event(log_path: Path, name: str, proc: subprocess.Popen[bytes]) -> datetime:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("event") == name:
                return datetime.fromisoformat(event["time"])
        if proc.poll() is not None:
            raise SystemExit(f"the daemon exited ({proc.returncode}): see {log_path}")
        time.sleep(0.2)
    raise SystemExit(f"no {name} in {log_path} after two minutes")


def _report(database: str, names: list[str], every: int, start: datetime,
            stop: datetime) -> dict[str, Any]:
    os.environ[SCHEDULE_UNIT_ENV] = "second"
    trigger = make_trigger(f"*/{every} * * * *", "UTC")
    engine = make_engine(database)
    lines: list[str] = []
    overlaps: list[str] = []
    total_started = total_expected = 0
    try:
        with session_scope(engine, readonly=True) as session:
            rows = session.execute(
                select(Source.name, CrawlRun).join(CrawlRun, CrawlRun.source_id == Source.id)
                .order_by(CrawlRun.started_at)).all()
    finally:
        engine.dispose()
    for name in names:
        runs = [run for source, run in rows if source == name]
        expected = 1  # the catch-up run at start (never crawled, so overdue)
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire < stop:
            expected += 1
            fire = trigger.get_next_fire_time(fire, fire)
        # A slot that falls while the catch-up run is still going is coalesced into one
        # run after it; count runs, not slots, and say how far apart they are.
        outcomes: dict[str, int] = {}
        for run in runs:
            outcomes[run.outcome] = outcomes.get(run.outcome, 0) + 1
        for before, after in zip(runs, runs[1:], strict=False):
            if before.finished_at is None or before.finished_at > after.started_at:
                overlaps.append(f"{name}: run {before.id} and run {after.id}")
        durations = [(r.finished_at - r.started_at).total_seconds() for r in runs
                     if r.finished_at is not None]
        total_started += len(runs)
        total_expected += expected
        lines.append(
            f"  {name}: {len(runs)} runs started, {expected} expected; outcomes {outcomes}; "
            f"duration median {statistics.median(durations) if durations else 0:.1f} s, "
            f"max {max(durations, default=0):.1f} s")
    lines.insert(0, f"runs started {total_started}, expected {total_expected} "
                    f"({100.0 * total_started / max(total_expected, 1):.1f} %)")
    lines.append(f"overlapping runs: {len(overlaps)}" + (": " + "; ".join(overlaps)
                                                        if overlaps else " (none)"))
    return {"lines": lines, "overlaps": overlaps}


def _mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


if __name__ == "__main__":
    raise SystemExit(main())
