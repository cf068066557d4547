"""The pieces of extraction on small inputs: credits, quotes, references, dates, titles."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.extraction import DateHint, extract_page, to_dict
from archive.extraction.credits import find_credits
from archive.extraction.dates import parse_date, rejection
from archive.extraction.decode import decode_body
from archive.extraction.fields import choose_title, split_authors, strip_site_suffix
from archive.extraction.quotes import find_quotes
from archive.extraction.references import find_references

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
FETCHED = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)


def _credits(*paragraphs: str) -> set[tuple[str | None, str]]:
    return {(c.outlet, c.kind) for c in find_credits(list(paragraphs))}


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("WASHINGTON (AP) — The agency said on Monday.", ("AP", "dateline")),
        ("LONDON (Reuters) - Drugmakers said on Tuesday.", ("Reuters", "dateline")),
        ("This article is republished from The Conversation under a Creative Commons license.",
         ("The Conversation", "republished-from")),
        ("This article first appeared on KFF Health News and is republished here.",
         ("KFF Health News", "first appeared on")),
        ("It was originally published by ProPublica.", ("ProPublica", "originally published by")),
        ("Prices rose, according to Reuters.", ("Reuters", "according to")),
        ("She told the Washington Post on Friday.", ("The Washington Post", "told")),
        ("Story Source: Materials provided by EurekAlert!. Note: Content may be edited.",
         ("EurekAlert!", "materials provided by")),
        ("Provided by Newswise", ("Newswise", "provided by")),
        ("Subscribe to the STAT newsletter", ("STAT", "trace")),
        ("With files from The Associated Press", ("AP", "with files from")),
    ],
)
def test_credit_patterns(paragraph: str, expected: tuple[str, str]) -> None:
    assert expected in _credits(paragraph)


def test_unknown_outlet_kept_raw_only_in_unambiguous_phrases() -> None:
    credits = find_credits([
        "Story Source: Materials provided by University of Leeds. Note: Content may be edited.",
        "according to a report in the Valley Gazette",
        "he told Dr. Smith and Mary Jones that it worked",
        "according to Professor Jane Miller of the university",
    ])
    raws = {(c.raw_name, c.outlet, c.kind) for c in credits}
    assert ("University of Leeds.", None, "materials provided by") in raws or (
        "University of Leeds", None, "materials provided by") in raws
    assert ("Valley Gazette", None, "according to") in raws
    assert not any("Smith" in c.raw_name or "Jones" in c.raw_name or "Miller" in c.raw_name
                   for c in credits)


def test_no_credit_from_capitalised_words_alone() -> None:
    assert find_credits(["The New York Times Square was crowded. Reuters Street is long."]) == []


def test_own_newsletter_is_not_a_trace() -> None:
    assert find_credits(["Sign up for the Slate newsletter"], own_site="Slate") == []
    assert _credits("Sign up for the Slate newsletter") == {("Slate", "trace")}


def test_quote_styles() -> None:
    quotes = find_quotes([
        'He said "this is straight" and then „dies ist deutsch“ here.',
        "Elle a dit « c’est en français » hier, ‘single curly one’ too.",
        "“Run on”next word and the patient’s file, don’t split.",
    ])
    texts = {q.text: q.style for q in quotes}
    assert texts["this is straight"] == "straight"
    assert texts["dies ist deutsch"] == "low-high"
    assert texts["c’est en français"] == "guillemets"
    assert texts["single curly one"] == "curly-single"
    assert texts["Run on"] == "curly"
    assert not any("file, don" in t for t in texts)


def test_references() -> None:
    refs = find_references(
        ["Published in JAMA Oncology (doi: 10.1001/jamaoncol.2023.1234). PMID: 37012345. "
         "The trial, NCT01234567, was also described in The Lancet."],
        ["https://pubmed.ncbi.nlm.nih.gov/35660797/", "https://doi.org/10.1056/NEJMoa2201445"],
    )
    pairs = {(r.kind, r.value) for r in refs}
    assert ("doi", "10.1001/jamaoncol.2023.1234") in pairs
    assert ("pmid", "37012345") in pairs
    assert ("nct", "NCT01234567") in pairs
    assert ("journal", "The Lancet") in pairs
    assert ("journal", "JAMA Oncology") in pairs
    assert ("pmid", "35660797") in pairs
    assert ("doi", "10.1056/NEJMoa2201445") in pairs


def test_parse_date_precision_and_offsets() -> None:
    value, precision = parse_date("2022-06-05T10:00:00+0200")
    assert value == datetime(2022, 6, 5, 8, 0, tzinfo=UTC)
    assert value.utcoffset() == timedelta(hours=2)
    assert precision == "exact"
    assert parse_date("June 5, 2022")[1] == "day"
    assert parse_date("2022-06-05T10:00:00")[1] == "local"
    assert parse_date("soon") is None
    assert parse_date("") is None


def test_rejection_rules() -> None:
    assert rejection(datetime(1970, 1, 1, tzinfo=UTC), FETCHED) == "before 1995"
    assert rejection(FETCHED + timedelta(hours=30), FETCHED) == "more than a day after the fetch"
    assert rejection(FETCHED + timedelta(hours=20), FETCHED) is None


def test_feed_and_sitemap_hints_are_candidates_below_page_markup() -> None:
    body = (b"<html><body><article><p>Clinics across the county opened late on Monday after "
            b"the storm, officials said, and most appointments went ahead.</p></article>"
            b"</body></html>")
    hint = DateHint(datetime(2024, 3, 1, 7, 0, tzinfo=timezone(timedelta(hours=-5))), "feed")
    page = extract_page(body, "https://x.example/a", fetched_at=FETCHED, hint_dates=[hint])
    assert page.published_at == hint.value
    assert page.published_at_source == "feed"
    stated = body.replace(b"<html>", b'<html><head><meta property="article:published_time" '
                                      b'content="2024-02-28T10:00:00Z"></head>')
    page = extract_page(stated, "https://x.example/a", fetched_at=FETCHED, hint_dates=[hint])
    assert page.published_at_source == "meta"


def test_first_seen_is_never_a_publication_date() -> None:
    body = (b"<html><body><article><p>A page that states no date of its own anywhere in its "
            b"markup or text, about clinics and their opening hours.</p></article></body></html>")
    page = extract_page(body, "https://x.example/a", fetched_at=FETCHED)
    assert page.published_at is None
    assert "no publication date stated by the page" in page.problems


def test_title_suffix_and_agreement() -> None:
    assert strip_site_suffix("Flu season peaks | The Guardian", ["The Guardian"]) == (
        "Flu season peaks")
    assert strip_site_suffix("Flu season peaks - Health - Valley Post", ["Valley Post"]) == (
        "Flu season peaks - Health")
    title, source = choose_title("Flu season peaks", None, "Flu  season peaks", "x | Site", None,
                                 ["Site"])
    assert (title, source) == ("Flu season peaks", "h1+og")
    title, source = choose_title(None, None, None, "Flu season peaks | Site", None, ["Site"])
    assert (title, source) == ("Flu season peaks", "title-tag")


def test_authors_split_and_cleaned() -> None:
    assert split_authors("By Jane Doe and John Smith, Staff Writer") == ["Jane Doe", "John Smith"]
    assert split_authors(["By Maria Ochoa, AP Health Writer", "Tom Ridley"]) == [
        "Maria Ochoa", "Tom Ridley"]
    assert split_authors("https://example.com/author/jane") == []


def test_decode_prefers_valid_utf8_over_wrong_declaration() -> None:
    decoded = decode_body("naïve “quote”".encode(), "text/html; charset=windows-1252")
    assert decoded.text == "naïve “quote”"
    assert decoded.problems == ["declared charset windows-1252 was wrong; decoded as utf-8"]


def test_wire_copy_fields() -> None:
    page = extract_page((FIXTURES / "wire-copy.html").read_bytes(),
                        "https://courier.example/health/measles", fetched_at=FETCHED)
    assert page.title == "Measles cases climb in three states as vaccination rates slip"
    assert page.authors == ["Maria Ochoa", "Tom Ridley"]
    assert page.published_at == datetime(2024, 3, 14, 13, 5, tzinfo=UTC)
    assert page.published_at.utcoffset() == timedelta(hours=-4)
    assert page.modified_at_source == "jsonld"
    # A canonical naming another outlet's page is kept as evidence, resolved as given.
    assert page.canonical_url == "https://apnews.com/article/measles-cases-vaccination-0a1b2c3d"
    assert ("AP", "dateline") in {(c.outlet, c.kind) for c in page.credits}
    assert ("https://www.cdc.gov/measles/data-research/index.html", "CDC's measles data") in (
        page.links)
    assert ("https://courier.example/local/schools-vaccines", "state school requirements") in (
        page.links)
    assert "Related" not in page.paragraphs
    assert not any("Flu season" in p for p in page.paragraphs)


def test_republished_copy_keeps_credit_and_link_but_not_the_credit_line_in_text() -> None:
    page = extract_page((FIXTURES / "conversation-republish.html").read_bytes(),
                        "https://campus.example/covid", fetched_at=FETCHED)
    assert ("The Conversation", "republished-from") in {(c.outlet, c.kind) for c in page.credits}
    assert "republished from" not in page.text
    assert any("theconversation.com" in u for u, _ in page.links)
    assert ("journal", "Nature Medicine") in {(r.kind, r.value) for r in page.references}
    assert page.authors == ["Priya Natarajan"]


def test_to_dict_is_json_with_iso_dates() -> None:
    import json

    page = extract_page((FIXTURES / "wire-copy.html").read_bytes(),
                        "https://courier.example/health/measles", fetched_at=FETCHED)
    data = json.loads(json.dumps(to_dict(page)))
    for key in ("title", "text", "published_at", "published_at_source", "authors",
                "canonical_url", "language", "links", "credits", "quotes", "references",
                "problems", "mentioned_dates", "modified_at", "site_name", "description"):
        assert key in data
    assert data["published_at"] == "2024-03-14T09:05:00-04:00"
    assert data["links"][0].keys() == {"url", "anchor"}


def test_hint_title_only_when_the_page_has_none() -> None:
    body = (b"<html><body><article><p>A paragraph of prose about the new clinic and its staff, "
            b"long enough to be kept as the article's text.</p></article></body></html>")
    page = extract_page(body, "https://x.example/a", hint_title="  Feed  title ")
    assert (page.title, page.title_source) == ("Feed title", "hint")
    titled = body.replace(b"<body>", b"<head><title>Page title</title></head><body>")
    assert extract_page(titled, "https://x.example/a", hint_title="Feed title").title == (
        "Page title")


def test_authors_prefer_people_over_the_site_itself() -> None:
    head = (b'<meta property="og:site_name" content="Valley Post">'
            b'<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H", '
            b'"author": {"@type": "Organization", "name": "Valley Post"}}</script>')
    body = (b"<html><head>" + head + b"{extra}</head><body><article><h1>H</h1><p>The clinic "
            b"reopened on Monday after repairs, and patients returned to their usual "
            b"appointments.</p></article></body></html>")
    with_person = body.replace(b"{extra}", b'<meta name="author" content="By Jane Doe (jd)">')
    assert extract_page(with_person, "https://valleypost.example/a").authors == ["Jane Doe"]
    site_only = body.replace(b"{extra}", b"")
    assert extract_page(site_only, "https://valleypost.example/a").authors == ["Valley Post"]


def test_loose_text_in_the_extracted_body_is_a_paragraph() -> None:
    from lxml import etree

    from archive.extraction.text import _blocks

    body = etree.fromstring(
        "<body>Lead text.<head>Subhead</head>Loose paragraph after it.<p>Para.</p></body>"
    )
    assert list((tag, text) for tag, _, text in _blocks(body)) == [
        ("p", "Lead text."), ("head", "Subhead"), ("p", "Loose paragraph after it."),
        ("p", "Para."),
    ]


def test_credits_to_the_page_itself_or_our_newsletter_are_not_credits() -> None:
    assert find_credits(["“It was terrible,” she told the BBC."], own_site="BBC News") == []
    assert find_credits(["LONDON (Reuters) - Shares fell."], own_site="Reuters") == []
    assert find_credits(["Sign up for our daily newsletter to get the news."]) == []
    assert ("BBC", "told") in _credits("“It was terrible,” she told the BBC.")


def test_dotted_numeric_dates_are_day_first() -> None:
    value, precision = parse_date("03.05.2024 14:00")
    assert (value.month, value.day, precision) == (5, 3, "local")
