"""The one path from bytes to archive: captures, articles, versions, citations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from archive.db import session_scope
from archive.ingest import ingest_exchange, normalise_url
from archive.models import Article, ArticleVersion, Capture, Citation, Outlet
from archive.warc import HttpExchange, WarcWriter, read_record

BODY = "Twelve patients with rectal cancer went into remission after a trial of dostarlimab."


def page(title: str, paragraphs: list[str], *, links: str = "", canonical: str = "",
         published: str = "2022-06-05T14:00:00-04:00") -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in paragraphs)
    canon = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title>{canon}
<meta property="article:published_time" content="{published}">
</head><body><header><nav><a href="/">Home</a></nav></header>
<article><h1>{title}</h1><p class="byline">By Jane Doe</p>{paras}{links}</article>
<footer>Copyright Example News</footer></body></html>""".encode()


PARAS = [
    f"{BODY} The study was published in the New England Journal of Medicine on Sunday, "
    "and doctors said the result was unprecedented in the history of cancer research.",
    "Each patient took the drug every three weeks for six months. After that, the tumours "
    "could not be found by physical exam, endoscopy, PET scan or MRI, the researchers said.",
    "Dr. Luis Diaz of Memorial Sloan Kettering said the team was astonished, reports The "
    "Independent, and that patients had been followed for at least six months since.",
]


@pytest.fixture
def warc(tmp_path: Path) -> WarcWriter:
    writer = WarcWriter(tmp_path / "warc", "test")
    yield writer
    writer.close()


def fetch(engine: Engine, warc: WarcWriter, url: str, body: bytes, *, status: int = 200,
          content_type: str = "text/html; charset=utf-8", when: datetime | None = None):
    exchange = HttpExchange(url=url, status=status, headers=[("Content-Type", content_type)],
                            body=body, fetched_at=when or datetime.now(UTC))
    ref = warc.write_exchange(exchange)
    return ingest_exchange(engine, exchange, ref, recheck_after=timedelta(hours=1))


def test_new_article_with_capture_version_and_citations(engine: Engine, warc) -> None:
    links = '<p>See <a href="https://www.nytimes.com/2022/06/05/health/trial.html">the NYT</a>.</p>'
    result = fetch(engine, warc, "https://agg.example/story?utm_source=x#top",
                   page("Trial", PARAS, links=links))
    assert result.outcome == "new", result.reason
    assert "https://www.nytimes.com/2022/06/05/health/trial.html" in result.links
    with session_scope(engine, readonly=True) as s:
        article = s.get(Article, result.article_id)
        assert article.url == "https://agg.example/story"
        assert article.title == "Trial"
        assert article.published_at == datetime(2022, 6, 5, 18, 0, tzinfo=UTC)
        assert article.published_at_source == "meta"
        assert "dostarlimab" in article.text
        assert [v.version for v in article.versions] == [1]
        capture = s.get(Capture, result.capture_id)
        assert capture.article_id == article.id and capture.status == 200
        # The capture points at a readable WARC record with the same bytes.
        from archive.warc import WarcRef
        back = read_record(WarcRef(capture.warc_file, capture.warc_offset,
                                   capture.warc_length, capture.warc_record_id))
        assert back.sha256 == capture.sha256
        kinds = {(c.kind, c.target_url or c.outlet_name) for c in
                 s.scalars(select(Citation).where(Citation.article_id == article.id))}
        assert ("link", "https://www.nytimes.com/2022/06/05/health/trial.html") in kinds
        assert ("credit", "The Independent") in kinds
        assert s.scalar(select(Outlet.name).where(Outlet.id == article.outlet_id)) == "agg.example"


def test_unchanged_changed_and_not_modified(engine: Engine, warc) -> None:
    url = "https://news.example/a"
    first = fetch(engine, warc, url, page("Trial", PARAS))
    same = fetch(engine, warc, url, page("Trial", PARAS))
    assert (first.outcome, same.outcome) == ("new", "unchanged")
    edited = PARAS[:2] + [PARAS[2].replace("astonished", "surprised")]
    changed = fetch(engine, warc, url, page("Trial", edited))
    assert changed.outcome == "new_version" and changed.article_id == first.article_id
    not_modified = fetch(engine, warc, url, b"", status=304)
    assert not_modified.outcome == "not_modified"
    with session_scope(engine, readonly=True) as s:
        versions = s.scalars(select(ArticleVersion).where(
            ArticleVersion.article_id == first.article_id).order_by(ArticleVersion.version)).all()
        assert [v.version for v in versions] == [1, 2]
        assert "astonished" in versions[0].text and "surprised" in versions[1].text
        assert s.scalar(select(func.count()).select_from(Capture)) == 4
        article = s.get(Article, first.article_id)
        assert article.minhash is None and article.linked_at is None  # must be relinked


