"""Bad input: every case yields a record with what could be found and why the rest could not."""

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.extraction import decode as decode_module
from archive.extraction import extract_page, to_dict

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
URL = "https://news.example/health/story"
FETCHED = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)

ARTICLE = (
    "<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
    "<p>{p1}</p><p>Officials said the programme would expand to more clinics next year, "
    "and that waiting times had already fallen in the towns where it started.</p>"
    "</article></body></html>"
)


def test_empty_page() -> None:
    page = extract_page(b"", URL, fetched_at=FETCHED)
    assert page.text == ""
    assert page.title is None
    assert "empty page" in page.problems
    assert "no main text" in page.problems
    json.dumps(to_dict(page))


def test_whitespace_only_page() -> None:
    page = extract_page(b"   \n\t  ", URL)
    assert page.paragraphs == []
    assert "no main text" in page.problems


def test_page_with_no_main_text() -> None:
    page = extract_page((FIXTURES / "no-main-text.html").read_bytes(), URL, fetched_at=FETCHED)
    assert page.paragraphs == []
    assert "no main text" in page.problems
    assert page.published_at is None


def test_binary_bytes() -> None:
    rng = random.Random(4)
    body = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(20000))
    page = extract_page(body, URL, content_type="image/png", fetched_at=FETCHED)
    assert page.text == ""
    assert any("binary" in p for p in page.problems)
    assert any("not HTML" in p for p in page.problems)


def test_random_bytes_without_signature() -> None:
    rng = random.Random(7)
    page = extract_page(bytes(rng.randrange(256) for _ in range(50000)), URL)
    assert page.published_at is None
    assert page.problems


def test_utf8_page_declared_as_latin1() -> None:
    html = ARTICLE.format(
        title="Über die Ärzte: “Wir sind erschöpft”",
        head='<meta charset="iso-8859-1">',
        p1="Die Ärztinnen und Ärzte der Klinik berichten über lange Schichten und große "
           "Belastung, sagte die Sprecherin am Montag.",
    )
    page = extract_page(html.encode("utf-8"), URL, fetched_at=FETCHED)
    assert page.title == "Über die Ärzte: “Wir sind erschöpft”"
    assert "Ärztinnen" in page.text
    assert "declared charset iso-8859-1 was wrong; decoded as utf-8" in page.problems
    assert page.encoding == "utf-8"


def test_cp1252_page_declared_as_utf8_in_header() -> None:
    html = ARTICLE.format(
        title="Café owners face new hygiene rules",
        head="",
        p1="The café owners’ association said the rules were “unworkable” for small "
           "businesses across the region.",
    )
    page = extract_page(
        html.encode("cp1252"), URL, content_type="text/html; charset=utf-8", fetched_at=FETCHED
    )
    assert page.title == "Café owners face new hygiene rules"
    assert "“unworkable”" in page.text
    assert any("utf-8 was wrong" in p for p in page.problems)


def test_latin1_page_without_declaration() -> None:
    html = ARTICLE.format(title="Fièvre et éruption", head="",
                          p1="Les médecins ont signalé une hausse des cas de fièvre chez les "
                             "enfants de moins de cinq ans.")
    page = extract_page(html.encode("latin-1"), URL, fetched_at=FETCHED)
    assert page.title == "Fièvre et éruption"
    assert any("not utf-8" in p for p in page.problems)


def test_unknown_declared_charset() -> None:
    html = ARTICLE.format(title="Plain title", head='<meta charset="x-made-up">',
                          p1="A plain ASCII paragraph about clinics and their staffing, long "
                             "enough to count as a paragraph of an article.")
    page = extract_page(html.encode("ascii"), URL, fetched_at=FETCHED)
    assert page.title == "Plain title"
    assert any("unknown" in p for p in page.problems)


def test_huge_page_is_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    # The limit is lowered so the test stays fast; the mechanism is the same at 4 MB.
    monkeypatch.setattr(decode_module, "MAX_BYTES", 200_000)
    para = "<p>" + "Doctors reported more cases of the illness this week. " * 20 + "</p>"
    body = ("<html><head><title>Huge</title></head><body><article><h1>Huge</h1>"
            + para * 2000 + "</article></body></html>").encode()
    assert len(body) > 1_000_000
    page = extract_page(body, URL, fetched_at=FETCHED)
    assert any("truncated to 200000 bytes" in p for p in page.problems)
    assert page.title == "Huge"
    assert 0 < len(page.text.encode()) < 200_000


def test_lying_jsonld_dates_rejected() -> None:
    page = extract_page((FIXTURES / "lying-jsonld.html").read_bytes(), URL, fetched_at=FETCHED)
    assert page.published_at == datetime(2023, 8, 10, 14, 0, tzinfo=UTC)
    assert page.published_at_source == "meta"
    assert page.modified_at is None
    assert "jsonld datePublished 1970-01-01 rejected: before 1995" in page.problems
    assert any("2099-05-01 rejected: more than a day after the fetch" in p for p in page.problems)


