"""The outlets export: :mod:`archive.outlet_stats` rows as a table, or as the outlet graph.

Statistics need every copy in range before the first row is known (medians), so this kind is
computed in one pass over the copies and then written; what it holds is per outlet and per
outlet pair (counters and packed lags), not per copy row.
"""

from __future__ import annotations

from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.engine import Connection

from archive.export.columns import OUTLET_COLUMNS, OUTLET_PAIR_COLUMNS
from archive.export.graphml import GraphMLWriter
from archive.export.graphs import LABEL
from archive.export.rows import Scope
from archive.models import Outlet
from archive.outlet_stats import OutletStats

OUTLET_NODE_COLUMNS = (LABEL, *OUTLET_COLUMNS)


def _export_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outlet rows with their partner counts as lists of names, most copies first (the
    counts per pair are the edges of the outlet graph)."""
    return [{**r, "copied_by": list(r["copied_by"]), "copies_from": list(r["copies_from"])}
            for r in rows]


def _outlet_name(conn: Connection, scope: Scope) -> str | None:
    if scope.outlet_id is None:
        return None
    ot = Outlet.__table__
    return conn.execute(select(ot.c.name).where(ot.c.id == scope.outlet_id)).scalar_one()


def outlet_rows(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Every outlet's row (only the filtered outlet's, with ``--outlet``)."""
    only = _outlet_name(conn, scope)
    stats = OutletStats.collect(conn, scope.filters)
    return _export_rows(stats.rows({only} if only else None))


def write_outlet_graph(conn: Connection, scope: Scope, out: TextIO) -> GraphMLWriter:
    """The outlet graph; with ``--outlet``, that outlet, its partners and its pairs."""
    only = _outlet_name(conn, scope)
    stats = OutletStats.collect(conn, scope.filters)
    pairs = stats.pair_rows(only)
    ego = {only} | {p[k] for p in pairs for k in ("source_outlet", "outlet")}
    rows = _export_rows(stats.rows(ego if only else None))
    with GraphMLWriter(out, OUTLET_NODE_COLUMNS, OUTLET_PAIR_COLUMNS,
                       graph_id="healthwire-outlets") as graph:
        for row in rows:
            graph.node(row["outlet"], {**row, "label": row["outlet"]})
        for pair in pairs:
            graph.edge(pair["source_outlet"], pair["outlet"],
                       {**pair, "weight": float(pair["copies"])})
    return graph
