"""The outlets export: :func:`archive.outlet_stats.outlet_rows` as a table, or as a graph.

Rows are the same numbers ``healthwire outlets`` prints (one definition), with the outlet's
domains added and the partner counts turned into lists of names. The graph adds what a table
cannot hold: one edge per (source outlet → copying outlet) pair, with its own count, lags and
credit share, tallied here in one pass over :func:`archive.copies.copy_links`.

Statistics need every copy in range before the first row is known (medians), so this kind is
computed and then written; what it holds is per outlet and per outlet pair (counters, and the
dated lags packed at 8 bytes each), not per copy row.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from archive.copies import copy_links
from archive.export.columns import OUTLET_COLUMNS, OUTLET_PAIR_COLUMNS
from archive.export.graphml import GraphMLWriter
from archive.export.graphs import LABEL
from archive.export.rows import Scope
from archive.filters import Filters
from archive.models import Outlet, OutletDomain
from archive.outlet_stats import UNKNOWN
from archive.outlet_stats import outlet_rows as outlet_stat_rows

OUTLET_NODE_COLUMNS = (LABEL, *OUTLET_COLUMNS)


def _domains(conn: Connection) -> dict[str, list[str]]:
    ot, dt = Outlet.__table__, OutletDomain.__table__
    out: dict[str, list[str]] = {}
    for name, domain in conn.execute(select(ot.c.name, dt.c.domain)
                                     .select_from(dt.join(ot, ot.c.id == dt.c.outlet_id))
                                     .order_by(dt.c.domain)):
        out.setdefault(name, []).append(domain)
    return out


def _export_rows(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outlet rows with their domains, and partner counts as lists of names, most copies
    first (the counts per pair are the edges of the outlet graph)."""
    domains = _domains(conn)
    return [{**r, "domains": domains.get(r["outlet"], []), "copied_by": list(r["copied_by"]),
             "copies_from": list(r["copies_from"])} for r in rows]


def outlet_rows(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Every outlet's row (only the filtered outlet's, with ``--outlet``)."""
    return _export_rows(conn, outlet_stat_rows(conn, scope.filters))


def _percentile(values: array, q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


@dataclass
class _Pair:
    copies: int = 0
    credited: int = 0
    lags: array = field(default_factory=lambda: array("d"))


def outlet_pairs(conn: Connection, filters: Filters) -> list[dict[str, Any]]:
    """One row per (source outlet, copying outlet) pair over the copies in ``filters`` (with
    an outlet, the pairs it belongs to), most copies first. Self-copies are not pairs."""
    pairs: dict[tuple[str, str], _Pair] = {}
    for link in copy_links(conn, filters):
        source, copier = link.parent_outlet or UNKNOWN, link.child_outlet or UNKNOWN
        if source == copier:
            continue
        pair = pairs.setdefault((source, copier), _Pair())
        pair.copies += 1
        pair.credited += link.credited
        if link.dated and link.lag_days is not None:
            pair.lags.append(link.lag_days)
    rows = [{"source_outlet": source, "outlet": copier, "copies": p.copies,
             "weight": float(p.copies), "lag_median_days": _percentile(p.lags, 50),
             "lag_p90_days": _percentile(p.lags, 90), "lags_dated": len(p.lags),
             "credited": p.credited, "credit_share": round(p.credited / p.copies, 3)}
            for (source, copier), p in pairs.items()]
    return sorted(rows, key=lambda r: (-r["copies"], r["source_outlet"], r["outlet"]))


def write_outlet_graph(conn: Connection, scope: Scope, out: TextIO) -> GraphMLWriter:
    """The outlet graph; with ``--outlet``, that outlet, its partners and its pairs (each
    node with its full statistics over the date range, not only those with the outlet)."""
    filters = scope.filters
    pairs = outlet_pairs(conn, filters)
    rows = outlet_stat_rows(conn, Filters(filters.since, filters.until))
    if scope.outlet_id is not None:
        ot = Outlet.__table__
        only = conn.execute(select(ot.c.name).where(ot.c.id == scope.outlet_id)).scalar_one()
        ego = {only} | {p[k] for p in pairs for k in ("source_outlet", "outlet")}
        rows = [r for r in rows if r["outlet"] in ego]
    with GraphMLWriter(out, OUTLET_NODE_COLUMNS, OUTLET_PAIR_COLUMNS,
                       graph_id="healthwire-outlets") as graph:
        for row in _export_rows(conn, rows):
            graph.node(row["outlet"], {**row, "label": row["outlet"]})
        for pair in pairs:
            graph.edge(pair["source_outlet"], pair["outlet"], pair)
    return graph
