"""What the archive holds: counts, sizes, schema revision, and coverage over time.

Coverage answers "is this archive good enough for my question?": how many articles it holds
per month (by article date, as in ``docs/data.md``: trusted publication date, else first seen),
how many of those carry a trusted publication date, how many pages were captured, and how
many copies were found. Articles and captures are bucketed in the database (one grouped query
each); copies are streamed through :func:`archive.copies.copy_links` so that they are counted
exactly as ``outlets`` and ``plot lag`` count them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection, Engine

from archive.copies import copy_links
from archive.db import database_size_bytes, reader
from archive.filters import Filters, article_date, has_trusted_date, resolve_outlet
from archive.linking.params import TRUSTED_DATE_SOURCES
from archive.models import TABLES, Article, Capture, CrawlRun, Link
from archive.schema import require_current

BUCKETS = {"year": 4, "month": 7, "day": 10}
_PG_FORMATS = {"year": "YYYY", "month": "YYYY-MM", "day": "YYYY-MM-DD"}


def _bucket(conn: Connection, column: ColumnElement[Any], by: str) -> ColumnElement[str]:
    """SQL for the UTC year, month or day of a timestamp, as text (``2022-06``)."""
    if conn.dialect.name == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS' in UTC
        return func.substr(column, 1, BUCKETS[by])
    return func.to_char(func.timezone("UTC", column), _PG_FORMATS[by])


def coverage(conn: Connection, *, by: str = "month",
             filters: Filters | None = None) -> list[dict[str, Any]]:
    """Per period: articles (by article date), of which with a trusted publication date,
    articles first seen, pages captured, and copies found (by the copy's date)."""
    if by not in BUCKETS:
        raise ValueError(f"unknown period {by!r}")
    filters = filters or Filters()
    at, ct = Article.__table__, Capture.__table__
    outlet_id = resolve_outlet(conn, filters.outlet) if filters.outlet else None
    adate = article_date(at)
    trusted = has_trusted_date(at)
    where_outlet = [at.c.outlet_id == outlet_id] if outlet_id is not None else []
    table: dict[str, dict[str, Any]] = {}

    def row(period: str) -> dict[str, Any]:
        return table.setdefault(period, {"period": period, "articles": 0, "dated": 0,
                                         "first_seen": 0, "captures": 0, "copies": 0})

    period = _bucket(conn, adate, by).label("p")
    for p, n, dated in conn.execute(
        select(period, func.count(), func.sum(func.cast(trusted, Article.id.type)))
        .where(*filters.date_clauses(adate), *where_outlet).group_by(period)
    ):
        row(p)["articles"], row(p)["dated"] = int(n), int(dated or 0)

    seen = _bucket(conn, at.c.first_seen_at, by).label("p")
    for p, n in conn.execute(
        select(seen, func.count())
        .where(*filters.date_clauses(at.c.first_seen_at), *where_outlet).group_by(seen)
    ):
        row(p)["first_seen"] = int(n)

    fetched = _bucket(conn, ct.c.fetched_at, by).label("p")
    capture_where = filters.date_clauses(ct.c.fetched_at)
    if outlet_id is not None:
        capture_where.append(ct.c.article_id.in_(select(at.c.id).where(*where_outlet)))
    for p, n in conn.execute(select(fetched, func.count()).where(*capture_where)
                             .group_by(fetched)):
        row(p)["captures"] = int(n)

    # Copies come from copy_links (direct, non-redundant copies), like `outlets` and `plot`.
    width = BUCKETS[by]
    for link in copy_links(conn, filters):
        row(link.child_date.isoformat()[:width])["copies"] += 1
    return [table[k] for k in sorted(table, key=lambda k: (k is None, k or ""))]


def archive_stats(engine: Engine, warc_dir: Path, *, by: str = "month",
                  filters: Filters | None = None) -> dict[str, Any]:
    """Rows per table, bytes on disk, WARC files, schema revision (refuses a stale schema),
    date range, date evidence, crawl outcomes, links per relation, and coverage per period."""
    revision = require_current(engine)
    at, rt, lt = Article.__table__, CrawlRun.__table__, Link.__table__
    warcs = sorted(warc_dir.rglob("*.warc.gz")) if warc_dir.is_dir() else []
    with reader(engine).connect() as conn:
        rows = {model.__tablename__: int(conn.execute(
            select(func.count()).select_from(model.__table__)).scalar() or 0)
            for model in TABLES}
        adate = article_date(at)
        first, last = conn.execute(select(func.min(adate), func.max(adate))).one()
        date_sources = {source or "none": int(n) for source, n in conn.execute(
            select(at.c.published_at_source, func.count()).group_by(at.c.published_at_source)
            .order_by(func.count().desc()))}
        outcomes = {outcome: int(n) for outcome, n in conn.execute(
            select(rt.c.outcome, func.count()).group_by(rt.c.outcome))}
        relations = {relation: int(n) for relation, n in conn.execute(
            select(lt.c.relation, func.count()).group_by(lt.c.relation)
            .order_by(lt.c.relation))}
        periods = coverage(conn, by=by, filters=filters)
    return {
        "database": engine.url.render_as_string(hide_password=True),
        "schema_revision": revision,
        "rows": rows,
        "database_bytes": database_size_bytes(engine),
        "warc_dir": str(warc_dir),
        "warc_files": len(warcs),
        "warc_bytes": sum(p.stat().st_size for p in warcs),
        "articles_first_date": first.isoformat() if first else None,
        "articles_last_date": last.isoformat() if last else None,
        "published_at_sources": date_sources,
        "crawl_outcomes": outcomes,
        "links_by_relation": relations,
        "coverage_by": by,
        "coverage_filters": (filters or Filters()).as_dict(),
        "coverage": periods,
        "trusted_date_sources": list(TRUSTED_DATE_SOURCES),
    }
