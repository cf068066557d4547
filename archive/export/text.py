"""JSON Lines and CSV writers: one row in, one line out, nothing held back.

JSON keeps native types (numbers, ``true``/``false``, ``null``, lists); timestamps are ISO 8601
strings with their UTC offset. CSV has one header line (written even when there are no rows,
so an empty export still says what its columns are); a list is its items joined by ``;``, a
boolean is ``true``/``false`` and a missing value is an empty field.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from archive.export.columns import Column

LIST_SEPARATOR = ";"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def write_jsonl(rows: Iterable[dict[str, Any]], columns: tuple[Column, ...], out: TextIO) -> int:
    """Write ``rows`` as JSON Lines (keys in column order); return how many."""
    names = [c.name for c in columns]
    count = 0
    for row in rows:
        out.write(json.dumps({n: row.get(n) for n in names}, ensure_ascii=False,
                             default=_json_default) + "\n")
        count += 1
    return count


def csv_value(value: Any) -> Any:
    """A row value as CSV text (lists joined, booleans spelled, timestamps in ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


def write_csv(rows: Iterable[dict[str, Any]], columns: tuple[Column, ...], out: TextIO) -> int:
    """Write a header and ``rows`` as CSV (RFC 4180 quoting); return how many rows."""
    names = [c.name for c in columns]
    writer = csv.writer(out)
    writer.writerow(names)
    count = 0
    for row in rows:
        writer.writerow([csv_value(row.get(n)) for n in names])
        count += 1
    return count
