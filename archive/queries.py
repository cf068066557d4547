"""Questions researchers ask of the link graph: the chain around an article, its origin,
the stories.

Results are plain dicts (JSON-ready, dates as ISO strings) so the CLI prints the same facts
for people (Rich trees and tables) and for scripts (``--json``). Chains follow *direct* links:
a link flagged redundant (a sibling or a shortcut, see ``archive.linking.redundancy``) is
listed under ``also_similar`` instead of drawing a second path through the tree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, literal, select
from sqlalchemy.engine import Connection, Engine

from archive.db import reader
from archive.errors import ArchiveError
from archive.filters import Filters, resolve_outlet
from archive.linking.credited import CREDIT_KINDS
from archive.linking.params import TRUSTED_DATE_SOURCES
from archive.models import Article, Capture, Citation, Link, Outlet, Story, UTCDateTime

MAX_DEPTH = 12


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def find_article(conn: Connection, url: str) -> int:
    """The archived article at ``url`` (its URL first, then a page naming it canonical)."""
    at = Article.__table__
    base = url.split("#", 1)[0]
    variants = {base, base.rstrip("/"), base.rstrip("/") + "/"}
    found = conn.execute(select(at.c.id).where(at.c.url.in_(variants))
                         .order_by(at.c.id).limit(1)).scalar()
    if found is None:
        found = conn.execute(select(at.c.id).where(at.c.canonical_url.in_(variants))
                             .order_by(at.c.id).limit(1)).scalar()
    if found is None:
        raise ArchiveError(
            f"no archived article at {url}",
            hint="check the URL (as crawled, or its canonical URL); `healthwire export "
            "articles` lists what the archive holds",
        )
    return int(found)


def captures(conn: Connection, article_id: int) -> list[dict[str, Any]]:
    """The fetches behind an article, oldest first: each names the WARC record a researcher
    cites (file, offset, length, WARC-Record-ID) and the sha256 of the response body."""
    ct = Capture.__table__
    rows = conn.execute(
        select(ct.c.fetched_at, ct.c.status, ct.c.url, ct.c.final_url, ct.c.content_type,
               ct.c.sha256, ct.c.warc_file, ct.c.warc_offset, ct.c.warc_length,
               ct.c.warc_record_id)
        .where(ct.c.article_id == article_id).order_by(ct.c.fetched_at, ct.c.id)
    ).all()
    return [{
        "fetched_at": _iso(r.fetched_at), "status": r.status, "url": r.url,
        "final_url": r.final_url, "content_type": r.content_type, "sha256": r.sha256,
        "warc_file": r.warc_file, "warc_offset": r.warc_offset, "warc_length": r.warc_length,
        "warc_record_id": r.warc_record_id,
    } for r in rows]


class _Graph:
    """Lazy access to articles and links for one query."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.nodes: dict[int, dict[str, Any]] = {}
        self.archived_outlets: set[str] | None = None

    def node(self, aid: int) -> dict[str, Any]:
        if aid not in self.nodes:
            at, ot = Article.__table__, Outlet.__table__
            row = self.conn.execute(
                select(at.c.id, at.c.url, at.c.canonical_url, at.c.title, at.c.published_at,
                       at.c.published_at_source, at.c.first_seen_at, at.c.story_id,
                       ot.c.name.label("outlet"))
                .select_from(at.outerjoin(ot, ot.c.id == at.c.outlet_id))
                .where(at.c.id == aid)
            ).one()
            trusted = row.published_at_source in TRUSTED_DATE_SOURCES
            self.nodes[aid] = {
                "id": row.id, "url": row.url, "canonical_url": row.canonical_url,
                "outlet": row.outlet, "title": row.title,
                "published_at": _iso(row.published_at),
                "published_at_source": row.published_at_source,
                "first_seen_at": _iso(row.first_seen_at),
                "date": _iso(row.published_at if trusted and row.published_at
                             else row.first_seen_at),
                "date_source": row.published_at_source if trusted and row.published_at
                else "first-seen",
                "story_id": row.story_id,
                "credits": self.credits(aid),
                "captures": captures(self.conn, aid),
            }
        return dict(self.nodes[aid])

    def credits(self, aid: int) -> list[dict[str, Any]]:
        """Outlets this article credits, and whether the archive holds any of their pages."""
        ct, ot, at = Citation.__table__, Outlet.__table__, Article.__table__
        rows = self.conn.execute(
            select(ct.c.kind, ct.c.outlet_name, ct.c.outlet_id, ct.c.phrase, ot.c.name)
            .select_from(ct.outerjoin(ot, ot.c.id == ct.c.outlet_id))
            .where(ct.c.article_id == aid, ct.c.kind.in_(CREDIT_KINDS))
        ).all()
        out = []
        for kind, raw, outlet_id, phrase, name in rows:
            archived = False
            if outlet_id is not None:
                archived = bool(self.conn.execute(
                    select(at.c.id).where(at.c.outlet_id == outlet_id).limit(1)).scalar())
            out.append({"outlet": name or raw, "kind": kind, "phrase": phrase,
                        "archived": archived})
        return out

    def links(self, aid: int, *, as_child: bool) -> list[dict[str, Any]]:
        lt = Link.__table__
        col, other = (lt.c.child_id, lt.c.parent_id) if as_child else (lt.c.parent_id,
                                                                          lt.c.child_id)
        rows = self.conn.execute(select(
            other.label("other"), lt.c.relation, lt.c.jaccard, lt.c.containment_child,
            lt.c.containment_parent, lt.c.shared_passages, lt.c.shared_chars, lt.c.lag_seconds,
            lt.c.direction_reason, lt.c.confidence, lt.c.evidence, lt.c.method,
        ).where(col == aid).order_by(lt.c.lag_seconds, other)).all()
        return [{
            "other": int(r.other), "relation": r.relation, "jaccard": r.jaccard,
            "containment": r.containment_child, "containment_parent": r.containment_parent,
            "shared_passages": r.shared_passages, "shared_chars": r.shared_chars,
            "lag_days": round(r.lag_seconds / 86400, 3) if r.lag_seconds is not None else None,
            "direction_reason": r.direction_reason, "confidence": r.confidence,
            "redundant": (r.evidence or {}).get("redundant"),
            "examples": (r.evidence or {}).get("examples", []),
            "method": r.method,
        } for r in rows]


