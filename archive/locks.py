"""Locks that keep two processes from crawling one source (or running two daemons) at once.

APScheduler's ``max_instances=1`` holds only inside one process; these hold across processes
and machines that share the archive. On SQLite the archive is one file on one machine, so a
file lock beside it suffices (released by the OS if the holder dies). On PostgreSQL a session
advisory lock is held on a dedicated connection (released by the server if the holder dies),
so workers on several machines see each other.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from archive.config import Config
from archive.db import normalise_url


def _lock_key(name: str) -> int:
    """A stable signed 32-bit key for an advisory lock named ``name``."""
    value = zlib.crc32(f"healthwire:{name}".encode())
    return value - (1 << 32) if value >= (1 << 31) else value


# Advisory locks are database-wide; the first key scopes them to this archive's schema, so
# archives sharing one PostgreSQL database (or tests, each in its own schema) never collide.
_TRY = "SELECT pg_try_advisory_lock(hashtext(current_schema()), :k)"
_UNLOCK = "SELECT pg_advisory_unlock(hashtext(current_schema()), :k)"


class NamedLock:
    """A non-blocking, cross-process lock named ``name`` for one archive."""

    def __init__(self, database_url: str, name: str, *, lock_dir: Path | None = None) -> None:
        self.name = name
        self.url = normalise_url(database_url)
        self._file_lock: FileLock | None = None
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        if self.url.get_backend_name() == "sqlite":
            database = Path(self.url.database or "healthwire.sqlite3").expanduser().resolve()
            folder = lock_dir or database.parent / f"{database.name}.locks"
            folder.mkdir(parents=True, exist_ok=True)
            self._file_lock = FileLock(str(folder / f"{name}.lock"))

    def acquire(self) -> bool:
        """Take the lock if free; False if another process holds it."""
        if self._file_lock is not None:
            try:
                self._file_lock.acquire(timeout=0)
            except Timeout:
                return False
            return True
        self._engine = create_engine(self.url, poolclass=None, pool_size=1, max_overflow=0)
        self._conn = self._engine.connect()
        got = self._conn.execute(text(_TRY), {"k": _lock_key(self.name)}).scalar()
        self._conn.commit()
        if not got:
            self._close()
        return bool(got)

    def release(self) -> None:
        if self._file_lock is not None:
            if self._file_lock.is_locked:
                self._file_lock.release()
            return
        if self._conn is not None:
            self._conn.execute(text(_UNLOCK), {"k": _lock_key(self.name)})
            self._conn.commit()
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class SourceLock(NamedLock):
    """The lock for crawling one source."""

    def __init__(self, config: Config, database_url: str, source: str) -> None:
        super().__init__(database_url, f"source-{source}")
