"""Stories: connected groups of articles joined by derivation or citation links.

``shares_quotes`` links do not join stories: two outlets quoting one person are two stories.
The root is the earliest member (effective date) with no parent inside the story: the original
as far as the archive knows. ``attributed_origin`` is kept apart: the outlet the credits name
(the root's own credit first, since a root that credits someone is itself a copy of a report
we have not archived; otherwise the outlet most credited by members).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import networkx as nx
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from archive.linking.credited import CREDIT_KINDS, link_credits
from archive.linking.params import LinkParams
from archive.models import Article, Citation, Link, Outlet, Story

#: Relations that make two articles part of one story.
STORY_RELATIONS = ("duplicate", "near_duplicate", "excerpt", "partial_reuse", "cites")
_CHUNK = 5000


def _links_touching(conn: Connection, ids: list[int]) -> list[tuple[int, int]]:
    lt = Link.__table__
    edges: list[tuple[int, int]] = []
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        stmt = select(lt.c.child_id, lt.c.parent_id).where(
            lt.c.relation.in_(STORY_RELATIONS),
            lt.c.child_id.in_(chunk) | lt.c.parent_id.in_(chunk),
        )
        edges.extend((int(c), int(p)) for c, p in conn.execute(stmt))
    return edges


def _component_edges(conn: Connection, seeds: Iterable[int]) -> tuple[set[int], set[tuple]]:
    """Every article connected to ``seeds`` and the edges among them (breadth-first)."""
    nodes: set[int] = set(seeds)
    frontier = list(nodes)
    edges: set[tuple[int, int]] = set()
    while frontier:
        found = _links_touching(conn, frontier)
        edges.update(found)
        new = {n for e in found for n in e} - nodes
        nodes |= new
        frontier = sorted(new)
    return nodes, edges


def update_stories(conn: Connection, seeds: Iterable[int], params: LinkParams,
                   *, everything: bool = False) -> int:
    """Recompute the stories around ``seeds`` (or all of them); return stories written."""
    at = Article.__table__
    st = Story.__table__
    if everything:
        lt = Link.__table__
        edges = {(int(c), int(p)) for c, p in conn.execute(
            select(lt.c.child_id, lt.c.parent_id).where(lt.c.relation.in_(STORY_RELATIONS)))}
        nodes = {n for e in edges for n in e}
        conn.execute(update(at).where(at.c.story_id.is_not(None)).values(story_id=None))
        conn.execute(delete(st))
        nodes_all = nodes
    else:
        nodes_all, edges = _component_edges(conn, seeds)
    if not nodes_all:
        return 0
    graph = nx.Graph()
    graph.add_nodes_from(nodes_all)
    graph.add_edges_from(edges)
    ids = sorted(nodes_all)
    info: dict[int, tuple] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        for row in conn.execute(select(
            at.c.id, at.c.story_id, at.c.published_at, at.c.published_at_source,
            at.c.first_seen_at,
        ).where(at.c.id.in_(chunk))):
            trusted = row.published_at if (
                row.published_at is not None
                and row.published_at_source in params.trusted_date_sources
            ) else None
            info[int(row.id)] = (row.story_id, trusted or row.first_seen_at)
    parents_in: dict[int, set[int]] = {}
    for child, parent in edges:
        parents_in.setdefault(child, set()).add(parent)
    old_story_ids = {s for s, _ in info.values() if s is not None}
    kept: set[int] = set()
    written = 0
    for component in nx.connected_components(graph):
        members = sorted(component)
        if len(members) < 2:
            conn.execute(update(at).where(at.c.id.in_(members)).values(story_id=None))
            continue
        dates = {m: info[m][1] for m in members}
        link_credits(conn, members, dates, parents_in)
        roots = [m for m in members if not (parents_in.get(m, set()) & component)]
        pool = roots or members
        root = min(pool, key=lambda m: (dates[m], m))
        origin = _attributed_origin(conn, root, members)
        existing = sorted({info[m][0] for m in members if info[m][0] is not None} - kept)
        values = {
            "root_article_id": root, "attributed_origin": origin, "size": len(members),
            "first_published_at": min(dates.values()), "last_published_at": max(dates.values()),
        }
        if existing:
            story_id = existing[0]
            conn.execute(update(st).where(st.c.id == story_id).values(**values))
        else:
            story_id = int(conn.execute(st.insert().values(**values)).inserted_primary_key[0])
        kept.add(story_id)
        for i in range(0, len(members), _CHUNK):
            conn.execute(update(at).where(at.c.id.in_(members[i : i + _CHUNK]))
                         .values(story_id=story_id))
        written += 1
    stale = sorted(old_story_ids - kept)
    if stale:
        conn.execute(update(at).where(at.c.story_id.in_(stale)).values(story_id=None))
        conn.execute(delete(st).where(st.c.id.in_(stale)))
    return written


def _attributed_origin(conn: Connection, root: int, members: list[int]) -> str | None:
    """The outlet the credits name.

    The root's own credit wins (a root that credits someone copies a report we have not
    archived); then the root's outlet if members credit it; then the most credited outlet.
    """
    ct = Citation.__table__
    ot = Outlet.__table__
    at = Article.__table__
    counts: Counter[str] = Counter()
    root_names: list[str] = []
    rows = conn.execute(
        select(ct.c.article_id, ct.c.outlet_name, ot.c.name)
        .select_from(ct.outerjoin(ot, ot.c.id == ct.c.outlet_id))
        .where(ct.c.article_id.in_(members[:_CHUNK]), ct.c.kind.in_(CREDIT_KINDS))
    )
    for article_id, raw, outlet_name in rows:
        name = outlet_name or raw
        if not name:
            continue
        counts[name] += 1
        if article_id == root:
            root_names.append(name)
    if root_names:
        return sorted(root_names)[0]
    root_outlet = conn.execute(
        select(ot.c.name).select_from(at.join(ot, ot.c.id == at.c.outlet_id))
        .where(at.c.id == root)
    ).scalar()
    if root_outlet and root_outlet in counts:
        return str(root_outlet)
    if counts:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return None