def _edge_node(graph: _Graph, link: dict[str, Any]) -> dict[str, Any]:
    node = graph.node(link["other"])
    node["link"] = {k: v for k, v in link.items() if k != "other"}
    return node


def _ancestors(graph: _Graph, aid: int, path: set[int], depth: int) -> tuple[list, list]:
    parents: list[dict[str, Any]] = []
    also: list[dict[str, Any]] = []
    if depth > MAX_DEPTH:
        return parents, also
    for link in graph.links(aid, as_child=True):
        if link["relation"] == "shares_quotes" or link["redundant"]:
            also.append(_edge_node(graph, link))
            continue
        node = _edge_node(graph, link)
        if link["other"] in path:
            node["cycle"] = True
        else:
            node["parents"], node["also_similar"] = _ancestors(
                graph, link["other"], path | {link["other"]}, depth + 1)
        parents.append(node)
    return parents, also


def _descendants(graph: _Graph, aid: int, path: set[int], depth: int) -> list[dict[str, Any]]:
    children: list[dict[str, Any]] = []
    if depth > MAX_DEPTH:
        return children
    for link in graph.links(aid, as_child=False):
        if link["relation"] == "shares_quotes" or link["redundant"]:
            continue
        node = _edge_node(graph, link)
        if link["other"] in path:
            node["cycle"] = True
        else:
            node["children"] = _descendants(graph, link["other"], path | {link["other"]},
                                            depth + 1)
        children.append(node)
    return children


def chain(engine: Engine, url: str) -> dict[str, Any]:
    """The tree around an article: its ancestors up to the roots, and its descendants."""
    with reader(engine).connect() as conn:
        aid = find_article(conn, url)
        graph = _Graph(conn)
        node = graph.node(aid)
        node["parents"], node["also_similar"] = _ancestors(graph, aid, {aid}, 0)
        node["children"] = _descendants(graph, aid, {aid}, 0)
        ancestors = {n["outlet"] for n in _walk(node)[1:] if n.get("outlet")}
        for credit in node["credits"]:
            # Does the tree hold a page of the credited outlet? A credit that is archived
            # but not linked (a translation, a rewrite with no shared wording) stays visible.
            credit["linked"] = credit["outlet"] in ancestors
        node["unarchived_credits"] = sorted(
            {c["outlet"] for c in node["credits"] if not c["archived"] and c["outlet"]})
        node["story"] = _story(conn, node["story_id"])
        return node


