"""Extraction in worker processes, so its CPU work runs beside the reactor.

Extraction is pure-Python CPU work (tens of milliseconds a page); on the reactor thread it
would stall downloads. The pipeline sends each page's bytes to :func:`extract` in a small
process pool and writes the result itself with :func:`archive.ingest.ingest_page`, the same
function WARC import uses. Writing stays in one process on purpose: several SQLite writers
would take turns on the database lock, sleeping in the busy handler, and be slower than one.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.extraction import DateHint, ExtractedPage
from archive.ingest import extract_for
from archive.warc import HttpExchange


def extract(exchange: HttpExchange, hints: Sequence[DateHint],
            hint_title: str | None) -> ExtractedPage:
    """Run in a worker process: bytes in, extracted page out."""
    return extract_for(exchange, hints=hints, hint_title=hint_title)
