"""Running one source's crawl as a child process, and recording how it went.

A crawl is ``python -m scrapy crawl KIND -a source=NAME -a run_id=ID`` in a child process, so
its reactor, memory or crash never reaches the caller (the CLI or the daemon), and Scrapy's
reactor is never restarted in one process. The run row is created here, before the child
starts; the child fills in counters and Scrapy's finish reason; this side adds what only the
parent knows (exit code, time-outs, kills).

On its time limit the child gets one SIGTERM (Scrapy stops gracefully and flushes), a grace
period, then SIGKILL. A second SIGTERM is never sent: it would make Scrapy stop at once
without flushing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from archive.config import Config, SourceConfig
from archive.db import session_scope
from archive.errors import ArchiveError
from archive.locks import SourceLock
from archive.models import Capture, CrawlRun, utcnow
from archive.sources import source_row, sync_sources

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class RunSummary:
    """How one source's run ended, for the summary table and the daemon's log."""

    source: str
    run_id: int | None
    outcome: str
    finish_reason: str | None = None
    exit_code: int | None = None
    counters: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def log_dir(config: Config) -> Path:
    """Where crawl logs go: beside the WARC folder."""
    return Path(config.archive.warc_dir).resolve().parent / "logs"


def _child_env(config: Config, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["HEALTHWIRE_DATABASE_URL"] = database_url
    if config.path is not None:
        env["HEALTHWIRE_CONFIG"] = str(config.path.resolve())
    env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    # The child must import this checkout's packages even when run from elsewhere.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    )
    return env


def _exit_story(exit_code: int, log_path: Path) -> str:
    """Why a crawl process ended without a finish reason, for the run's error column."""
    if exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        return f"crawl process was killed by {name} before it could finish (log: {log_path})"
    try:
        content = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        content = []
    start = max((i for i, line in enumerate(content) if line.startswith("Traceback")),
                default=max(len(content) - 8, 0))
    detail = "\n".join(content[start:start + 30])
    return f"crawl process exited with status {exit_code} (log: {log_path})\n{detail}"


def run_source(
    engine: Engine,
    config: Config,
    source: SourceConfig,
    database_url: str,
    *,
    time_limit: float | None = None,
    on_progress: Callable[[int], None] | None = None,
    stop_requested: Callable[[], bool] | None = None,
    on_start: Callable[[int, int, Path], None] | None = None,
) -> RunSummary:
    """Crawl ``source`` once in a child process; return when it has ended and been recorded.

    ``on_start(run_id, pid, log_path)`` is called once the run row exists and the child has
    started, so a caller (the daemon) can name the run in every log line about it.

    Raises :class:`ArchiveError` if another process is crawling the same source.
    """
    limit = time_limit if time_limit is not None else config.daemon.crawl_time_limit_seconds
    grace = config.daemon.kill_grace_seconds
    lock = SourceLock(config, database_url, source.name)
    if not lock.acquire():
        raise ArchiveError(
            f"source {source.name!r} is already being crawled by another process",
            hint="wait for that crawl to finish (see `healthwire status`)",
        )
    try:
        with session_scope(engine) as session:
            sync_sources(session, config, only=source.name)
            run = CrawlRun(source_id=source_row(session, source.name).id, kind="crawl",
                           started_at=utcnow(), host=socket.gethostname())
            session.add(run)
            session.flush()
            run_id = run.id
        logs = log_dir(config)
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{source.name}-{run_id}.log"
        command = [sys.executable, "-m", "scrapy", "crawl", source.kind,
                   "-a", f"source={source.name}", "-a", f"run_id={run_id}"]
        started = time.monotonic()
        with open(log_path, "wb") as log:
            child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                     env=_child_env(config, database_url), cwd=os.getcwd(),
                                     start_new_session=True)
            if on_start is not None:
                on_start(run_id, child.pid, log_path)
            outcome_override = _wait(child, limit, grace, engine, run_id, on_progress,
                                     stop_requested)
        return _finish(engine, source.name, run_id, child.returncode, outcome_override,
                       log_path, time.monotonic() - started)
    finally:
        lock.release()


def _wait(
    child: subprocess.Popen[bytes],
    limit: float,
    grace: float,
    engine: Engine,
    run_id: int,
    on_progress: Callable[[int], None] | None,
    stop_requested: Callable[[], bool] | None,
) -> str | None:
    """Wait for the child; enforce the time limit; return an outcome that overrides the
    child's own ("timeout", "interrupted") or None."""
    deadline = time.monotonic() + limit
    override: str | None = None
    terminated_at: float | None = None
    while child.poll() is None:
        time.sleep(0.25)
        if on_progress is not None:
            with session_scope(engine, readonly=True) as session:
                on_progress(session.scalar(
                    select(func.count()).select_from(Capture).where(Capture.crawl_run_id == run_id)
                ) or 0)
        now = time.monotonic()
        if terminated_at is None:
            if now >= deadline:
                override = "timeout"
            elif stop_requested is not None and stop_requested():
                override = "interrupted"
            if override is not None:
                child.send_signal(signal.SIGTERM)  # once: Scrapy then stops gracefully
                terminated_at = now
        elif now - terminated_at >= grace:
            child.kill()
            child.wait()
            override = "timeout" if override == "timeout" else "killed"
    return override


def _finish(engine: Engine, name: str, run_id: int, exit_code: int, override: str | None,
            log_path: Path, seconds: float) -> RunSummary:
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.exit_code = exit_code
        run.finished_at = run.finished_at or utcnow()
        if override == "interrupted" and run.finish_reason == "finished":
            # The stop request came after the spider had finished (the child was exiting):
            # the crawl is complete, so it is not recorded as interrupted.
            pass
        elif override is not None:
            run.outcome = override
            if override == "timeout":
                run.error = f"stopped at the time limit after {seconds:.0f} s"
        elif run.finish_reason is None:
            # The child died before Scrapy could record a finish reason.
            run.outcome = "failed"
            run.error = _exit_story(exit_code, log_path)[:4000]
        elif exit_code != 0 and run.outcome == "finished":
            run.outcome = "failed"
            run.error = _exit_story(exit_code, log_path)[:4000]
        return RunSummary(name, run_id, run.outcome, run.finish_reason, exit_code,
                          dict(run.counters or {}), run.error, seconds)