def test_canonical_naming_another_page_keeps_two_articles(engine: Engine, warc) -> None:
    original = fetch(engine, warc, "https://original.example/story", page("Trial", PARAS))
    copy = fetch(engine, warc, "https://portal.example/copy",
                 page("Trial", PARAS, canonical="https://original.example/story"))
    assert copy.outcome == "new" and copy.article_id != original.article_id
    with session_scope(engine, readonly=True) as s:
        article = s.get(Article, copy.article_id)
        assert article.canonical_url == "https://original.example/story"
        canonical = s.scalar(select(Citation).where(Citation.article_id == copy.article_id,
                                                    Citation.kind == "canonical"))
        assert canonical.target_article_id == original.article_id


def test_citation_resolves_when_target_arrives_later(engine: Engine, warc) -> None:
    linked = PARAS[1].replace(
        "the researchers said", 'the researchers told <a href="https://original.example/later">'
        "the original outlet</a>")
    copy = fetch(engine, warc, "https://agg.example/c", page("Copy", [PARAS[0], linked]))
    original = fetch(engine, warc, "https://original.example/later", page("Orig", PARAS))
    with session_scope(engine, readonly=True) as s:
        link = s.scalar(select(Citation).where(Citation.article_id == copy.article_id,
                                               Citation.kind == "link"))
        assert link.target_article_id == original.article_id


@pytest.mark.parametrize(
    "body, content_type, outcome, reason",
    [
        (b"%PDF-1.7 binary", "application/pdf", "skipped", "not HTML"),
        (b"\x89PNG\r\n\x1a\n", "image/png", "skipped", "not HTML"),
        (b'{"a": 1}', "application/json", "skipped", "not HTML"),
        (b"", "text/html", "not_article", "empty"),
        (b"<html><body><nav>Home</nav></body></html>", "text/html", "not_article", ""),
        (bytes(range(256)) * 50, "text/html", "not_article", ""),
        (b"<html><body><article><p>" + b"trunc" * 10, "text/html", "not_article", ""),
    ],
)
def test_bad_pages_stay_captures(engine: Engine, warc, body: bytes, content_type: str,
                                 outcome: str, reason: str) -> None:
    result = fetch(engine, warc, "https://news.example/bad", body, content_type=content_type)
    assert result.outcome == outcome
    assert reason in (result.reason or "")
    with session_scope(engine, readonly=True) as s:
        assert s.get(Capture, result.capture_id) is not None
        assert s.scalar(select(func.count()).select_from(Article)) == 0


def test_wrong_declared_charset_is_decoded(engine: Engine, warc) -> None:
    text = page("Café santé", [p.replace("patients", "patients — été") for p in PARAS])
    latin = text.decode("utf-8").encode("latin-1", "replace")
    result = fetch(engine, warc, "https://fr.example/a", latin,
                   content_type="text/html; charset=utf-8")
    assert result.outcome == "new", result.reason
    with session_scope(engine, readonly=True) as s:
        article = s.get(Article, result.article_id)
        assert "été" in article.text and "\ufffd" not in article.text


def test_http_errors_are_captured_not_articles(engine: Engine, warc) -> None:
    result = fetch(engine, warc, "https://news.example/gone", b"<h1>Not found</h1>", status=404)
    assert result.outcome == "skipped" and "404" in (result.reason or "")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://News.Example:443/a/B?utm_source=x&id=3#frag", "https://news.example/a/B?id=3"),
        ("http://news.example:8080", "http://news.example:8080/"),
        ("https://news.example/p?fbclid=abc", "https://news.example/p"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def _section_front(og_type: str, published: str = "") -> bytes:
    teasers = "".join(
        f'<div class="teaser"><h2><a href="/s/{i}">Story {i}</a></h2><p>{PARAS[i % 3]}</p></div>'
        for i in range(4)
    )
    date = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (f'<!doctype html><html lang="en"><head><title>Health News</title>'
            f'<meta property="og:type" content="{og_type}">{date}</head><body><main>'
            f"<h1>Health News</h1>{teasers}</main></body></html>").encode()


def test_section_front_declared_as_listing_is_not_an_article(engine: Engine, warc) -> None:
    result = fetch(engine, warc, "https://news.example/health/", _section_front("website"))
    assert result.outcome == "not_article"
    assert "listing" in (result.reason or "")


def test_page_stating_its_own_date_stays_an_article_whatever_its_og_type(engine: Engine,
                                                                          warc) -> None:
    result = fetch(engine, warc, "https://news.example/story",
                   _section_front("website", published="2022-06-05T10:00:00Z"))
    assert result.outcome == "new", result.reason
