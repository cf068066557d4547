"""Copy links: the edges that statistics about "who copies whom, how late" are made of.

A *copy* is a direct derivation link: relation ``duplicate``, ``near_duplicate``, ``excerpt``
or ``partial_reuse``, and not flagged redundant by the linker (a sibling pair, two copies of
one original, or a shortcut past an archived middle hop would otherwise count one act of
copying two or three times). ``cites`` and ``shares_quotes`` are not copies: citing a report
or quoting the same person is not reusing its text.

A copy *credits its source* when the copying article names the source's outlet in a credit
line, dateline or trace, links to the source article or its outlet in its body, or declares
the source as its canonical URL (the citation table, ``docs/data.md``).

A copy's lag is *dated* when both articles carry a trusted publication date; a lag measured
from a first-seen time says when the crawler arrived, not when the copy appeared, so lag
statistics use dated copies only and report how many they left out.

``outlets``, ``plot lag`` and ``export`` all read copies through :func:`copy_links`, so their
numbers agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from archive.filters import Filters, article_date, article_date_source, resolve_outlet
from archive.models import Article, Citation, Link, Outlet

COPY_RELATIONS = ("duplicate", "near_duplicate", "excerpt", "partial_reuse")
CREDIT_CITATION_KINDS = ("credit", "dateline", "trace", "link", "canonical")
_BATCH = 2000


@dataclass(frozen=True)
class CopyLink:
    """One direct copy: ``child`` (the copy) derives from ``parent`` (its source)."""

    link_id: int
    child_id: int
    parent_id: int
    child_outlet: str | None
    parent_outlet: str | None
    relation: str
    lag_seconds: float | None
    child_date: datetime
    parent_date: datetime
    credited: bool
    child_date_source: str
    parent_date_source: str

    @property
    def lag_days(self) -> float | None:
        return self.lag_seconds / 86400 if self.lag_seconds is not None else None

    @property
    def dated(self) -> bool:
        """Both dates are publication dates (not first-seen times), so the lag is a real
        republication delay rather than a crawl artefact."""
        return "first-seen" not in (self.child_date_source, self.parent_date_source)


def copy_links(conn: Connection, filters: Filters | None = None) -> Iterator[CopyLink]:
    """Every direct copy link, streamed in link order.

    ``filters`` keep copies whose *copy* is dated inside the range, and copies where either
    side belongs to the outlet.
    """
    filters = filters or Filters()
    lt, ct = Link.__table__, Citation.__table__
    child = aliased(Article.__table__, name="child")
    parent = aliased(Article.__table__, name="parent")
    child_outlet = aliased(Outlet.__table__, name="child_outlet")
    parent_outlet = aliased(Outlet.__table__, name="parent_outlet")
    child_date, parent_date = article_date(child), article_date(parent)
    credited = exists().where(
        ct.c.article_id == lt.c.child_id,
        ct.c.kind.in_(CREDIT_CITATION_KINDS),
        or_(ct.c.target_article_id == lt.c.parent_id,
            and_(ct.c.outlet_id.is_not(None), ct.c.outlet_id == parent.c.outlet_id)),
    )
    stmt = (
        select(lt.c.id, lt.c.child_id, lt.c.parent_id, child_outlet.c.name.label("co"),
               parent_outlet.c.name.label("po"), lt.c.relation, lt.c.lag_seconds,
               child_date.label("cd"), parent_date.label("pd"), credited.label("credited"),
               article_date_source(child).label("cds"), article_date_source(parent).label("pds"),
               lt.c.evidence)
        .select_from(
            lt.join(child, child.c.id == lt.c.child_id)
            .join(parent, parent.c.id == lt.c.parent_id)
            .outerjoin(child_outlet, child_outlet.c.id == child.c.outlet_id)
            .outerjoin(parent_outlet, parent_outlet.c.id == parent.c.outlet_id))
        .where(lt.c.relation.in_(COPY_RELATIONS), *filters.date_clauses(child_date))
        .order_by(lt.c.id)
    )
    if filters.outlet:
        oid = resolve_outlet(conn, filters.outlet)
        stmt = stmt.where(or_(child.c.outlet_id == oid, parent.c.outlet_id == oid))
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)
    for r in result:
        if (r.evidence or {}).get("redundant"):
            continue
        yield CopyLink(int(r.id), int(r.child_id), int(r.parent_id), r.co, r.po, r.relation,
                       r.lag_seconds, r.cd, r.pd, bool(r.credited), r.cds, r.pds)