def cite(engine: Engine, url: str, *, verify: bool = True) -> dict[str, Any]:
    """What a researcher needs to cite an archived article: its metadata, the WARC records
    behind it, and (``verify``) whether each record still reads back with the same sha256."""
    import zlib

    from warcio.exceptions import ArchiveLoadFailed

    from archive.warc import WarcRef, read_record

    with reader(engine).connect() as conn:
        aid = find_article(conn, url)
        node = _Graph(conn).node(aid)
    for capture in node["captures"]:
        if not verify:
            capture["verified"] = None
            continue
        try:
            record = read_record(WarcRef(capture["warc_file"], capture["warc_offset"],
                                         capture["warc_length"], capture["warc_record_id"]))
        except (OSError, EOFError, StopIteration, ValueError, zlib.error,
                ArchiveLoadFailed) as exc:
            capture["verified"] = False
            capture["verify_error"] = f"{type(exc).__name__}: {exc}"
            continue
        capture["verified"] = record.sha256 == capture["sha256"]
    node["citation"] = _citation_text(node)
    return node


def _citation_text(node: dict[str, Any]) -> str:
    """A plain citation: who, what, when published, and where the archived copy is."""
    date = (node["published_at"] or "")[:10] or "n.d."
    parts = [f"{node['outlet'] or 'Unknown outlet'}. \"{node['title'] or node['url']}.\" "
             f"{date} ({node['published_at_source'] or 'no date'}). {node['url']}."]
    good = [c for c in node["captures"] if c["status"] == 200] or node["captures"]
    if good:
        first = good[0]
        parts.append(
            f"Archived {first['fetched_at'][:19]}Z by healthwire, WARC record "
            f"{first['warc_record_id']} in {first['warc_file'].rsplit('/', 1)[-1]} "
            f"(offset {first['warc_offset']}), sha256 {first['sha256']}.")
    return " ".join(parts)


def _roots(tree: dict[str, Any]) -> list[dict[str, Any]]:
    if not tree.get("parents"):
        return [tree]
    out: list[dict[str, Any]] = []
    for parent in tree["parents"]:
        out.extend(_roots(parent))
    return out


def _walk(tree: dict[str, Any]) -> list[dict[str, Any]]:
    out = [tree]
    for parent in tree.get("parents", []):
        out.extend(_walk(parent))
    return out


def origin(engine: Engine, url: str) -> dict[str, Any]:
    """The earliest archived source(s) of an article and the outlets credits name."""
    tree = chain(engine, url)
    seen: dict[int, dict[str, Any]] = {}
    for root in _roots(tree):
        summary = {k: root.get(k) for k in ("id", "url", "outlet", "title", "date",
                                             "date_source", "published_at",
                                             "published_at_source")}
        seen[root["id"]] = summary
    roots = sorted(seen.values(), key=lambda r: (r["date"] or "", r["id"]))
    attributed: dict[str, dict[str, Any]] = {}
    for node in _walk(tree):
        for credit in node["credits"]:
            if credit["outlet"]:
                entry = attributed.setdefault(credit["outlet"], {
                    "outlet": credit["outlet"], "archived": credit["archived"],
                    "credited_by": []})
                entry["credited_by"].append(node["url"])
    is_root = not tree.get("parents")
    return {
        "url": tree["url"], "id": tree["id"], "is_root": is_root,
        "roots": roots,
        "attributed_origins": sorted(attributed.values(), key=lambda a: a["outlet"]),
        "story_attributed_origin": (tree["story"] or {}).get("attributed_origin"),
        "lag_days_from_roots": [
            _lag_days(r["date"], tree["date"]) for r in roots] if not is_root else [],
    }


def _lag_days(earlier: str | None, later: str | None) -> float | None:
    if not earlier or not later:
        return None
    delta = datetime.fromisoformat(later) - datetime.fromisoformat(earlier)
    return round(delta.total_seconds() / 86400, 3)


def _story(conn: Connection, story_id: int | None) -> dict[str, Any] | None:
    if story_id is None:
        return None
    rows = stories_query(conn, story_ids=[story_id])
    return rows[0] if rows else None


def _span_seconds(conn: Connection, first: Any, last: Any) -> Any:
    """SQL for ``last - first`` in seconds (SQLite stores text, PostgreSQL timestamps)."""
    if conn.dialect.name == "sqlite":
        return (func.julianday(last) - func.julianday(first)) * 86400.0
    return func.extract("epoch", last - first)


STORY_ORDERS = ("size", "spread", "latest")


