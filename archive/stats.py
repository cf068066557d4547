"""What the archive holds: counts, sizes, schema revision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from archive.db import database_size_bytes, session_scope
from archive.models import TABLES
from archive.schema import require_current


def archive_stats(engine: Engine, warc_dir: Path) -> dict[str, Any]:
    """Rows per table, bytes on disk, WARC files, schema revision (refuses a stale schema)."""
    revision = require_current(engine)
    rows: dict[str, int] = {}
    with session_scope(engine, readonly=True) as session:
        for model in TABLES:
            rows[model.__tablename__] = session.scalar(select(func.count()).select_from(model))
    warcs = sorted(warc_dir.rglob("*.warc.gz")) if warc_dir.is_dir() else []
    return {
        "database": engine.url.render_as_string(hide_password=True),
        "schema_revision": revision,
        "rows": rows,
        "database_bytes": database_size_bytes(engine),
        "warc_dir": str(warc_dir),
        "warc_files": len(warcs),
        "warc_bytes": sum(p.stat().st_size for p in warcs),
    }
