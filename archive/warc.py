"""WARC in and out: the raw record of every fetch, the thing a researcher cites.

Writing: each crawl process owns its own files (source, time and pid in the name), so no two
processes ever append to one file. Records are gzip-compressed one by one (the WARC
convention that lets a reader seek to any record), and files rotate past a size limit. A
record is flushed and fsynced before :meth:`WarcWriter.write_exchange` returns its location:
only then may the database acknowledge the capture, so a capture row never points at bytes
that are not on disk.

Reading: :func:`iter_responses` walks any WARC (healthwire's, wget's, CC-NEWS) and yields each
response record with its offset and length, so imported captures cite the file they came from.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import __version__
from archive.errors import ArchiveError

# HTTP reason phrases, so reconstructed status lines read naturally.
_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
            404: "Not Found", 500: "Internal Server Error"}


@dataclass(frozen=True)
class WarcRef:
    """Where one record lives: enough to read it back and to cite it."""

    file: str
    offset: int
    length: int
    record_id: str | None


@dataclass(frozen=True)
class HttpExchange:
    """One fetch as the archive sees it, whoever performed it."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    request_headers: list[tuple[str, str]] | None = None
    method: str = "GET"

    @property
    def content_type(self) -> str | None:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return None

    def header(self, wanted: str) -> str | None:
        for name, value in self.headers:
            if name.lower() == wanted.lower():
                return value
        return None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class WarcWriter:
    """Appends request/response pairs to size-rotated, per-record-gzipped WARC files."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int = 1_000_000_000) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._file: io.BufferedWriter | None = None
        self._path: Path | None = None
        self._sequence = 0

    @property
    def path(self) -> Path | None:
        """The file being written now, if any."""
        return self._path

    def _open_new(self) -> None:
        self.close()
        now = datetime.now(UTC)
        folder = self.directory / now.strftime("%Y") / now.strftime("%m")
        folder.mkdir(parents=True, exist_ok=True)
        self._sequence += 1
        name = (
            f"healthwire-{self.prefix}-{now.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-"
            f"{self._sequence:05d}.warc.gz"
        )
        self._path = folder / name
        self._file = open(self._path, "ab")  # noqa: SIM115 - kept open across records
        writer = WARCWriter(self._file, gzip=True)
        info = writer.create_warcinfo_record(
            name,
            {
                "software": f"healthwire/{__version__} (warcio)",
                "hostname": socket.gethostname(),
                "format": "WARC File Format 1.1",
            },
        )
        writer.write_record(info)
        self._sync()

    def _sync(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())

    def write_exchange(self, exchange: HttpExchange) -> WarcRef:
        """Write the response (and its request) and return where the response record is.

        Returns only after the bytes are fsynced: the caller may then acknowledge the capture.
        """
        if self._file is None or (self._path and self._path.stat().st_size >= self.max_bytes):
            self._open_new()
        assert self._file is not None and self._path is not None
        writer = WARCWriter(self._file, gzip=True)
        warc_date = exchange.fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        reason = _REASONS.get(exchange.status, "")
        http_headers = StatusAndHeaders(
            f"{exchange.status} {reason}".strip(), list(exchange.headers), protocol="HTTP/1.1"
        )
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Date": warc_date,
                "WARC-Payload-Digest": "sha256:" + exchange.sha256,
            },
        )
        offset = self._file.tell()
        writer.write_record(response)
        length = self._file.tell() - offset
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        if exchange.request_headers is not None:
            path = exchange.url.split("://", 1)[-1]
            path = "/" + path.split("/", 1)[1] if "/" in path else "/"
            request = writer.create_warc_record(
                exchange.url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=StatusAndHeaders(
                    f"{exchange.method} {path} HTTP/1.1",
                    list(exchange.request_headers),
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": warc_date, "WARC-Concurrent-To": record_id},
            )
            writer.write_record(request)
        self._sync()
        return WarcRef(str(self._path), offset, length, record_id)

    def close(self) -> None:
        if self._file is not None:
            self._sync()
            self._file.close()
            self._file = None


@dataclass(frozen=True)
class WarcResponse:
    """A response record read from a WARC, with where it was found."""

    ref: WarcRef
    exchange: HttpExchange


def _parse_warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    text = value.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iter_responses(path: Path) -> Iterator[WarcResponse | tuple[str, str]]:
    """Yield every response record of ``path`` (decoded body), and (url, reason) for records
    that are skipped because they are not HTTP responses.

    A truncated or corrupt file raises :class:`ArchiveError` naming the file and the offset
    reached, after yielding everything before it.
    """
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed in finally
    except OSError as exc:
        raise ArchiveError(f"cannot open WARC file {path}: {exc.strerror}") from exc
    try:
        iterator = ArchiveIterator(stream)
        try:
            for record in iterator:
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                if record.rec_type != "response":
                    if record.rec_type not in ("warcinfo", "request", "metadata"):
                        yield (url, f"{record.rec_type} record")
                    continue
                if record.http_headers is None:
                    yield (url, "response without HTTP headers")
                    continue
                body = record.content_stream().read()
                status_text = record.http_headers.get_statuscode() or "0"
                exchange = HttpExchange(
                    url=url,
                    status=int(status_text) if status_text.isdigit() else 0,
                    headers=list(record.http_headers.headers),
                    body=body,
                    fetched_at=_parse_warc_date(record.rec_headers.get_header("WARC-Date")),
                )
                ref = WarcRef(
                    str(path),
                    iterator.get_record_offset(),
                    iterator.get_record_length(),
                    record.rec_headers.get_header("WARC-Record-ID"),
                )
                yield WarcResponse(ref, exchange)
            # warcio ends quietly at a cut-off gzip member: compare with the file's size.
            size = os.fstat(stream.fileno()).st_size
            if iterator.offset < size:
                raise ArchiveError(
                    f"{path}: {size - iterator.offset} bytes after offset {iterator.offset} "
                    "are not a complete WARC record",
                    hint="the records before this point were read; the file may be truncated",
                )
        except ArchiveError:
            raise
        except Exception as exc:
            raise ArchiveError(
                f"{path}: unreadable WARC data near offset {iterator.offset}: {exc}",
                hint="the records before this point were read; the file may be truncated",
            ) from exc
    finally:
        stream.close()


def read_record(ref: WarcRef) -> HttpExchange:
    """Read back the response record ``ref`` points at (to cite it, or to re-extract)."""
    with open(ref.file, "rb") as stream:
        stream.seek(ref.offset)
        for record in ArchiveIterator(stream):
            assert record.http_headers is not None
            status = record.http_headers.get_statuscode() or "0"
            return HttpExchange(
                url=record.rec_headers.get_header("WARC-Target-URI") or "",
                status=int(status) if status.isdigit() else 0,
                headers=list(record.http_headers.headers),
                body=record.content_stream().read(),
                fetched_at=_parse_warc_date(record.rec_headers.get_header("WARC-Date")),
            )
    raise ArchiveError(f"no WARC record at {ref.file}:{ref.offset}")
