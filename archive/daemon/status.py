"""What ``healthwire status`` reports: per source, its schedule, last and next runs.

Whether a daemon is running is read from the single-daemon lock (the same lock a second daemon
would fail to take): a file lock beside an SQLite archive, an advisory lock on PostgreSQL. A
heartbeat could go stale or lie after a crash; the lock is released by the operating system or
the database server the moment its holder dies, so it cannot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from archive.config import Config
from archive.daemon.schedule import is_overdue, make_trigger, next_fire_time
from archive.db import session_scope
from archive.locks import NamedLock
from archive.models import CrawlRun, Source, utcnow

DAEMON_LOCK = "daemon"


@dataclass
class LastRun:
    """The latest recorded run of one source."""

    run_id: int
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    outcome: str
    finish_reason: str | None
    pages: int
    new_articles: int
    new_versions: int
    errors: int
    error: str | None


@dataclass
class SourceStatus:
    """One configured source as the operator needs to see it."""

    name: str
    kind: str
    enabled: bool
    schedule: str | None
    next_run: datetime | None
    overdue: bool
    last_run: LastRun | None
    last_success: datetime | None
    failures_in_a_row: int


def daemon_running(database_url: str) -> bool:
    """Whether a daemon holds this archive's daemon lock (probed without waiting)."""
    lock = NamedLock(database_url, DAEMON_LOCK)
    if lock.acquire():
        lock.release()
        return False
    return True


def _last_run(run: CrawlRun) -> LastRun:
    counters = run.counters or {}
    duration = ((run.finished_at - run.started_at).total_seconds()
                if run.finished_at is not None else None)
    return LastRun(
        run_id=run.id, started_at=run.started_at, finished_at=run.finished_at,
        duration_seconds=duration, outcome=run.outcome, finish_reason=run.finish_reason,
        pages=int(counters.get("pages_fetched", 0)),
        new_articles=int(counters.get("new_articles", 0)),
        new_versions=int(counters.get("new_versions", 0)),
        errors=int(counters.get("errors", 0)), error=run.error,
    )


def source_statuses(engine: Engine, config: Config,
                    now: datetime | None = None) -> list[SourceStatus]:
    """Every configured source with its last run (from the archive) and next run (from cron)."""
    now = now or utcnow()
    zone = ZoneInfo(config.daemon.timezone)
    out: list[SourceStatus] = []
    with session_scope(engine, readonly=True) as session:
        ids = dict(session.execute(select(Source.name, Source.id)).all())
        for source in config.sources:
            runs: list[CrawlRun] = []
            if source.name in ids:
                runs = list(session.scalars(
                    select(CrawlRun).where(CrawlRun.source_id == ids[source.name],
                                           CrawlRun.kind == "crawl")
                    .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(50)))
            last = runs[0] if runs else None
            failures = 0
            for run in runs:
                if run.outcome in ("finished", "running"):
                    break
                failures += 1
            success = None
            if source.name in ids:
                success = session.scalar(
                    select(func.max(CrawlRun.started_at)).where(
                        CrawlRun.source_id == ids[source.name], CrawlRun.outcome == "finished"))
            scheduled = bool(source.schedule) and source.enabled
            trigger = make_trigger(source.schedule, zone) if scheduled and source.schedule else None
            out.append(SourceStatus(
                name=source.name, kind=source.kind, enabled=source.enabled,
                schedule=source.schedule,
                next_run=next_fire_time(trigger, now.astimezone(zone)) if trigger else None,
                overdue=trigger is not None and is_overdue(
                    trigger, last.started_at if last else None, now),
                last_run=_last_run(last) if last else None,
                last_success=success, failures_in_a_row=failures,
            ))
    return out


def status_report(engine: Engine, config: Config, database_url: str) -> dict[str, Any]:
    """The whole report, as plain data (``--json`` prints it as is)."""
    return {
        "daemon_running": daemon_running(database_url),
        "timezone": config.daemon.timezone,
        "sources": [asdict(s) for s in source_statuses(engine, config)],
    }
