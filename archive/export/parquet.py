"""Parquet writer: an explicit schema per kind, written in record batches.

The schema comes from the export's columns, never from the data, so an empty export still has
every column with its type, and a column whose first values are missing is not mistyped.
Timestamps are ``timestamp[us, tz=UTC]``, integers ``int64``, scores ``float64``, lists
``list<string>``. Rows are buffered per column and flushed every ``BATCH_ROWS`` rows with
``ParquetWriter.write_batch``, so memory holds one batch, however large the export.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from archive.export.columns import Column, ColumnType

BATCH_ROWS = 10_000

_ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
    "list": pa.list_(pa.string()),
}


def arrow_schema(columns: tuple[Column, ...]) -> pa.Schema:
    """The Arrow schema of an export (every column nullable)."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.type]) for c in columns])


def write_parquet(rows: Iterable[dict[str, Any]], columns: tuple[Column, ...],
                  out: BinaryIO | str, *, batch_rows: int = BATCH_ROWS) -> int:
    """Write ``rows`` to ``out`` (a binary file or a path) as Parquet; return how many."""
    schema = arrow_schema(columns)
    names = [c.name for c in columns]
    buffer: dict[str, list[Any]] = {n: [] for n in names}
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for row in rows:
            for n in names:
                buffer[n].append(row.get(n))
            count += 1
            if count % batch_rows == 0:
                writer.write_batch(pa.RecordBatch.from_pydict(buffer, schema=schema))
                buffer = {n: [] for n in names}
        if count % batch_rows:
            writer.write_batch(pa.RecordBatch.from_pydict(buffer, schema=schema))
    return count