def test_malformed_jsonld_is_skipped_and_reported() -> None:
    page = extract_page((FIXTURES / "malformed-jsonld.html").read_bytes(), URL,
                        fetched_at=FETCHED)
    assert any(p.startswith("jsonld malformed") for p in page.problems)
    # The second block only has a trailing comma: it is repaired and read.
    assert page.published_at == datetime(2021, 5, 18, 10, 0, tzinfo=UTC)
    assert page.published_at_source == "jsonld"
    assert page.title == "New guidance on screening for colon cancer"


def test_conflicting_dates_prefer_jsonld_published_and_report() -> None:
    page = extract_page((FIXTURES / "conflicting-dates.html").read_bytes(), URL,
                        fetched_at=FETCHED)
    assert page.published_at == datetime(2022, 3, 1, 8, 0, tzinfo=UTC)
    assert page.published_at_source == "jsonld"
    assert page.modified_at == datetime(2022, 3, 2, 10, 0, tzinfo=UTC)
    assert any(p.startswith("conflicting published dates") for p in page.problems)


def test_only_future_dates_give_no_date_never_the_fetch_time() -> None:
    html = ARTICLE.format(
        title="Future",
        head='<meta property="article:published_time" content="2031-01-01T00:00:00Z">',
        p1="The clinic said its new wing would open after the building work is finished "
           "and the staff have been trained.",
    )
    page = extract_page(html.encode(), URL, fetched_at=FETCHED)
    assert page.published_at != FETCHED
    assert page.published_at is None or page.published_at <= FETCHED
    assert any("more than a day after the fetch" in p for p in page.problems)


def test_truncated_html() -> None:
    html = ARTICLE.format(title="Cut short", head="",
                          p1="The report found that most patients waited for weeks before "
                             "they were seen by a specialist at the hospital.")
    page = extract_page(html.encode()[: len(html) // 2 + 60], URL, fetched_at=FETCHED)
    assert page.title == "Cut short"
    json.dumps(to_dict(page))


@pytest.mark.parametrize(
    "body",
    [
        b"<html", b"<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        b"\xef\xbb\xbf<html><body>BOM</body></html>", b"\x00" * 100, b"<<<<>>>>" * 1000,
        "<html><body><p>ß</p></body></html>".encode("utf-16"),
        b'<script type="application/ld+json">{{{{</script>',
        b'<html><head><meta property="article:published_time" content="not a date"></head></html>',
    ],
)
def test_odd_bytes_never_raise(body: bytes) -> None:
    page = extract_page(body, "not a url", fetched_at=FETCHED)
    json.dumps(to_dict(page))
    assert not any(p.startswith("extraction failed") for p in page.problems)


def test_failure_inside_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.extraction as extraction

    def boom(*args, **kwargs):
        raise RuntimeError("reader bug")

    monkeypatch.setattr(extraction, "read_meta", boom)
    page = extract_page(b"<html><body><p>hello</p></body></html>", URL)
    assert any("extraction failed: RuntimeError" in p for p in page.problems)


@pytest.mark.parametrize("url", ["", "not a url", "http://[::1", "ftp://x.example/a"])
def test_malformed_page_urls_never_raise(url: str) -> None:
    body = (FIXTURES / "wire-copy.html").read_bytes()
    page = extract_page(body, url, fetched_at=FETCHED)
    assert not any(p.startswith("extraction failed") for p in page.problems)
    assert page.title == "Measles cases climb in three states as vaccination rates slip"
    assert page.canonical_url == "https://apnews.com/article/measles-cases-vaccination-0a1b2c3d"


def test_mutated_fixtures_never_fail() -> None:
    """Random cuts, insertions and junk in real-shaped pages: a record every time."""
    rng = random.Random(11)
    sources = sorted(FIXTURES.glob("*.html"))
    junk = [b"<", b"</article>", b'<time datetime="0000-00-00">', b"\xff\xfe", b"&#xD800;",
            b'<script type="application/ld+json">{"datePublished": "9999-99-99"']
    for _ in range(40):
        body = bytearray(rng.choice(sources).read_bytes())
        for _ in range(rng.randrange(1, 15)):
            pos = rng.randrange(len(body)) if body else 0
            choice = rng.randrange(3)
            if choice == 0:
                del body[pos : pos + rng.randrange(1, 300)]
            elif choice == 1:
                body[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))
            else:
                body[pos:pos] = rng.choice(junk)
        page = extract_page(bytes(body), URL, fetched_at=FETCHED)
        json.dumps(to_dict(page))
        assert not any("extraction failed" in p for p in page.problems), page.problems