def stories_query(conn: Connection, *, since: datetime | None = None, min_size: int = 2,
                  limit: int | None = 50, order: str = "size",
                  story_ids: list[int] | None = None, filters: Filters | None = None,
                  relation: str | None = None) -> list[dict[str, Any]]:
    """Stories of at least ``min_size`` articles, filtered and sorted.

    ``filters`` keep stories whose date range (first to last member, by article date)
    overlaps the requested range, and stories with a member from the outlet; ``relation``
    keeps stories holding at least one link of that relation. ``order``: ``size`` (largest
    first), ``spread`` (longest from first to last member), ``latest`` (latest member first).
    """
    if order not in STORY_ORDERS:
        raise ArchiveError(f"unknown story order {order!r}",
                           hint=f"choose one of {', '.join(STORY_ORDERS)}")
    filters = filters or Filters(since=since)
    st, at, ot, lt = Story.__table__, Article.__table__, Outlet.__table__, Link.__table__
    span = _span_seconds(conn, st.c.first_published_at, st.c.last_published_at)
    stmt = (
        select(st.c.id, st.c.size, st.c.attributed_origin, st.c.first_published_at,
               st.c.last_published_at, at.c.url, at.c.title, ot.c.name.label("outlet"))
        .select_from(st.outerjoin(at, at.c.id == st.c.root_article_id)
                     .outerjoin(ot, ot.c.id == at.c.outlet_id))
        .where(st.c.size >= min_size)
    )
    if story_ids is not None:
        stmt = stmt.where(st.c.id.in_(story_ids))
    if filters.since is not None:
        stmt = stmt.where(st.c.last_published_at >= literal(filters.since, UTCDateTime()))
    if filters.until is not None:
        stmt = stmt.where(st.c.first_published_at < literal(filters.until, UTCDateTime()))
    if filters.outlet:
        oid = resolve_outlet(conn, filters.outlet)
        member = Article.__table__.alias("member")
        stmt = stmt.where(exists().where(member.c.story_id == st.c.id,
                                         member.c.outlet_id == oid))
    if relation is not None:
        child = Article.__table__.alias("child")
        stmt = stmt.where(exists().where(lt.c.relation == relation,
                                         child.c.id == lt.c.child_id,
                                         child.c.story_id == st.c.id))
    if order == "latest":
        stmt = stmt.order_by(st.c.last_published_at.desc(), st.c.id)
    elif order == "spread":
        stmt = stmt.order_by(span.desc(), st.c.size.desc(), st.c.id)
    else:
        stmt = stmt.order_by(st.c.size.desc(), st.c.first_published_at, st.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = conn.execute(stmt).all()
    outlets = _story_outlets(conn, [r.id for r in rows])
    out = []
    for r in rows:
        span_days = None
        if r.first_published_at and r.last_published_at:
            span_days = round(
                (r.last_published_at - r.first_published_at).total_seconds() / 86400, 3)
        out.append({
            "story_id": r.id, "size": r.size, "root_url": r.url, "root_outlet": r.outlet,
            "root_title": r.title, "attributed_origin": r.attributed_origin,
            "first_published_at": _iso(r.first_published_at),
            "last_published_at": _iso(r.last_published_at), "span_days": span_days,
            "outlets": outlets.get(r.id, []),
        })
    return out


def _story_outlets(conn: Connection, story_ids: list[int]) -> dict[int, list[str]]:
    """The outlets of each story's members, most members first."""
    at, ot = Article.__table__, Outlet.__table__
    found: dict[int, list[str]] = {}
    for i in range(0, len(story_ids), 500):
        rows = conn.execute(
            select(at.c.story_id, ot.c.name, func.count().label("n"))
            .select_from(at.join(ot, ot.c.id == at.c.outlet_id))
            .where(at.c.story_id.in_(story_ids[i:i + 500]))
            .group_by(at.c.story_id, ot.c.name)
            .order_by(at.c.story_id, func.count().desc(), ot.c.name)
        ).all()
        for story_id, name, _n in rows:
            found.setdefault(int(story_id), []).append(name)
    return found


def stories(engine: Engine, *, since: datetime | None = None, min_size: int = 2,
            limit: int | None = 50, order: str = "size", filters: Filters | None = None,
            relation: str | None = None) -> list[dict[str, Any]]:
    """The largest (or longest-running, or latest) stories, with root and attributed origin."""
    with reader(engine).connect() as conn:
        return stories_query(conn, since=since, min_size=min_size, limit=limit, order=order,
                             filters=filters, relation=relation)


def link_counts(engine: Engine) -> dict[str, int]:
    """Links per relation (for summaries)."""
    lt = Link.__table__
    with reader(engine).connect() as conn:
        return {r: int(n) for r, n in conn.execute(
            select(lt.c.relation, func.count()).group_by(lt.c.relation))}
