"""The seed story: an aggregator's translated repost that credits three outlets in prose.

The fixture is a hand-written page in the shape of the seed (a news theme's header date line,
breadcrumbs, a comment form, a "Most Popular" sidebar) around the seed page's text.
"""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archive.extraction import extract_page

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
URL = "https://dailyhealthwire.example/health/first-time-history-cancer-remission/"
FETCHED = datetime(2022, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def page():
    body = (FIXTURES / "aggregator-repost.html").read_bytes()
    return extract_page(body, URL, fetched_at=FETCHED)


def test_title_without_site_suffix(page) -> None:
    assert page.title == (
        "For the ‘first time in the history of cancer’, all patients in a clinical trial are "
        "in remission"
    )


def test_publication_date_is_the_articles_time_tag_not_the_header_line(page) -> None:
    assert page.published_at == datetime(2022, 12, 2, 8, 30, 12, tzinfo=UTC)
    assert page.published_at_source == "time-tag"


def test_sidebar_dates_are_not_candidates(page) -> None:
    days = {c.value.date() for c in page.date_candidates}
    assert date(2022, 11, 28) not in days
    assert date(2022, 11, 30) not in days


def test_mentioned_original_date(page) -> None:
    mentioned = [m for m in page.mentioned_dates if m.value.date() == date(2022, 6, 5)]
    assert mentioned
    assert "New England Journal of Medicine" in mentioned[0].phrase


def test_credits_name_the_three_outlets_and_the_slate_trace(page) -> None:
    by_outlet = {(c.outlet, c.kind) for c in page.credits}
    assert ("The Independent", "reports") in by_outlet
    assert ("The New York Times", "told") in by_outlet
    assert ("NPR", "explains to") in by_outlet
    assert ("Slate", "trace") in by_outlet
    # Doctors and institutions in the same sentences are not outlets.
    assert not any("Diaz" in c.raw_name or "Sanoff" in c.raw_name for c in page.credits)
    assert not any("Memorial" in c.raw_name for c in page.credits)


def test_quotes_include_run_on_closing_quotes(page) -> None:
    texts = [q.text for q in page.quotes]
    assert "an immunotherapy drug used in the treatment of endometrial cancer" in texts
    assert "This is the first time this has happened in the history of cancer" in texts
    assert "These results are a source of great optimism" in texts
    assert "restraint" in texts
    assert "fascinating" in texts


def test_journal_reference(page) -> None:
    assert ("journal", "NEJM") in {(r.kind, r.value) for r in page.references}
    assert ("doi", "10.1056/NEJMe2204282") in {(r.kind, r.value) for r in page.references}


def test_boilerplate_is_not_in_the_text(page) -> None:
    assert "Dr. Luis Diaz" in page.text
    for junk in ("Please enter your comment", "Please enter your name", "Most Popular",
                 "Sign up for the Slate newsletter", "HomeHealth", "Friday, December 2, 2022",
                 "All rights reserved", "vitamin D"):
        assert junk not in page.text
    assert len(page.paragraphs) >= 8
    assert "\n\n" in page.text


def test_canonical_language_links(page) -> None:
    assert page.canonical_url == URL
    assert page.language == "en"
    assert ("https://www.nejm.org/doi/full/10.1056/NEJMe2204282",
            "article shared in addition to the study") in page.links


def test_page_without_own_date_gets_none_when_header_line_is_fetch_day() -> None:
    body = (FIXTURES / "aggregator-repost-nodate.html").read_bytes()
    page = extract_page(body, URL, fetched_at=FETCHED)
    assert page.published_at is None
    assert page.published_at_source is None
    assert any("header date line 2022-12-02 ignored" in p for p in page.problems)
    # The date the prose mentions stays a mentioned date, never the page's own.
    assert date(2022, 6, 5) in {m.value.date() for m in page.mentioned_dates}


def test_header_line_is_weak_evidence_when_it_is_not_the_fetch_day() -> None:
    body = (FIXTURES / "aggregator-repost-nodate.html").read_bytes()
    page = extract_page(body, URL, fetched_at=datetime(2023, 2, 1, tzinfo=UTC))
    assert page.published_at is not None
    assert page.published_at.date() == date(2022, 12, 2)
    assert page.published_at_source == "text"
    assert any("weak evidence" in p for p in page.problems)
