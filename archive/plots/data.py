"""What the plots show, gathered from the archive without drawing anything.

Kept apart from the drawing code so that ``--json`` and the tests read exactly the numbers a
picture is made of, and so that gathering never imports matplotlib.

* :func:`gather_lags` reads copies through :func:`archive.copies.copy_links`, the same function
  ``outlets`` and ``export`` use, so a lag histogram and an outlet table never disagree. Only
  *dated* copies (both sides with a trusted publication date) are plotted; the others are
  counted, because a lag measured from a first-seen time says when the crawler arrived.
* :func:`gather_story` reads a whole story: every article with the story's id, plus the
  articles linked directly to the one asked about (a ``shares_quotes`` neighbour does not join
  a story but is worth seeing), and every link among them, redundant ones included (drawn
  faintly) so that the picture shows all the evidence ``chain`` lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from archive.copies import copy_links
from archive.db import reader
from archive.errors import ArchiveError
from archive.filters import Filters, article_date, article_date_source
from archive.models import Article, Link, Outlet
from archive.queries import find_article

NO_OUTLET = "(no outlet)"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation (numpy's default), so that the
    median and 90th percentile printed, drawn and exported are one computation."""
    return float(np.percentile(np.asarray(values, dtype=float), q))


def format_days(days: float) -> str:
    """A lag for people: minutes and hours below a day, days below two years, then years."""
    if days < 1 / 24:
        return f"{max(days, 0) * 1440:.0f} min"
    if days < 1:
        return f"{days * 24:.1f} h"
    if days < 60:
        return f"{days:.1f} d"
    if days < 730:
        return f"{days:.0f} d"
    return f"{days / 365.25:.1f} y"


@dataclass(frozen=True)
class LagPoint:
    """One dated copy: the copy's outlet, its source's outlet, and the delay between them."""

    link_id: int
    child_id: int
    parent_id: int
    child_outlet: str
    parent_outlet: str
    relation: str
    lag_days: float

    def as_dict(self) -> dict[str, Any]:
        return {"link_id": self.link_id, "child_id": self.child_id, "parent_id": self.parent_id,
                "child_outlet": self.child_outlet, "parent_outlet": self.parent_outlet,
                "relation": self.relation, "lag_days": round(self.lag_days, 6)}


@dataclass(frozen=True)
class OutletLags:
    """The lags of one copying outlet, for one row of ``plot lag --by-outlet``."""

    outlet: str
    lags: list[float]

    @property
    def median(self) -> float:
        return percentile(self.lags, 50)

    @property
    def p90(self) -> float:
        return percentile(self.lags, 90)

    def as_dict(self) -> dict[str, Any]:
        return {"outlet": self.outlet, "n": len(self.lags), "median_days": round(self.median, 6),
                "p90_days": round(self.p90, 6)}


@dataclass
class LagData:
    """The dated copies a lag plot is drawn from, and how many undated ones were left out."""

    filters: Filters
    points: list[LagPoint] = field(default_factory=list)
    undated: int = 0

    @property
    def lags(self) -> list[float]:
        return [p.lag_days for p in self.points]

    @property
    def median(self) -> float | None:
        return percentile(self.lags, 50) if self.points else None

    @property
    def p90(self) -> float | None:
        return percentile(self.lags, 90) if self.points else None

    def by_outlet(self) -> list[OutletLags]:
        """One entry per copying outlet, fastest (smallest median) first; ties by name."""
        groups: dict[str, list[float]] = {}
        for p in self.points:
            groups.setdefault(p.child_outlet, []).append(p.lag_days)
        rows = [OutletLags(name, sorted(lags)) for name, lags in groups.items()]
        return sorted(rows, key=lambda r: (r.median, r.outlet.lower()))

    def outlet_rows(self, limit: int | None = None) -> tuple[list[OutletLags], int]:
        """The rows a by-outlet plot draws: at most ``limit`` outlets, those with the most
        dated copies (a row of one point says little, and hundreds of rows cannot be read),
        sorted by median; and how many outlets were left out."""
        rows = self.by_outlet()
        if limit is None or len(rows) <= limit:
            return rows, 0
        kept = sorted(rows, key=lambda r: (-len(r.lags), r.median, r.outlet.lower()))[:limit]
        names = {r.outlet for r in kept}
        return [r for r in rows if r.outlet in names], len(rows) - limit

    def as_dict(self) -> dict[str, Any]:
        median, p90 = self.median, self.p90
        return {
            "filters": self.filters.as_dict(), "n": len(self.points), "undated": self.undated,
            "median_days": None if median is None else round(median, 6),
            "p90_days": None if p90 is None else round(p90, 6),
            "by_outlet": [row.as_dict() for row in self.by_outlet()],
            "copies": [p.as_dict() for p in self.points],
        }


def gather_lags(engine: Engine, filters: Filters | None = None) -> LagData:
    """Dated copies (plotted) and the count of undated ones (left out), under ``filters``."""
    data = LagData(filters or Filters())
    with reader(engine).connect() as conn:
        for cl in copy_links(conn, data.filters):
            if not cl.dated or cl.lag_days is None:
                data.undated += 1
                continue
            data.points.append(LagPoint(cl.link_id, cl.child_id, cl.parent_id,
                                        cl.child_outlet or NO_OUTLET,
                                        cl.parent_outlet or NO_OUTLET, cl.relation, cl.lag_days))
    return data


