"""The rows of the articles, links and stories exports, read from the archive as a stream.

Each query runs with a server-side cursor (``stream_results``, ``yield_per``) and yields one
dict per row with native values (``datetime``, ``int``, ``float``, ``list``, ``None``); the
format writers turn them into text, Parquet or GraphML. Holding one batch at a time is what
lets an archive of millions of links export in bounded memory.

Filters (``archive.filters``) mean, per kind (``docs/data.md``):

* articles: the article's date (trusted publication date, else first seen) is in range and
  the article belongs to the outlet;
* links: the copy's (child's) date is in range and either side belongs to the outlet;
* stories: at least one member is in range *and* of the outlet (the same member).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, distinct, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FromClause

from archive.copies import COPY_RELATIONS
from archive.filters import Filters, article_date, article_date_source, resolve_outlet
from archive.linking.stories import STORY_RELATIONS
from archive.models import Article, Link, Outlet, Story

_BATCH = 2000


@dataclass(frozen=True)
class Scope:
    """Filters with the outlet already resolved to its id (so a bad name fails up front)."""

    filters: Filters = field(default_factory=Filters)
    outlet_id: int | None = None

    @classmethod
    def resolve(cls, conn: Connection, filters: Filters | None) -> Scope:
        filters = filters or Filters()
        oid = resolve_outlet(conn, filters.outlet) if filters.outlet else None
        return cls(filters, oid)

    def article_clauses(self, article: FromClause) -> list[ColumnElement[bool]]:
        """An article in range and of the outlet."""
        out = self.filters.date_clauses(article_date(article))
        if self.outlet_id is not None:
            out.append(article.c.outlet_id == self.outlet_id)
        return out

    def link_clauses(self, child: FromClause, parent: FromClause) -> list[ColumnElement[bool]]:
        """The copy in range, either side of the outlet."""
        out = self.filters.date_clauses(article_date(child))
        if self.outlet_id is not None:
            out.append(or_(child.c.outlet_id == self.outlet_id,
                           parent.c.outlet_id == self.outlet_id))
        return out

    def story_clauses(self, story: FromClause) -> list[ColumnElement[bool]]:
        """Some member of the story in range and of the outlet."""
        member = aliased(Article.__table__, name="member")
        clauses = self.article_clauses(member)
        if not clauses:
            return []
        return [exists().where(member.c.story_id == story.c.id, *clauses)]


def stream(conn: Connection, stmt: Select[Any]) -> Iterator[Any]:
    """Rows of ``stmt`` through a server-side cursor, one batch in memory at a time."""
    yield from conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)


def round_days(seconds: float | None) -> float | None:
    """Seconds as days, rounded to 4 places (about 9 s): the precision every format shares."""
    return round(seconds / 86400, 4) if seconds is not None else None


# --- articles ------------------------------------------------------------------------------

def articles_stmt(scope: Scope, *where: ColumnElement[bool], story: bool = False
                  ) -> Select[Any]:
    """Articles in scope (plus ``where``), in id order; with ``story``, also the size of the
    article's story and whether it is the story's root."""
    at, ot, st = Article.__table__, Outlet.__table__, Story.__table__
    joined = at.outerjoin(ot, ot.c.id == at.c.outlet_id)
    extra: list[Any] = []
    if story:
        joined = joined.outerjoin(st, st.c.id == at.c.story_id)
        extra = [st.c.size.label("story_size"),
                 (st.c.root_article_id == at.c.id).label("story_root")]
    return (
        select(at.c.id, at.c.url, at.c.canonical_url, ot.c.name.label("outlet"),
               ot.c.role.label("outlet_role"), at.c.title, at.c.published_at,
               at.c.published_at_source, at.c.first_seen_at, at.c.authors, at.c.language,
               at.c.story_id, article_date(at).label("date"),
               article_date_source(at).label("date_source"), at.c.modified_at,
               at.c.modified_at_source, at.c.last_seen_at, *extra)
        .select_from(joined)
        .where(*scope.article_clauses(at), *where)
        .order_by(at.c.id)
    )


def article_row(r: Any) -> dict[str, Any]:
    row = dict(r._mapping)
    row["authors"] = [str(a) for a in (row["authors"] or [])]
    return row


def article_rows(conn: Connection, scope: Scope) -> Iterator[dict[str, Any]]:
    for r in stream(conn, articles_stmt(scope)):
        yield article_row(r)


# --- links ---------------------------------------------------------------------------------

def links_stmt(scope: Scope, *, mode: str = "links") -> Select[Any]:
    """Links in scope, in link order.

    ``mode`` says which links a graph wants as edges: ``links`` (the links export: the copy
    in range, either side of the outlet), ``articles`` (links whose child *and* parent are
    articles in scope, the edges among an articles graph's nodes) or ``stories`` (the links
    that make the stories in scope: derivations and citations inside them).
    """
    lt, ot = Link.__table__, Outlet.__table__
    child = aliased(Article.__table__, name="child")
    parent = aliased(Article.__table__, name="parent")
    child_outlet = aliased(ot, name="child_outlet")
    parent_outlet = aliased(ot, name="parent_outlet")
    if mode == "articles":
        clauses = [*scope.article_clauses(child), *scope.article_clauses(parent)]
    elif mode == "stories":
        clauses = [lt.c.relation.in_(STORY_RELATIONS), child.c.story_id.in_(story_ids(scope)),
                   child.c.story_id == parent.c.story_id]
    else:
        clauses = scope.link_clauses(child, parent)
    return (
        select(lt.c.id.label("link_id"), lt.c.child_id, lt.c.parent_id, child.c.url,
               parent.c.url.label("source_url"), lt.c.relation, lt.c.jaccard,
               lt.c.containment_child, lt.c.containment_parent, lt.c.shared_passages,
               lt.c.shared_chars, child.c.published_at, child.c.published_at_source,
               parent.c.published_at.label("source_published_at"),
               parent.c.published_at_source.label("source_published_at_source"),
               lt.c.lag_seconds, child.c.story_id, lt.c.direction_reason, lt.c.confidence,
               lt.c.evidence, lt.c.method, child_outlet.c.name.label("outlet"),
               parent_outlet.c.name.label("source_outlet"),
               article_date(child).label("date"), article_date_source(child).label("ds"),
               article_date(parent).label("source_date"),
               article_date_source(parent).label("sds"))
        .select_from(
            lt.join(child, child.c.id == lt.c.child_id)
            .join(parent, parent.c.id == lt.c.parent_id)
            .outerjoin(child_outlet, child_outlet.c.id == child.c.outlet_id)
            .outerjoin(parent_outlet, parent_outlet.c.id == parent.c.outlet_id))
        .where(*clauses)
        .order_by(lt.c.id)
    )


def link_row(r: Any) -> dict[str, Any]:
    redundant = (r.evidence or {}).get("redundant")
    return {
        "url": r.url, "source_url": r.source_url, "relation": r.relation,
        "jaccard": r.jaccard, "containment": r.containment_child,
        "containment_source": r.containment_parent,
        "shared_passages": r.shared_passages, "shared_chars": r.shared_chars,
        "published_at": r.published_at, "published_at_source": r.published_at_source,
        "source_published_at": r.source_published_at,
        "source_published_at_source": r.source_published_at_source,
        "lag_days": round_days(r.lag_seconds), "story_id": r.story_id,
        "direction_reason": r.direction_reason, "confidence": r.confidence,
        "redundant": redundant["rule"] if redundant else None, "method": r.method,
        "link_id": r.link_id, "article_id": r.child_id, "source_article_id": r.parent_id,
        "outlet": r.outlet, "source_outlet": r.source_outlet,
        "date": r.date, "date_source": r.ds, "source_date": r.source_date,
        "source_date_source": r.sds,
        "copy": r.relation in COPY_RELATIONS and not redundant,
    }


def link_rows(conn: Connection, scope: Scope, mode: str = "links"
              ) -> Iterator[dict[str, Any]]:
    for r in stream(conn, links_stmt(scope, mode=mode)):
        yield link_row(r)


def linked_article_ids(scope: Scope) -> tuple[ColumnElement[bool], ...]:
    """WHERE clauses on ``article`` that keep the articles touched by links in scope.

    Two correlated ``EXISTS`` probes per article (on the link table's child and parent
    indexes) rather than ``id IN (SELECT ...)``, which SQLite would materialise: the probes
    keep memory flat however many links there are.
    """
    lt, at = Link.__table__, Article.__table__
    child = aliased(Article.__table__, name="lchild")
    parent = aliased(Article.__table__, name="lparent")

    def touched(end: Any) -> ColumnElement[bool]:
        return (select(lt.c.id)
                .select_from(lt.join(child, child.c.id == lt.c.child_id)
                             .join(parent, parent.c.id == lt.c.parent_id))
                .where(end == at.c.id, *scope.link_clauses(child, parent))
                .exists())

    return (or_(touched(lt.c.child_id), touched(lt.c.parent_id)),)


# --- stories -------------------------------------------------------------------------------

def stories_stmt(scope: Scope) -> Select[Any]:
    """Stories in scope, in id order, with their root and how many outlets they span."""
    st, at, ot = Story.__table__, Article.__table__, Outlet.__table__
    member = aliased(at, name="counted")
    outlets = (select(func.count(distinct(member.c.outlet_id)))
               .where(member.c.story_id == st.c.id).scalar_subquery())
    return (
        select(st.c.id, st.c.size, at.c.url, ot.c.name, st.c.attributed_origin,
               st.c.first_published_at, st.c.last_published_at, st.c.root_article_id,
               at.c.title, outlets.label("outlet_count"))
        .select_from(st.outerjoin(at, at.c.id == st.c.root_article_id)
                     .outerjoin(ot, ot.c.id == at.c.outlet_id))
        .where(*scope.story_clauses(st))
        .order_by(st.c.id)
    )


def story_rows(conn: Connection, scope: Scope) -> Iterator[dict[str, Any]]:
    for r in stream(conn, stories_stmt(scope)):
        span = None
        if r.first_published_at and r.last_published_at:
            span = round_days((r.last_published_at - r.first_published_at).total_seconds())
        yield {
            "story_id": r.id, "size": r.size, "root_url": r.url, "root_outlet": r.name,
            "attributed_origin": r.attributed_origin,
            "first_published_at": r.first_published_at,
            "last_published_at": r.last_published_at, "span_days": span,
            "root_article_id": r.root_article_id, "root_title": r.title,
            "outlet_count": r.outlet_count,
        }


def story_ids(scope: Scope) -> Select[Any]:
    """The ids of the stories in scope, as a subquery for the story graph."""
    st = Story.__table__
    return select(st.c.id).where(*scope.story_clauses(st))
