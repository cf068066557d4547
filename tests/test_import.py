"""`healthwire import`: WARCs from healthwire, from other tools, and broken ones."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.db import make_engine, session_scope
from archive.models import Article, Capture, CrawlRun
from tests.helpers import article_html, filler, healthwire


def _foreign_warc(path: Path) -> None:
    """A WARC as wget or a CC-NEWS crawler writes it: warcinfo, requests, responses of all
    kinds, a revisit, a metadata record; chunked and gzip-encoded payloads."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "wget/1.21"}))

        def response(url: str, body: bytes, content_type: str, status: str = "200 OK",
                     extra: list[tuple[str, str]] | None = None) -> None:
            headers = StatusAndHeaders(status, [("Content-Type", content_type),
                                                *(extra or [])], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers))

        response("https://news.example/one", article_html("One", filler("measles")),
                 "text/html; charset=utf-8")
        response("https://news.example/two", article_html("Two", filler("mumps")),
                 "text/html")
        response("https://news.example/report.pdf", b"%PDF-1.4 ...", "application/pdf")
        response("https://news.example/logo.png", b"\x89PNG....", "image/png")
        response("https://news.example/missing", b"<h1>404</h1>", "text/html",
                 status="404 Not Found")
        chunked = article_html("Chunked", filler("rubella"))
        body = f"{len(chunked):x}\r\n".encode() + chunked + b"\r\n0\r\n\r\n"
        response("https://news.example/chunked", body, "text/html",
                 extra=[("Transfer-Encoding", "chunked")])
        writer.write_record(writer.create_warc_record(
            "https://news.example/one", "metadata", payload=io.BytesIO(b"outlinks: none"),
            warc_content_type="application/warc-fields"))


def test_import_foreign_warc_reports_what_it_skipped(tmp_path: Path) -> None:
    warc = tmp_path / "wget.warc.gz"
    _foreign_warc(warc)
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert healthwire("--db", url, "init", cwd=tmp_path).returncode == 0
    result = healthwire("--db", url, "import", str(warc), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["new"] == 3
    assert report["skipped"] == {"not HTML (application/pdf)": 1, "not HTML (image/png)": 1}
    assert report["counts"]["skipped"] == 1  # the 404 page: captured, not an article
    engine = make_engine(url)
    with session_scope(engine, readonly=True) as s:
        articles = {a.url: a for a in s.scalars(select(Article))}
        assert set(articles) == {"https://news.example/one", "https://news.example/two",
                                 "https://news.example/chunked"}
        assert "rubella" in articles["https://news.example/chunked"].text
        captures = s.scalars(select(Capture)).all()
        # Imported captures cite the file they came from, where it lies.
        assert {c.warc_file for c in captures} == {str(warc)}
        run = s.scalar(select(CrawlRun))
        assert run.kind == "import" and run.outcome == "finished"
    engine.dispose()
    human = healthwire("--db", url, "import", str(warc), cwd=tmp_path)
    assert "skipped 1: not HTML (application/pdf)" in human.stdout
    assert "3 unchanged" in human.stdout


def test_import_healthwire_warc_rebuilds_the_archive(tmp_path: Path) -> None:
    """The database can be rebuilt from the WARCs: re-import what a crawl wrote."""
    from datetime import UTC, datetime

    from archive.warc import HttpExchange, WarcWriter

    writer = WarcWriter(tmp_path / "warc", "src")
    for i in range(3):
        writer.write_exchange(HttpExchange(
            url=f"https://o.example/{i}", status=200,
            headers=[("Content-Type", "text/html; charset=utf-8")],
            body=article_html(f"S{i}", filler(f"subject {i}")),
            fetched_at=datetime(2022, 6, 5, tzinfo=UTC), request_headers=[("User-Agent", "x")]))
    writer.close()
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    assert healthwire("--db", url, "init", cwd=tmp_path).returncode == 0
    files = [str(p) for p in (tmp_path / "warc").rglob("*.warc.gz")]
    result = healthwire("--db", url, "import", *files, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["new"] == 3


def test_truncated_warc_keeps_earlier_records_and_fails(tmp_path: Path) -> None:
    warc = tmp_path / "cut.warc.gz"
    _foreign_warc(warc)
    data = warc.read_bytes()
    warc.write_bytes(data[: int(len(data) * 0.6)])
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert healthwire("--db", url, "init", cwd=tmp_path).returncode == 0
    result = healthwire("--db", url, "import", str(warc), "--json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["problems"] and "offset" in report["problems"][0]
    assert report["counts"]["new"] >= 1
    assert "Traceback" not in result.stderr


def test_missing_warc_file_imports_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert healthwire("--db", url, "init", cwd=tmp_path).returncode == 0
    result = healthwire("--db", url, "import", str(tmp_path / "nope.warc.gz"), cwd=tmp_path)
    assert result.returncode == 1 and "no such WARC file" in result.stderr
