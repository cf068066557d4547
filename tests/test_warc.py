"""WARC out and in: records readable by offset, rotation, truncated files."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.errors import ArchiveError
from archive.warc import HttpExchange, WarcResponse, WarcWriter, iter_responses, read_record


def _exchange(n: int, body: bytes | None = None) -> HttpExchange:
    return HttpExchange(
        url=f"https://news.example/{n}",
        status=200,
        headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", f'"e{n}"')],
        body=body if body is not None else f"<html><p>page {n}</p></html>".encode(),
        fetched_at=datetime(2022, 12, 2, 9, n % 60, tzinfo=UTC),
        request_headers=[("User-Agent", "healthwire-test")],
    )


def test_round_trip_by_offset(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "src")
    refs = [writer.write_exchange(_exchange(n)) for n in range(5)]
    writer.close()
    for n, ref in enumerate(refs):
        back = read_record(ref)
        assert back.url == f"https://news.example/{n}"
        assert back.body == _exchange(n).body
        assert back.status == 200
        assert back.fetched_at == _exchange(n).fetched_at
        assert back.header("ETag") == f'"e{n}"'
        assert ref.record_id and ref.record_id.startswith("<urn:uuid:")
    # Every record is its own gzip member: a reader can start at any offset.
    with open(refs[2].file, "rb") as f:
        f.seek(refs[2].offset)
        member = f.read(refs[2].length)
    assert gzip.decompress(member).startswith(b"WARC/1.")


def test_iteration_yields_responses_with_offsets(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "src")
    refs = [writer.write_exchange(_exchange(n)) for n in range(3)]
    writer.close()
    items = [i for i in iter_responses(Path(refs[0].file)) if isinstance(i, WarcResponse)]
    assert [i.ref.offset for i in items] == [r.offset for r in refs]
    assert [i.exchange.url for i in items] == [f"https://news.example/{n}" for n in range(3)]


def test_rotation_by_size(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "src", max_bytes=2_000)
    refs = [writer.write_exchange(_exchange(n, body=bytes(range(256)) * 20)) for n in range(6)]
    writer.close()
    files = {r.file for r in refs}
    assert len(files) >= 3
    for ref in refs:
        assert read_record(ref).body == bytes(range(256)) * 20


def test_truncated_file_keeps_what_came_before(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "src")
    refs = [writer.write_exchange(_exchange(n)) for n in range(3)]
    writer.close()
    path = Path(refs[0].file)
    data = path.read_bytes()
    path.write_bytes(data[: refs[2].offset + refs[2].length // 2])
    seen = []
    with pytest.raises(ArchiveError, match="truncated"):
        for item in iter_responses(path):
            if isinstance(item, WarcResponse):
                seen.append(item.exchange.url)
    assert seen == ["https://news.example/0", "https://news.example/1"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="cannot open WARC file"):
        list(iter_responses(tmp_path / "nope.warc.gz"))
