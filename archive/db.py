"""Opening an archive: engines set up for a daemon that writes while people read.

SQLite is the embedded default. A daemon writes while researchers query, so every SQLite
connection gets WAL (readers never block the writer), ``synchronous=NORMAL`` (durable at
checkpoints, fast commits), a busy timeout, and foreign keys on. Writers begin with
``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes fails at once with
"database is locked" whatever the busy timeout, because SQLite cannot upgrade its lock.
PostgreSQL needs none of this; URLs ``postgresql://`` are mapped to the psycopg 3 driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import ArchiveError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> URL:
    """Parse a database URL, choosing psycopg 3 for PostgreSQL; refuse what we cannot open."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ArchiveError(
            f"database URL {url!r} is not a valid SQLAlchemy URL",
            hint="use sqlite:///path/to/file.sqlite3 or postgresql://user@host/dbname",
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ArchiveError(
            f"database URL {parsed.render_as_string(hide_password=True)!r}: backend "
            f"{backend!r} is not supported",
            hint="healthwire archives live in SQLite (default) or PostgreSQL",
        )
    return parsed


def _configure_sqlite(engine: Engine) -> None:
    """Apply the pragmas and the BEGIN IMMEDIATE recipe to every pooled connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads and writes alike take the write lock up front only when asked for; plain
        # readers (the CLI's queries) use BEGIN DEFERRED so they never wait on the daemon.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the archive's connection settings."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def open_archive(url: str) -> Engine:
    """An engine for an archive that must already exist and be at this code's schema.

    Unlike :func:`make_engine` it never creates an SQLite file: a query against a mistyped
    path should say "no archive there", not leave an empty database behind.
    """
    from archive.errors import SchemaError
    from archive.schema import require_current

    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).expanduser().exists():
            raise SchemaError(
                f"no archive at {database or url}", hint="create it with `healthwire init`"
            )
    engine = make_engine(url)
    try:
        require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def reader(engine: Engine) -> Engine:
    """The same engine, whose transactions begin deferred: for read-only queries.

    On SQLite a reader in WAL mode sees a consistent snapshot and never blocks or waits for
    the writer; on PostgreSQL this is the engine itself.
    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_begin="DEFERRED")  # type: ignore[return-value]


@contextmanager
def session_scope(engine: Engine, *, readonly: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    bind = reader(engine) if readonly else engine
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            if readonly:
                # Keep what was read usable after the session ends: detach, then end the
                # transaction (a rollback would expire every loaded object).
                session.expunge_all()
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise


def database_size_bytes(engine: Engine) -> int | None:
    """Bytes the archive occupies on disk (SQLite file with its WAL), or as PostgreSQL reports."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            return None
        total = 0
        for suffix in ("", "-wal", "-shm"):
            path = Path(database + suffix)
            if path.exists():
                total += path.stat().st_size
        return total
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar())
