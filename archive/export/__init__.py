"""``healthwire export``: articles, links, stories and outlets as CSV, JSON Lines, Parquet or
GraphML, filtered by date and outlet, streamed.

Rows come from the archive through server-side cursors (:mod:`archive.export.rows`) and go
out one at a time (:mod:`.text`), one record batch at a time (:mod:`.parquet`) or one element
at a time (:mod:`.graphml`), so memory stays bounded however large the archive
(``benchmarks/export_memory.py``). The columns of each kind are declared once
(:mod:`.columns`) and documented in ``docs/data.md``; their names are a contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy.engine import Connection, Engine

from archive.db import reader
from archive.errors import ArchiveError
from archive.export import text
from archive.export.columns import COLUMNS
from archive.export.graphs import write_article_graph
from archive.export.outlets import outlet_rows, write_outlet_graph
from archive.export.rows import Scope, article_rows, link_rows, story_rows
from archive.filters import Filters

KINDS = ("articles", "links", "stories", "outlets")
FORMATS = ("jsonl", "csv", "parquet", "graphml")
#: Formats written as bytes (to a file opened in binary mode), the others as UTF-8 text.
BINARY_FORMATS = ("parquet",)


@dataclass(frozen=True)
class Written:
    """What an export wrote: rows for tables, nodes and edges for graphs."""

    kind: str
    fmt: str
    rows: int = 0
    nodes: int = 0
    edges: int = 0

    def describe(self) -> str:
        if self.fmt == "graphml":
            return f"{self.nodes:,} nodes and {self.edges:,} edges ({self.kind})"
        return f"{self.rows:,} {self.kind}"


def check(kind: str, fmt: str) -> None:
    """Refuse an unknown kind or format (the CLI's choices do too; this guards the API)."""
    if kind not in KINDS:
        raise ArchiveError(f"unknown export {kind!r}", hint=f"choose one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise ArchiveError(f"unknown format {fmt!r} for {kind}",
                           hint=f"choose one of {', '.join(FORMATS)}")


def _table_rows(conn: Connection, kind: str, scope: Scope) -> Iterator[dict[str, Any]]:
    if kind == "articles":
        return article_rows(conn, scope)
    if kind == "links":
        return link_rows(conn, scope)
    if kind == "stories":
        return story_rows(conn, scope)
    return iter(outlet_rows(conn, scope))


def read_connection(engine: Engine) -> Connection:
    """A connection for one consistent read: a deferred (snapshot) transaction on SQLite,
    REPEATABLE READ on PostgreSQL, so a graph's nodes and edges come from one state even
    while the daemon writes."""
    conn = reader(engine).connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def resolve(engine: Engine, filters: Filters | None) -> Scope:
    """Check the filters against the archive (an unknown outlet fails here, before any
    output is opened)."""
    with read_connection(engine) as conn:
        return Scope.resolve(conn, filters)


def export(engine: Engine, kind: str, fmt: str, out: IO[Any],
           filters: Filters | Scope | None = None) -> Written:
    """Write ``kind`` in ``fmt`` to ``out`` (binary for Parquet, text otherwise)."""
    check(kind, fmt)
    with read_connection(engine) as conn:
        scope = filters if isinstance(filters, Scope) else Scope.resolve(conn, filters)
        if fmt == "graphml":
            graph = (write_outlet_graph(conn, scope, out) if kind == "outlets"
                     else write_article_graph(conn, kind, scope, out))
            return Written(kind, fmt, nodes=graph.nodes, edges=graph.edges)
        rows = _table_rows(conn, kind, scope)
        columns = COLUMNS[kind]
        if fmt == "parquet":
            # pyarrow costs ~60 MB and a noticeable start-up: only Parquet exports load it.
            from archive.export.parquet import write_parquet

            return Written(kind, fmt, rows=write_parquet(rows, columns, out))
        writer = text.write_jsonl if fmt == "jsonl" else text.write_csv
        return Written(kind, fmt, rows=writer(rows, columns, out))
