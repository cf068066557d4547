"""Credits that text comparison cannot confirm: a ``cites`` link inside a story.

A translated rewrite shares no wording with its source, so MinHash never pairs them. What
often survives is a credit or a stray trace ("Sign up for the Slate newsletter") naming the
source's outlet. When such a page already belongs to a story (through its other sources), and
that story holds an earlier page of the credited outlet, the credit points at that page: the
page is linked to it as ``cites``, method ``credit_in_story``, with the credit as evidence and
a lower confidence than any text-based link.

Guards, so that a credit is never turned into a second path or a guess across stories:

* only pages already in the same story (the link never joins two stories);
* only credits naming another outlet, only pages of that outlet dated before the crediting
  page (by the linker's effective date), the latest such page when there are several;
* not when the page already reaches a page of that outlet through its links (the credit is
  already explained, directly or through a middle hop), and not when the pair has any link.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from archive.models import Article, Citation, Link

CREDIT_KINDS = ("credit", "dateline", "trace")
METHOD = "credit_in_story"
CONFIDENCE = 0.6
_CHUNK = 5000


def _ancestors(node: int, parents_in: dict[int, set[int]]) -> set[int]:
    seen: set[int] = set()
    stack = list(parents_in.get(node, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(parents_in.get(current, ()))
    return seen


def link_credits(conn: Connection, members: list[int], dates: dict[int, datetime],
                 parents_in: dict[int, set[int]]) -> list[tuple[int, int]]:
    """Add ``cites`` links for unexplained credits inside one story; return (child, parent)
    pairs written. ``parents_in`` (child -> parents among members) is updated in place."""
    at, ct, lt = Article.__table__, Citation.__table__, Link.__table__
    outlet_of: dict[int, int | None] = {}
    found: list[Any] = []
    for i in range(0, len(members), _CHUNK):
        chunk = members[i:i + _CHUNK]
        outlet_of.update((int(a), o) for a, o in conn.execute(
            select(at.c.id, at.c.outlet_id).where(at.c.id.in_(chunk))))
        found.extend(conn.execute(
            select(ct.c.article_id, ct.c.outlet_id, ct.c.kind, ct.c.phrase)
            .where(ct.c.article_id.in_(chunk), ct.c.kind.in_(CREDIT_KINDS),
                   ct.c.outlet_id.is_not(None))
            .order_by(ct.c.id)))
    credits: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for article_id, outlet_id, kind, phrase in found:
        if outlet_id != outlet_of.get(int(article_id)):
            credits[int(article_id)].setdefault(int(outlet_id), {"kind": kind,
                                                                 "phrase": phrase})
    if not credits:
        return []
    pages_of: dict[int, list[int]] = defaultdict(list)
    for member, outlet_id in outlet_of.items():
        if outlet_id is not None:
            pages_of[outlet_id].append(member)
    crediting = sorted(credits)
    linked: set[frozenset[int]] = set()
    for i in range(0, len(crediting), _CHUNK):
        chunk = crediting[i:i + _CHUNK]
        linked |= {frozenset((int(c), int(p))) for c, p in conn.execute(
            select(lt.c.child_id, lt.c.parent_id)
            .where(lt.c.child_id.in_(chunk) | lt.c.parent_id.in_(chunk)))}
    rows: list[dict[str, Any]] = []
    written: list[tuple[int, int]] = []
    for child in sorted(credits):
        reached = {outlet_of.get(a) for a in _ancestors(child, parents_in)}
        for outlet_id, credit in sorted(credits[child].items()):
            if outlet_id in reached:
                continue
            earlier = [p for p in pages_of.get(outlet_id, ()) if dates[p] < dates[child]]
            if not earlier:
                continue
            parent = max(earlier, key=lambda p: (dates[p], p))
            if frozenset((child, parent)) in linked:
                continue
            rows.append({
                "child_id": child, "parent_id": parent, "relation": "cites",
                "lag_seconds": (dates[child] - dates[parent]).total_seconds(),
                "confidence": CONFIDENCE, "direction_reason": "credit", "method": METHOD,
                "evidence": {"credit": credit, "rule": "the page credits this outlet, and "
                             "this is the outlet's latest earlier page in the same story"},
                "params": {},
            })
            written.append((child, parent))
            linked.add(frozenset((child, parent)))
            parents_in.setdefault(child, set()).add(parent)
    if rows:
        conn.execute(insert(lt), rows)
    return written
