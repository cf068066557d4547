"""The export writers on their own: GraphML escaping and omitted values, Parquet batches and
schema, and a failed export that leaves nothing behind (no database needed for most)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import Engine

from archive.errors import ArchiveError
from archive.export.columns import Column
from archive.export.graphml import GraphMLWriter
from archive.export.parquet import write_parquet

NODE = (Column("title", "string"), Column("n", "int"), Column("score", "float"),
        Column("flag", "bool"), Column("at", "datetime"), Column("tags", "list"))
EDGE = (Column("relation", "string"), Column("weight", "float"))


def test_graphml_escapes_text_and_omits_missing_values() -> None:
    out = io.StringIO()
    nasty = 'Caf\u00e9 <b>&</b> "quoted" \x0b\x01 line\nbreak \U0001f489'
    with GraphMLWriter(out, NODE, EDGE) as graph:
        graph.node("https://a.example/?x=1&y=<2>", {"title": nasty, "n": 3, "score": 0.5,
                                                     "flag": False, "tags": ["a", "b"],
                                                     "at": datetime(2022, 6, 5, tzinfo=UTC)})
        graph.node("b", {"title": None, "n": None})
        graph.edge("https://a.example/?x=1&y=<2>", "b", {"relation": "duplicate",
                                                          "weight": None}, "e1")
    g = nx.read_graphml(io.BytesIO(out.getvalue().encode("utf-8")))
    a = g.nodes["https://a.example/?x=1&y=<2>"]
    assert a["title"] == 'Caf\u00e9 <b>&</b> "quoted" \ufffd\ufffd line\nbreak \U0001f489'
    assert a["n"] == 3 and a["score"] == 0.5 and a["flag"] is False
    assert a["tags"] == "a;b" and a["at"] == "2022-06-05T00:00:00+00:00"
    assert g.nodes["b"] == {}  # None values are omitted, not written as "" or "None"
    assert g.edges["https://a.example/?x=1&y=<2>", "b"] == {"relation": "duplicate",
                                                             "id": "e1"}
    assert graph.nodes == 2 and graph.edges == 1


def test_parquet_writes_in_batches_with_the_declared_schema(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"title": None if i % 3 else f"t{i}", "n": i, "score": i / 4, "flag": i % 2 == 0,
         "at": datetime(2022, 1, 1 + i, tzinfo=UTC), "tags": [str(i)] * (i % 3)}
        for i in range(10)
    ]
    path = tmp_path / "x.parquet"
    assert write_parquet(iter(rows), NODE, str(path), batch_rows=4) == 10
    table = pq.read_table(path)
    assert [str(t) for t in table.schema.types] == [
        "string", "int64", "double", "bool", "timestamp[us, tz=UTC]", "list<element: string>"]
    assert table.to_pylist() == rows
    assert pq.ParquetFile(path).metadata.num_row_groups == 3


def test_a_failed_export_leaves_the_old_file_and_no_part(engine: Engine, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.export import text
    from archive.export.files import export_to

    out = tmp_path / "articles.csv"
    out.write_text("old\n")

    def broken(rows: Any, columns: Any, fh: Any) -> int:
        fh.write("half a header")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(text, "write_csv", broken)
    with pytest.raises(ArchiveError, match="No space left on device"):
        export_to(engine, "articles", "csv", out)
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []
