"""Which parent links are redundant: siblings and shortcuts in a copy chain.

Two copies of one report resemble each other, and a repost of a repost resembles the
original too, so pairwise verification alone draws extra edges. For an article X with parents
P and Q where Q itself derives from P:

* **sibling**: what X shares with Q is (nearly) all in P too, and X does not name Q: X took
  it from P; X->Q is redundant.
* **shortcut**: what X shares with P is (nearly) all in Q, X shares text with Q that P lacks
  (the middle hop's intro, its template line), and X does not name P: X came through Q;
  X->P is redundant.

Redundant links stay in the table (the evidence is real) with ``evidence["redundant"]``
naming the parent that explains them; chains, exports and benchmarks show the direct ones.
The flags are a function of the current links and texts, recomputed around every change, so
incremental linking and a rebuild end with the same flags.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from archive.models import Link

if TYPE_CHECKING:
    from archive.linking.driver import _Linker

DERIVATION = ("duplicate", "near_duplicate", "excerpt", "partial_reuse")
_CHUNK = 5000


def _small(specific: int, base: int) -> bool:
    return specific < max(6, 0.01 * base)


def children_around(conn: Connection, touched: set[int]) -> set[int]:
    """The articles whose parent sets or whose parents' links may have changed."""
    lt = Link.__table__
    ids = sorted(touched)
    out = set(ids)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        out |= {int(c) for (c,) in conn.execute(
            select(lt.c.child_id).where(lt.c.parent_id.in_(chunk)))}
    return out


def refresh(linker: _Linker, children: set[int]) -> int:
    """Recompute the redundancy flags of the parent links of ``children``; return changes."""
    conn = linker.conn
    lt = Link.__table__
    by_child: dict[int, list[tuple[int, int, dict[str, Any]]]] = defaultdict(list)
    ids = sorted(children)
    for i in range(0, len(ids), _CHUNK):
        for link_id, child, parent, evidence in conn.execute(select(
            lt.c.id, lt.c.child_id, lt.c.parent_id, lt.c.evidence
        ).where(lt.c.child_id.in_(ids[i : i + _CHUNK]), lt.c.relation.in_(DERIVATION))):
            by_child[int(child)].append((int(link_id), int(parent), dict(evidence or {})))
    updates: list[dict[str, Any]] = []
    for child, plinks in by_child.items():
        wanted: dict[int, dict[str, Any]] = {}
        if len(plinks) >= 2:
            wanted = _flags(linker, child, [p for _, p, _ in plinks])
        for link_id, parent, evidence in plinks:
            flag = wanted.get(parent)
            if evidence.get("redundant") != flag:
                evidence = {k: v for k, v in evidence.items() if k != "redundant"}
                if flag is not None:
                    evidence["redundant"] = flag
                updates.append({"b_id": link_id, "evidence": evidence})
    if updates:
        conn.execute(update(lt).where(lt.c.id == bindparam("b_id"))
                     .values(evidence=bindparam("evidence")), updates)
    return len(updates)


def _flags(linker: _Linker, child: int, parents: list[int]) -> dict[int, dict[str, Any]]:
    conn = linker.conn
    lt = Link.__table__
    among = [(int(c), int(p)) for c, p in conn.execute(select(lt.c.child_id, lt.c.parent_id)
             .where(lt.c.child_id.in_(parents), lt.c.parent_id.in_(parents),
                    lt.c.relation.in_(DERIVATION)))]
    if not among:
        return {}
    linker.load([child, *parents])
    x_side = linker.side(child)
    x_meta = linker.cache[child].meta
    shared: dict[int, np.ndarray] = {}
    sets: dict[int, np.ndarray] = {}
    for p in parents:
        side = linker.side(p)
        sets[p] = side.shingle_set
        shared[p] = np.intersect1d(x_side.shingle_set, side.shingle_set, assume_unique=True)

    def explicit(p: int) -> bool:
        meta = linker.cache[p].meta
        return p in x_meta.points_to or x_meta.names_as_canonical(meta) or x_meta.credits(meta)

    flags: dict[int, dict[str, Any]] = {}
    for q, p in sorted(among):  # q derives from p
        if p in flags or q in flags:
            continue
        spec_q = int(np.setdiff1d(shared[q], sets[p], assume_unique=True).size)
        spec_p = int(np.setdiff1d(shared[p], sets[q], assume_unique=True).size)
        base = int(np.union1d(shared[p], shared[q]).size)
        if _small(spec_q, base) and not explicit(q):
            flags[q] = {"via": p, "rule": "sibling"}
        elif _small(spec_p, base) and not explicit(p):
            flags[p] = {"via": q, "rule": "shortcut"}
    return flags
