"""The GraphML export of every kind: which nodes and which edges, streamed from the archive.

Edges point the way text travelled: **source = the original (the link's parent), target =
the copy (the link's child)**, so in-degree counts an article's sources and out-degree its
copies, and a path follows a story from its root outwards. Nodes are articles identified by
their URL (stable across archives and readable in Gephi), or outlets identified by name.

* ``articles``: every article in scope is a node; the links between two of them are edges.
* ``links``: the links in scope are edges; the articles they touch are nodes.
* ``stories``: every member of the stories in scope (each story whole, size 2 or more) is a
  node with ``story_id``, ``story_size`` and ``story_root``; the links that join the stories
  (derivations and citations, never ``shares_quotes``) are edges.
* ``outlets``: outlets are nodes with their statistics; one edge per (source outlet, copying
  outlet) pair, ``weight`` = copies. With ``--outlet``, the outlet, its partners and the
  pairs it belongs to (written by :mod:`archive.export.outlets`).

Nodes are written before edges, by two queries in one read transaction, so every edge's ends
are already declared and both queries see the same archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy.engine import Connection

from archive.export.columns import ARTICLE_COLUMNS, LINK_COLUMNS, Column
from archive.export.graphml import GraphMLWriter
from archive.export.rows import (
    Scope,
    article_row,
    articles_stmt,
    link_rows,
    linked_article_ids,
    story_ids,
    stream,
)
from archive.models import Article

LABEL = Column("label", "string")
#: Gephi reserves ``id`` (and ``label``, ``weight``) for its own columns, so the article id is
#: ``article_id`` in the graph; ``label`` is the title (the URL when there is none).
ARTICLE_NODE_COLUMNS = (LABEL, Column("article_id", "int"),
                        *(c for c in ARTICLE_COLUMNS if c.name != "id"))
STORY_NODE_COLUMNS = (*ARTICLE_NODE_COLUMNS, Column("story_size", "int"),
                      Column("story_root", "bool"))


def _article_nodes(conn: Connection, stmt: Any) -> Iterator[dict[str, Any]]:
    for r in stream(conn, stmt):
        row = article_row(r)
        row["label"] = row["title"] or row["url"]
        row["article_id"] = row["id"]
        if "story_root" in row and row["story_root"] is not None:
            row["story_root"] = bool(row["story_root"])
        yield row


def write_article_graph(conn: Connection, kind: str, scope: Scope, out: TextIO
                        ) -> GraphMLWriter:
    """The article graph of ``kind`` (articles, links or stories) as GraphML."""
    at = Article.__table__
    if kind == "articles":
        nodes, mode, columns = articles_stmt(scope), "articles", ARTICLE_NODE_COLUMNS
    elif kind == "links":
        nodes = articles_stmt(Scope(), *linked_article_ids(scope))
        mode, columns = "links", ARTICLE_NODE_COLUMNS
    else:
        nodes = articles_stmt(Scope(), at.c.story_id.in_(story_ids(scope)), story=True)
        mode, columns = "stories", STORY_NODE_COLUMNS
    with GraphMLWriter(out, columns, LINK_COLUMNS, graph_id=f"healthwire-{kind}") as graph:
        for row in _article_nodes(conn, nodes):
            graph.node(row["url"], row)
        for row in link_rows(conn, scope, mode):
            graph.edge(row["source_url"], row["url"], row, f"link-{row['link_id']}")
    return graph