def no_lags_error(data: LagData) -> ArchiveError:
    """Why there is nothing to plot, and what to do: no copies at all, none under the
    filters, or only undated ones (which are never plotted)."""
    filtered = any(v is not None for v in data.filters.as_dict().values())
    if data.undated:
        return ArchiveError(
            f"no dated copies to plot: all {data.undated} copies"
            f"{' matching the filters' if filtered else ''} have a side with only a "
            "first-seen date",
            hint="lags are measured between trusted publication dates only; "
            "`healthwire export links` lists the undated copies")
    if filtered:
        return ArchiveError("no copies match the filters",
                            hint="widen --since/--until or drop --outlet")
    return ArchiveError("no copies to plot: the archive holds no copy links yet",
                        hint="crawl or import pages, then run `healthwire link`")


@dataclass(frozen=True)
class StoryNode:
    """One article of a story, placed at its date on its outlet's row."""

    id: int
    url: str
    outlet: str
    title: str | None
    date: datetime
    date_source: str
    highlighted: bool

    @property
    def dated(self) -> bool:
        return self.date_source != "first-seen"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "outlet": self.outlet, "title": self.title,
                "date": self.date.isoformat(), "date_source": self.date_source,
                "highlighted": self.highlighted}


@dataclass(frozen=True)
class StoryEdge:
    """One link among the story's articles, from source (parent) to copy (child)."""

    parent_id: int
    child_id: int
    relation: str
    lag_days: float | None
    redundant: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"parent_id": self.parent_id, "child_id": self.child_id,
                "relation": self.relation,
                "lag_days": None if self.lag_days is None else round(self.lag_days, 6),
                "redundant": self.redundant}


@dataclass
class StoryData:
    """Everything ``plot chain`` draws: the article asked about, its story, and their links."""

    url: str
    article_id: int
    story_id: int | None
    nodes: list[StoryNode]
    edges: list[StoryEdge]

    def node(self, article_id: int) -> StoryNode:
        return next(n for n in self.nodes if n.id == article_id)

    def outlets(self) -> list[str]:
        """Rows, top to bottom: outlets in order of their earliest article, then by name."""
        first: dict[str, datetime] = {}
        for n in self.nodes:
            first[n.outlet] = min(first.get(n.outlet, n.date), n.date)
        return sorted(first, key=lambda o: (first[o], o.lower()))

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "article_id": self.article_id, "story_id": self.story_id,
                "outlets": self.outlets(), "articles": [n.as_dict() for n in self.nodes],
                "links": [e.as_dict() for e in self.edges]}


def gather_story(engine: Engine, url: str) -> StoryData:
    """The story of the article at ``url``: its members, direct neighbours and their links.

    Raises the ``find_article`` error for an unknown URL, and an :class:`ArchiveError` when
    the article stands alone (nothing links it to another page), since a one-point timeline
    says nothing.
    """
    at, ot, lt = Article.__table__, Outlet.__table__, Link.__table__
    with reader(engine).connect() as conn:
        aid = find_article(conn, url)
        story_id = conn.execute(select(at.c.story_id).where(at.c.id == aid)).scalar()
        neighbours = conn.execute(
            select(lt.c.child_id, lt.c.parent_id)
            .where(or_(lt.c.child_id == aid, lt.c.parent_id == aid))).all()
        ids = {aid} | {int(i) for row in neighbours for i in row}
        members = at.c.id.in_(sorted(ids))
        if story_id is not None:
            members = or_(members, at.c.story_id == story_id)
        rows = conn.execute(
            select(at.c.id, at.c.url, at.c.title, ot.c.name.label("outlet"),
                   article_date(at).label("date"), article_date_source(at).label("source"))
            .select_from(at.outerjoin(ot, ot.c.id == at.c.outlet_id))
            .where(members).order_by(at.c.id)).all()
        nodes = [StoryNode(int(r.id), r.url, r.outlet or NO_OUTLET, r.title, _aware(r.date),
                           r.source, int(r.id) == aid) for r in rows]
        node_ids = sorted(n.id for n in nodes)
        links = conn.execute(
            select(lt.c.parent_id, lt.c.child_id, lt.c.relation, lt.c.lag_seconds,
                   lt.c.evidence)
            .where(lt.c.child_id.in_(node_ids), lt.c.parent_id.in_(node_ids))
            .order_by(lt.c.id)).all()
    edges = [StoryEdge(int(r.parent_id), int(r.child_id), r.relation,
                       None if r.lag_seconds is None else r.lag_seconds / 86400,
                       _redundant_rule((r.evidence or {}).get("redundant")))
             for r in links]
    if len(nodes) < 2:
        raise ArchiveError(
            f"nothing to plot for {url}: no other archived article is linked to it",
            hint="it has no archived source, copy or similar page; `healthwire stories` "
            "lists the syndicated stories")
    return StoryData(url, aid, story_id, nodes, edges)


def _redundant_rule(flag: Any) -> str | None:
    """The linker's redundancy flag as one word (``sibling``, ``shortcut``), or None."""
    if not flag:
        return None
    if isinstance(flag, dict):
        return str(flag.get("rule") or "redundant")
    return str(flag)
