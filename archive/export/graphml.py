"""A streaming GraphML writer: keys first, then nodes, then edges, one element at a time.

Building a networkx graph to call ``write_graphml`` would hold the whole archive in memory;
this writer holds nothing but the open file. It writes what ``networkx.read_graphml`` and
Gephi read: every ``<key>`` declared before the ``<graph>`` with a GraphML type (``string``,
``long``, ``double``, ``boolean``), a directed graph, and ``<data>`` only for values that are
present (a missing value omits the attribute on that element rather than writing an empty or
a sentinel value). Text is escaped, and characters XML 1.0 forbids (control characters that
scraped titles sometimes carry) become U+FFFD, so the file always parses.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from archive.export.columns import Column, ColumnType

_GRAPHML_TYPES: dict[ColumnType, str] = {
    "string": "string", "int": "long", "float": "double", "datetime": "string",
    "bool": "boolean", "list": "string",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LIST_SEPARATOR = ";"


def xml_text(value: str) -> str:
    """``value`` made safe for XML 1.0 character data."""
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", value))


def graphml_value(column: Column, value: Any) -> str | None:
    """The text of one ``<data>`` element, or None to omit it."""
    if value is None:
        return None
    if column.type == "bool":
        return "true" if value else "false"
    if column.type == "int":
        return str(int(value))
    if column.type == "float":
        return repr(float(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


class GraphMLWriter:
    """Write one directed graph to ``out`` element by element.

    Use as a context manager: entering writes the header and the keys, leaving closes the
    graph. Call :meth:`node` for every node before the first :meth:`edge` (Gephi and other
    readers resolve edge ends against nodes already read).
    """

    def __init__(self, out: TextIO, node_columns: tuple[Column, ...],
                 edge_columns: tuple[Column, ...], *, graph_id: str = "healthwire") -> None:
        self.out = out
        self.node_columns = node_columns
        self.edge_columns = edge_columns
        self.graph_id = graph_id
        self.nodes = 0
        self.edges = 0

    def __enter__(self) -> GraphMLWriter:
        w = self.out.write
        w('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
          ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
          ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
          ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for domain, columns in (("node", self.node_columns), ("edge", self.edge_columns)):
            for c in columns:
                w(f'  <key id={_attr(self._key(domain, c))} for="{domain}"'
                  f' attr.name={_attr(c.name)} attr.type="{_GRAPHML_TYPES[c.type]}"/>\n')
        w(f'  <graph id={_attr(self.graph_id)} edgedefault="directed">\n')
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.out.write("  </graph>\n</graphml>\n")

    @staticmethod
    def _key(domain: str, column: Column) -> str:
        return f"{domain[0]}_{column.name}"

    def _data(self, domain: str, columns: tuple[Column, ...], attrs: dict[str, Any]) -> str:
        parts = []
        for c in columns:
            text = graphml_value(c, attrs.get(c.name))
            if text is not None:
                parts.append(f'<data key="{self._key(domain, c)}">{xml_text(text)}</data>')
        return "".join(parts)

    def node(self, node_id: str, attrs: dict[str, Any]) -> None:
        self.out.write(f"    <node id={_attr(node_id)}>"
                       f"{self._data('node', self.node_columns, attrs)}</node>\n")
        self.nodes += 1

    def edge(self, source: str, target: str, attrs: dict[str, Any],
             edge_id: str | None = None) -> None:
        ident = f" id={_attr(edge_id)}" if edge_id is not None else ""
        self.out.write(f"    <edge{ident} source={_attr(source)} target={_attr(target)}>"
                       f"{self._data('edge', self.edge_columns, attrs)}</edge>\n")
        self.edges += 1
