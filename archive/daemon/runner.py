"""The daemon process: cron schedules in, crawl runs out, until SIGTERM.

Why it is built this way:

* One daemon per archive, enforced by a lock (file lock for SQLite, advisory lock for
  PostgreSQL) that the OS or the server releases if the daemon dies: no stale pid files.
* APScheduler 3.x with an in-memory job store only. A persistent job store cannot be shared by
  two processes, and re-adding jobs at start silently drops the runs missed while down; instead
  the archive's ``crawl_run`` table says what ran, and each overdue source runs once at start.
* Jobs run in a small thread pool; each run is ``run_source``, which starts the crawl as a
  child process, enforces the time limit and records the run. A crawl that fails, hangs or
  crashes is recorded and logged; the daemon and the other sources carry on.
* Signal handlers only set flags; the main thread acts on them. SIGTERM/SIGINT: stop
  scheduling, have each running crawl send its child one SIGTERM (Scrapy then stops gracefully
  and flushes), wait for them, exit 0. SIGHUP: reload the config whole, or keep the old one
  whole and log why.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from archive import __version__
from archive.cli_crawl import link_after_ingest
from archive.config import Config, SourceConfig, dump_config, load_config
from archive.crawlrun import log_dir, run_source
from archive.daemon.schedule import is_overdue, make_trigger, schedule_unit
from archive.daemon.status import DAEMON_LOCK
from archive.db import open_archive, session_scope
from archive.errors import ArchiveError
from archive.locks import NamedLock, SourceLock
from archive.logs import log_event
from archive.models import CrawlRun, Source, utcnow
from archive.sources import sync_sources

logger = logging.getLogger("healthwire.daemon")

#: How long a starting daemon retries the daemon lock: ``healthwire status`` probes it for a
#: moment, and a daemon started during that moment must not give up.
LOCK_RETRY_SECONDS = 3.0


class Daemon:
    """One scheduler process for one archive."""

    def __init__(self, config: Config, database_url: str, *, db_override: str | None = None,
                 workers: int = 2) -> None:
        if config.path is None:
            raise ArchiveError(
                "the daemon needs a configuration file with sources and schedules",
                hint="pass --config PATH (see config/production.example.toml)",
            )
        self._config_path = config.path.resolve()
        self._config = config  # as loaded; crawls get a snapshot of it (see _snapshot)
        self._generation = 0
        self._snapshots: list[Path] = []
        self._url = database_url
        self._db_override = db_override
        self._workers = workers
        self._stopping = threading.Event()
        self._reload = threading.Event()
        self._wake = threading.Event()
        self._link_wake = threading.Event()
        self._linker_stop = threading.Event()
        self._link_requests: list[tuple[str, int | None]] = []  # (source, run id) to link
        self._state_lock = threading.Lock()
        self._active: dict[str, int | None] = {}  # source -> run id, while a run is going
        self._pending: set[str] = set()  # sources that missed a slot while still running
        self._applied: dict[str, tuple[str, str]] = {}  # source -> (schedule, timezone)
        self._engine: Engine | None = None
        self._scheduler: BackgroundScheduler | None = None
        self.runs_started = 0

    # -- life cycle ---------------------------------------------------------------------

    def run(self) -> None:
        """Run until SIGTERM or SIGINT. Raises ArchiveError if the daemon cannot start."""
        schedule_unit()  # refuse a bad HEALTHWIRE_SCHEDULE_UNIT before anything else
        self._engine = open_archive(self._url)
        lock = NamedLock(self._url, DAEMON_LOCK)
        try:
            if not _acquire_with_retry(lock):
                raise ArchiveError(
                    "another healthwire daemon is already running on this archive "
                    f"({_safe_url(self._url)}); refusing to start a second one",
                    hint="stop the other daemon first (e.g. `systemctl stop healthwire`); "
                    "`healthwire status` shows whether one is running",
                )
            try:
                self._serve()
            finally:
                lock.release()
        finally:
            self._engine.dispose()

    def _serve(self) -> None:
        assert self._engine is not None
        with session_scope(self._engine) as session:
            sync_sources(session, self._config)
        self._config = self._snapshot(self._config)
        self._reap_abandoned_runs()
        previous = self._install_signal_handlers()
        config = self._config
        self._scheduler = BackgroundScheduler(
            timezone=ZoneInfo(config.daemon.timezone),
            executors={"default": ThreadPoolExecutor(max_workers=self._workers)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": config.daemon.misfire_grace_seconds},
        )
        self._scheduler.add_listener(self._on_scheduler_event,
                                     EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
                                     | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self._apply(config, self._plan(config), self._last_started())
        linker = threading.Thread(target=self._linker_loop, name="linker", daemon=True)
        linker.start()
        self._scheduler.start()
        log_event(logger, logging.INFO, "daemon_started", pid=os.getpid(), version=__version__,
                  config=str(self._config_path), database=_safe_url(self._url),
                  workers=self._workers, schedule_unit=schedule_unit(),
                  sources=sorted(self._applied), timezone=config.daemon.timezone)
        if not self._applied:
            log_event(logger, logging.WARNING, "no_scheduled_sources",
                      "no enabled source has a schedule: nothing will run until the config "
                      "gains one and the daemon gets SIGHUP", config=str(self._config_path))
        try:
            while not self._stopping.is_set():
                self._wake.wait(1.0)
                self._wake.clear()
                if self._reload.is_set() and not self._stopping.is_set():
                    self._reload.clear()
                    self._reload_config()
        finally:
            self._shutdown()
            self._linker_stop.set()
            self._link_wake.set()
            linker.join()
            log_event(logger, logging.INFO, "daemon_stopped", runs_started=self.runs_started)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _shutdown(self) -> None:
        assert self._scheduler is not None
        with self._state_lock:
            active = dict(self._active)
        log_event(logger, logging.INFO, "daemon_stopping",
                  "stopping: no new runs; running crawls get one SIGTERM and may flush",
                  running=[{"source": s, "run_id": r} for s, r in sorted(active.items())])
        self._stopping.set()
        # Waits for running jobs: each sees stop_requested(), sends its child one SIGTERM,
        # waits for the flush (SIGKILL after kill_grace_seconds) and records the run.
        self._scheduler.shutdown(wait=True)
        for path in self._snapshots:
            path.unlink(missing_ok=True)

    def _install_signal_handlers(self) -> dict[int, Any]:
        """Handlers that only set flags: the main thread does the work."""

        def stop(signum: int, _frame: FrameType | None) -> None:
            self._stopping.set()
            self._wake.set()

        def reload(signum: int, _frame: FrameType | None) -> None:
            self._reload.set()
            self._wake.set()

        previous: dict[int, Any] = {}
        handlers: dict[int, Callable[[int, FrameType | None], None]] = {
            signal.SIGTERM: stop, signal.SIGINT: stop, signal.SIGHUP: reload}
        for signum, handler in handlers.items():
            previous[signum] = signal.signal(signum, handler)
        return previous

    # -- schedules ----------------------------------------------------------------------

    def _plan(self, config: Config) -> dict[str, tuple[SourceConfig, CronTrigger]]:
        """The trigger of every enabled source with a schedule (built before anything changes,
        so a config that fails here is refused whole)."""
        zone = ZoneInfo(config.daemon.timezone)
        return {s.name: (s, make_trigger(s.schedule, zone))
                for s in config.sources if s.enabled and s.schedule}

    def _apply(self, config: Config, plan: dict[str, tuple[SourceConfig, CronTrigger]],
               last_started: dict[str, datetime]) -> None:
        """Make the scheduler's jobs match ``plan``: add, reschedule, remove.

        A job whose schedule did not change is left alone (its next run stands). A new job
        runs at once if its source is overdue according to the archive.
        """
        assert self._scheduler is not None
        now = utcnow()
        grace = config.daemon.misfire_grace_seconds
        for job in self._scheduler.get_jobs():
            if job.id not in plan:
                job.remove()
                self._applied.pop(job.id, None)
                log_event(logger, logging.INFO, "schedule_removed", source=job.id)
        for name, (source, trigger) in plan.items():
            assert source.schedule is not None
            key = (source.schedule, config.daemon.timezone)
            job = self._scheduler.get_job(name)
            if job is None:
                overdue = is_overdue(trigger, last_started.get(name), now)
                extra: dict[str, Any] = {"next_run_time": now} if overdue else {}
                self._scheduler.add_job(self._run_job, trigger, args=[name], id=name,
                                        name=name, misfire_grace_time=grace, **extra)
                log_event(logger, logging.INFO, "schedule_added", source=name,
                          schedule=source.schedule, overdue=overdue,
                          last_started=last_started.get(name),
                          next_run=now if overdue else trigger.get_next_fire_time(None, now))
            elif self._applied.get(name) != key:
                job.modify(misfire_grace_time=grace)
                job.reschedule(trigger)
                log_event(logger, logging.INFO, "schedule_changed", source=name,
                          schedule=source.schedule, next_run=trigger.get_next_fire_time(None, now))
            else:
                job.modify(misfire_grace_time=grace)
            self._applied[name] = key

    def _snapshot(self, config: Config) -> Config:
        """``config`` pointing at a private copy of itself, for the crawl processes.

        A crawl process reads its configuration from the file it is given. Were that the
        operator's file, an edit not yet accepted (or refused) by SIGHUP would reach the next
        crawl; the snapshot keeps every crawl on the configuration the daemon has in force.
        """
        self._generation += 1
        folder = log_dir(config)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"daemon-{os.getpid()}-config-{self._generation}.toml"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(
            f"# The configuration in force in healthwire daemon {os.getpid()}, from "
            f"{self._config_path} (generation {self._generation}). Do not edit: it is "
            "rewritten at each reload and removed at exit.\n" + dump_config(config),
            encoding="utf-8")
        temporary.replace(path)
        self._snapshots.append(path)
        return dataclasses.replace(config, path=path)

    def _last_started(self) -> dict[str, datetime]:
        """When each source's latest recorded crawl started (any outcome, any process)."""
        assert self._engine is not None
        with session_scope(self._engine, readonly=True) as session:
            rows = session.execute(
                select(Source.name, func.max(CrawlRun.started_at))
                .join(CrawlRun, CrawlRun.source_id == Source.id)
                .where(CrawlRun.kind == "crawl").group_by(Source.name)
            ).all()
        return {name: started for name, started in rows if started is not None}

    def _reload_config(self) -> None:
        """SIGHUP: load the config file again; apply it whole, or keep the old one whole."""
        log_event(logger, logging.INFO, "reload_requested", config=str(self._config_path))
        try:
            config = load_config(self._config_path, required=True)
            url = config.database_url(self._db_override)
            if url != self._url:
                raise ArchiveError(
                    f"archive.database changed to {_safe_url(url)}: a running daemon stays "
                    f"on {_safe_url(self._url)}; restart it to move to another archive")
            plan = self._plan(config)
        except ArchiveError as exc:
            log_event(logger, logging.ERROR, "config_rejected",
                      "the new configuration was refused; the old one stays in force",
                      config=str(self._config_path), reason=exc.message)
            return
        assert self._engine is not None
        try:
            last_started = self._last_started()
            with session_scope(self._engine) as session:
                sync_sources(session, config)
        except Exception as exc:  # the database is away: nothing changed, try again later
            log_event(logger, logging.ERROR, "config_rejected",
                      "the archive could not be read; the old configuration stays in force",
                      config=str(self._config_path), reason=f"{type(exc).__name__}: {exc}")
            return
        config = self._snapshot(config)
        self._config = config
        self._apply(config, plan, last_started)
        log_event(logger, logging.INFO, "config_reloaded", config=str(self._config_path),
                  sources=sorted(self._applied))

    # -- runs ---------------------------------------------------------------------------

    def _run_job(self, name: str) -> None:
        """One scheduled run of ``name``: crawl, record, then link what is new."""
        if self._stopping.is_set():
            return
        config = self._config
        source = next((s for s in config.sources if s.name == name), None)
        if source is None or not source.enabled:
            return
        assert self._engine is not None
        engine = self._engine
        with self._state_lock:
            self._active[name] = None
            self.runs_started += 1

        def started(run_id: int, pid: int, log_path: Path) -> None:
            with self._state_lock:
                self._active[name] = run_id
            log_event(logger, logging.INFO, "run_started", source=name, run_id=run_id,
                      pid=pid, crawl_log=str(log_path),
                      time_limit_seconds=config.daemon.crawl_time_limit_seconds)

        try:
            summary = run_source(engine, config, source, self._url,
                                 stop_requested=self._stopping.is_set, on_start=started)
        except ArchiveError as exc:
            log_event(logger, logging.WARNING, "run_skipped", source=name, reason=exc.message)
            return
        except Exception:
            # A database outage or a bug: say so, keep the daemon and the other sources going.
            logger.exception("run failed inside the daemon",
                             extra={"healthwire_fields": {"event": "run_error", "source": name,
                                                          "run_id": self._active.get(name)}})
            return
        finally:
            with self._state_lock:
                self._active.pop(name, None)
        level = logging.INFO if summary.outcome == "finished" else (
            logging.WARNING if summary.outcome == "interrupted" else logging.ERROR)
        counters = summary.counters
        log_event(logger, level, "run_finished", source=name, run_id=summary.run_id,
                  outcome=summary.outcome, finish_reason=summary.finish_reason,
                  exit_code=summary.exit_code, seconds=round(summary.seconds, 2),
                  pages=counters.get("pages_fetched", 0),
                  new_articles=counters.get("new_articles", 0),
                  new_versions=counters.get("new_versions", 0),
                  errors=counters.get("errors", 0),
                  error=(summary.error or "").splitlines()[0] if summary.error else None)
        with self._state_lock:
            self._link_requests.append((name, summary.run_id))
        self._link_wake.set()

    def _linker_loop(self) -> None:
        """Link new articles after crawls, in one thread of its own.

        Linking can take longer than a crawl; inside the crawl job it would hold the source's
        next run back. Here crawls only ask for it, and requests that pile up while a pass is
        going are served by one pass (it links everything new, whichever crawl brought it).
        """
        while True:
            self._link_wake.wait(1.0)
            with self._state_lock:
                batch, self._link_requests = self._link_requests, []
                self._link_wake.clear()
            runs = [{"source": source, "run_id": run_id} for source, run_id in batch]
            if batch and self._stopping.is_set():
                log_event(logger, logging.INFO, "link_deferred",
                          "stopping: new articles are linked by the next run or `healthwire "
                          "link`", runs=runs, **_single(batch))
            elif batch:
                self._link(runs, batch)
            if self._linker_stop.is_set() and not batch:
                return

    def _link(self, runs: list[dict[str, Any]], batch: list[tuple[str, int | None]]) -> None:
        """One linking pass for the runs in ``batch``."""
        assert self._engine is not None
        started = time.monotonic()
        try:
            report = link_after_ingest(self._engine, self._config)
        except Exception:
            logger.exception("linking failed", extra={"healthwire_fields": {
                "event": "link_failed", "runs": runs, **_single(batch)}})
            return
        log_event(logger, logging.INFO, "link_done", runs=runs, **_single(batch),
                  seconds=round(time.monotonic() - started, 2), **_flat(report))

    def _on_scheduler_event(self, event: SchedulerEvent) -> None:
        """Misses and overlaps as structured events; a slot missed while the previous run was
        still going becomes one extra run right after it (coalesced, never a second copy)."""
        assert self._scheduler is not None
        name = getattr(event, "job_id", None)
        if name is None:
            return
        if event.code == EVENT_JOB_MISSED and isinstance(event, JobExecutionEvent):
            log_event(logger, logging.WARNING, "run_missed", source=name,
                      scheduled_for=event.scheduled_run_time,
                      reason="later than misfire_grace_seconds")
        elif event.code == EVENT_JOB_MAX_INSTANCES and isinstance(event, JobSubmissionEvent):
            with self._state_lock:
                self._pending.add(name)
            log_event(logger, logging.INFO, "run_postponed", source=name,
                      reason="the previous run is still going; one run follows it",
                      scheduled_for=event.scheduled_run_times[-1])
        elif event.code in (EVENT_JOB_EXECUTED, EVENT_JOB_ERROR):
            with self._state_lock:
                again = name in self._pending
                self._pending.discard(name)
            if again and not self._stopping.is_set():
                job = self._scheduler.get_job(name)
                if job is not None:
                    job.modify(next_run_time=utcnow())

    def _reap_abandoned_runs(self) -> None:
        """Close runs left as ``running`` by a process that died (nobody holds their source's
        lock any more), so status and catch-up do not mistake them for live crawls."""
        assert self._engine is not None
        with session_scope(self._engine, readonly=True) as session:
            rows = session.execute(
                select(Source.name, CrawlRun.id).join(CrawlRun, CrawlRun.source_id == Source.id)
                .where(CrawlRun.outcome == "running", CrawlRun.kind == "crawl")
            ).all()
        by_source: dict[str, list[int]] = {}
        for name, run_id in rows:
            by_source.setdefault(name, []).append(run_id)
        for name, run_ids in by_source.items():
            lock = SourceLock(self._config, self._url, name)
            if not lock.acquire():
                continue  # someone is crawling it right now
            try:
                with session_scope(self._engine) as session:
                    session.execute(
                        update(CrawlRun).where(CrawlRun.id.in_(run_ids),
                                               CrawlRun.outcome == "running")
                        .values(outcome="failed", error="abandoned: the process that ran this "
                                "crawl ended without recording how it finished (found when "
                                "the daemon started)"))
            finally:
                lock.release()
            for run_id in run_ids:
                log_event(logger, logging.WARNING, "run_abandoned", source=name, run_id=run_id)


def _acquire_with_retry(lock: NamedLock) -> bool:
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    while True:
        if lock.acquire():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)


def _safe_url(url: str) -> str:
    from archive.db import normalise_url

    return normalise_url(url).render_as_string(hide_password=True)


def _single(batch: list[tuple[str, int | None]]) -> dict[str, Any]:
    """``source`` and ``run_id`` fields when a linking pass serves exactly one run."""
    return {"source": batch[0][0], "run_id": batch[0][1]} if len(batch) == 1 else {}


def _flat(report: dict[str, Any]) -> dict[str, Any]:
    """A linker report as log fields (scalars only; nested parts as they are)."""
    return {f"link_{key}": value for key, value in report.items()}
