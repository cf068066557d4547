"""Exports of articles, links and stories as JSON Lines or CSV, streamed.

Rows are read with a server-side cursor (``stream_results``, ``yield_per``) and written one
by one, so exporting a 100k-article archive holds one batch in memory, not the archive. Field
names are a contract (DESIGN.md, "The command line"): add to them, never rename them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from archive.db import reader
from archive.errors import ArchiveError
from archive.models import Article, Link, Outlet, Story

KINDS = ("articles", "links", "stories")
FORMATS = ("jsonl", "csv")

ARTICLE_FIELDS = ("id", "url", "canonical_url", "outlet", "title", "published_at",
                  "published_at_source", "first_seen_at", "authors", "language", "story_id")
LINK_FIELDS = ("url", "source_url", "relation", "jaccard", "containment",
               "containment_source", "shared_passages", "shared_chars", "published_at",
               "published_at_source", "source_published_at", "source_published_at_source",
               "lag_days", "story_id", "direction_reason", "confidence", "redundant", "method")
STORY_FIELDS = ("story_id", "size", "root_url", "root_outlet", "attributed_origin",
                "first_published_at", "last_published_at", "span_days")
FIELDS = {"articles": ARTICLE_FIELDS, "links": LINK_FIELDS, "stories": STORY_FIELDS}
_BATCH = 1000


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _articles(engine: Engine) -> Iterator[dict[str, Any]]:
    at, ot = Article.__table__, Outlet.__table__
    stmt = (select(at.c.id, at.c.url, at.c.canonical_url, ot.c.name, at.c.title,
                   at.c.published_at, at.c.published_at_source, at.c.first_seen_at,
                   at.c.authors, at.c.language, at.c.story_id)
            .select_from(at.outerjoin(ot, ot.c.id == at.c.outlet_id)).order_by(at.c.id))
    with reader(engine).connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)
        for r in result:
            yield {
                "id": r.id, "url": r.url, "canonical_url": r.canonical_url, "outlet": r.name,
                "title": r.title, "published_at": _iso(r.published_at),
                "published_at_source": r.published_at_source,
                "first_seen_at": _iso(r.first_seen_at), "authors": r.authors or [],
                "language": r.language, "story_id": r.story_id,
            }


def _links(engine: Engine) -> Iterator[dict[str, Any]]:
    lt = Link.__table__
    child = aliased(Article.__table__, name="child")
    parent = aliased(Article.__table__, name="parent")
    stmt = (
        select(child.c.url, parent.c.url.label("source_url"), lt.c.relation, lt.c.jaccard,
               lt.c.containment_child, lt.c.containment_parent, lt.c.shared_passages,
               lt.c.shared_chars, child.c.published_at, child.c.published_at_source,
               parent.c.published_at.label("source_published_at"),
               parent.c.published_at_source.label("source_published_at_source"),
               lt.c.lag_seconds, child.c.story_id, lt.c.direction_reason, lt.c.confidence,
               lt.c.evidence, lt.c.method)
        .select_from(lt.join(child, child.c.id == lt.c.child_id)
                     .join(parent, parent.c.id == lt.c.parent_id))
        .order_by(lt.c.id)
    )
    with reader(engine).connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)
        for r in result:
            redundant = (r.evidence or {}).get("redundant")
            yield {
                "url": r.url, "source_url": r.source_url, "relation": r.relation,
                "jaccard": r.jaccard, "containment": r.containment_child,
                "containment_source": r.containment_parent,
                "shared_passages": r.shared_passages, "shared_chars": r.shared_chars,
                "published_at": _iso(r.published_at),
                "published_at_source": r.published_at_source,
                "source_published_at": _iso(r.source_published_at),
                "source_published_at_source": r.source_published_at_source,
                "lag_days": round(r.lag_seconds / 86400, 4) if r.lag_seconds is not None
                else None,
                "story_id": r.story_id, "direction_reason": r.direction_reason,
                "confidence": r.confidence,
                "redundant": redundant["rule"] if redundant else None, "method": r.method,
            }


def _stories(engine: Engine) -> Iterator[dict[str, Any]]:
    st, at, ot = Story.__table__, Article.__table__, Outlet.__table__
    stmt = (select(st.c.id, st.c.size, at.c.url, ot.c.name, st.c.attributed_origin,
                   st.c.first_published_at, st.c.last_published_at)
            .select_from(st.outerjoin(at, at.c.id == st.c.root_article_id)
                         .outerjoin(ot, ot.c.id == at.c.outlet_id))
            .order_by(st.c.id))
    with reader(engine).connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)
        for r in result:
            span = None
            if r.first_published_at and r.last_published_at:
                span = round((r.last_published_at - r.first_published_at).total_seconds()
                             / 86400, 4)
            yield {
                "story_id": r.id, "size": r.size, "root_url": r.url, "root_outlet": r.name,
                "attributed_origin": r.attributed_origin,
                "first_published_at": _iso(r.first_published_at),
                "last_published_at": _iso(r.last_published_at), "span_days": span,
            }


ROWS = {"articles": _articles, "links": _links, "stories": _stories}


def export(engine: Engine, kind: str, fmt: str, out: TextIO) -> int:
    """Write every row of ``kind`` to ``out`` in ``fmt``; return the number of rows."""
    if kind not in ROWS:
        raise ArchiveError(f"unknown export {kind!r}", hint=f"choose one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise ArchiveError(f"unknown format {fmt!r} for {kind}",
                           hint=f"choose one of {', '.join(FORMATS)}")
    count = 0
    if fmt == "jsonl":
        for row in ROWS[kind](engine):
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=list(FIELDS[kind]), extrasaction="ignore")
    writer.writeheader()
    for row in ROWS[kind](engine):
        writer.writerow({k: (";".join(map(str, v)) if isinstance(v, list) else v)
                         for k, v in row.items()})
        count += 1
    return count
