"""Extraction: one page's bytes and URL in, an article record with its evidence out.

Used alike by the crawler's pipeline and by WARC import, so it must never raise: whatever the
bytes, the caller gets an ExtractedPage whose `problems` say what could not be found and why.
The page is decoded and parsed once; trafilatura (text, and htmldate inside it as the date
fallback) and this package's own readers (JSON-LD, OpenGraph, <time>, credits, quotes,
references) all work on that one tree.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html

from archive.outlets import match_domain

from .credits import find_credits
from .dates import as_aware, choose, collect_candidates, mentioned_dates, rejection
from .decode import decode_body
from .fields import (
    byline_names,
    choose_title,
    guess_language,
    normalise_language,
    not_the_site,
    split_authors,
)
from .metadata import declared_page_type, jsonld_authors, read_meta
from .model import (
    Credit,
    DateCandidate,
    DateHint,
    ExtractedPage,
    MentionedDate,
    Quote,
    Reference,
)
from .quotes import find_quotes
from .references import find_references
from .text import extract_main_text

__all__ = [
    "Credit",
    "DateCandidate",
    "DateHint",
    "ExtractedPage",
    "MentionedDate",
    "Quote",
    "Reference",
    "extract_page",
    "to_dict",
]

_NON_CONTENT = (
    "script", "style", "noscript", "svg", "template", "iframe", "object", "embed", "link",
    "nav", "footer", "button", "select", "textarea", "canvas", "video", "audio",
    "picture", "map",
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _parse(text: str) -> lxml_html.HtmlElement | None:
    """Parse decoded text into one lxml tree; None when there is nothing to parse."""
    text = _XML_DECL.sub("", text.replace("\x00", ""), count=1)
    if not text.strip():
        return None
    parser = lxml_html.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
    )
    try:
        tree = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    return tree


def _first_h1(tree: lxml_html.HtmlElement) -> str | None:
    """The first <h1> with text, preferring one inside <article> or <main>."""
    for path in (".//article//h1", ".//main//h1", ".//h1"):
        for el in tree.iterfind(path):
            text = " ".join(el.text_content().split())
            if text:
                return text
    return None


def _absolute(url: str | None, base: str) -> str | None:
    """Resolve `url` against `base`; None unless the result is a well-formed http(s) URL."""
    if not url:
        return None
    absolute = url.strip()
    # A malformed base raises: an absolute `url` then still stands on its own.
    with contextlib.suppress(ValueError):
        absolute = urljoin(base, absolute) if base else absolute
    try:
        parts = urlsplit(absolute)
        _ = parts.hostname  # raises on a malformed netloc such as "[::1"
    except ValueError:
        return None
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def _host(url: str | None) -> str | None:
    """The URL's host name, or None for a missing or malformed URL."""
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:
        return None


def extract_page(
    body: bytes,
    url: str,
    *,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
    hint_dates: list[DateHint] | tuple[DateHint, ...] = (),
    hint_title: str | None = None,
) -> ExtractedPage:
    """Extract one page. Never raises: failures end up in `page.problems`."""
    page = ExtractedPage(url=url)
    try:
        _extract(page, body, url, content_type, fetched_at, list(hint_dates or ()), hint_title)
    except Exception as err:  # noqa: BLE001 - the ingest path must survive any page
        page.problems.append(f"extraction failed: {type(err).__name__}: {str(err)[:120]}")
    return page


def _extract(
    page: ExtractedPage,
    body: bytes,
    url: str,
    content_type: str | None,
    fetched_at: datetime | None,
    hints: list[DateHint],
    hint_title: str | None,
) -> None:
    fetched = as_aware(fetched_at) if fetched_at else datetime.now(UTC)
    if not isinstance(body, bytes | bytearray):
        body = str(body or "").encode("utf-8", "replace")
    if not body:
        page.problems.append("empty page")
    decoded = decode_body(bytes(body), content_type)
    page.encoding = decoded.encoding
    page.problems.extend(decoded.problems)
    tree = None if decoded.is_binary or not body else _parse(decoded.text)
    if tree is None and body and not decoded.is_binary:
        page.problems.append("page could not be parsed as HTML")

    meta = read_meta(tree, url) if tree is not None else None
    page.page_type = declared_page_type(meta) if meta is not None else None
    if meta:
        page.problems.extend(meta.problems)
    date_evidence = _gather_dates(page, tree, meta, url, hints, fetched)
    main = None
    if tree is not None:
        # What trafilatura would discard anyway (scripts, styles, navigation, footers, media)
        # goes now that metadata and dates have been read: trafilatura copies and walks the
        # tree several times, so a smaller tree is a faster extraction. <head> stays (broken
        # pages end up with their whole article parsed into it), forms stay (some sites wrap
        # the whole page in one), and so do asides: measured, removing them early changes
        # trafilatura's fallback comparison for the worse.
        etree.strip_elements(tree, *_NON_CONTENT, with_tail=False)
        try:
            main = extract_main_text(tree, url)
        except Exception as err:  # noqa: BLE001 - a trafilatura bug must not lose the metadata
            page.problems.append(f"main text extraction failed: {type(err).__name__}")
    if main:
        page.paragraphs = main.paragraphs
        page.subheadings = main.subheadings
        page.links = main.links
    page.text = "\n\n".join(page.paragraphs)
    if not page.paragraphs:
        page.problems.append("no main text")

    ld = (meta.jsonld if meta else None) or {}
    host = _host(url)
    known = match_domain(host)
    page.site_name = (
        (meta.first("og:site_name", "application-name") if meta else None)
        or (meta.jsonld_publisher if meta else None)
        or (known.name if known else None)
    )
    sites = [s for s in (page.site_name, meta.jsonld_publisher if meta else None,
                         known.name if known else None, host or "") if s]
    if host:
        sites.append(host.removeprefix("www.").split(".")[0])

    headline = ld.get("headline") if isinstance(ld.get("headline"), str) else None
    page.title, page.title_source = choose_title(
        meta.first("og:title", "twitter:title") if meta else None,
        headline,
        _first_h1(tree) if tree is not None else None,
        meta.title_tag if meta else None,
        None,
        sites,
    )
    if page.title is None and hint_title:
        page.title, page.title_source = " ".join(hint_title.split()), "hint"
    if page.title is None:
        page.problems.append("no title")

    # The site itself named as author ("STERN.de", "n-tv NACHRICHTEN") says little about who
    # wrote the piece: the next source is tried for people, and the site is kept only when no
    # source names anyone else (it is then what the page states).
    stated: list[list[str]] = [split_authors(jsonld_authors(ld))]
    byline = meta.first("author", "article:author", "dc.creator", "byl", "sailthru.author") if (
        meta) else None
    if byline and not byline.startswith("http"):
        stated.append(split_authors(byline))
    if tree is not None and not any(stated):
        stated.append(byline_names(tree))
    people = [not_the_site(names, sites) for names in stated]
    page.authors = next((names for names in people if names), None) or next(
        (names for names in stated if names), []
    )

    lang_sources = [
        ("html-lang", meta.html_lang if meta else None),
        ("jsonld", ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None),
        ("meta", meta.first("og:locale", "content-language", "language", "dc.language")
         if meta else None),
        ("guess", guess_language(page.text)),
    ]
    for source, value in lang_sources:
        code = normalise_language(value)
        if code:
            page.language, page.language_source = code, source
            break
    if page.language is None:
        page.problems.append("no language")

    canonical = (meta.canonical if meta else None) or (meta.first("og:url") if meta else None)
    page.canonical_url = _absolute(canonical, url) or _absolute(url, url)
    page.description = (
        (meta.first("og:description", "description", "twitter:description") if meta else None)
        or (ld.get("description") if isinstance(ld.get("description"), str) else None)
    )

    page.mentioned_dates = [
        m for m in mentioned_dates(page.paragraphs) if m.value.year >= 1995
    ]
    _choose_dates(page, date_evidence, fetched, fetched_at is not None)
    own = page.site_name or (known.name if known else None)
    page.credits = find_credits(main.raw_paragraphs if main else [], own_site=own)
    page.quotes = find_quotes(page.paragraphs)
    page.references = find_references(page.paragraphs, [u for u, _ in page.links])


@dataclass
class _DateEvidence:
    """Dates gathered from the full page, before non-content elements are stripped from it."""

    candidates: list[tuple[DateCandidate, str]] = field(default_factory=list)
    header_dates: list[datetime] = field(default_factory=list)
    new_year_stated: bool = False  # the page writes out 1 January of htmldate's year


def _gather_dates(
    page: ExtractedPage,
    tree: lxml_html.HtmlElement | None,
    meta: Any,
    url: str,
    hints: list[DateHint],
    fetched: datetime,
) -> _DateEvidence:
    """Collect every date candidate, and run htmldate only when the markup states none."""
    from .metadata import PageMeta

    candidates, notes, header_dates = collect_candidates(tree, meta or PageMeta(), url, hints)
    page.problems.extend(notes)
    evidence = _DateEvidence(candidates, header_dates)
    stated = any(c.kind == "published" and c.source in ("jsonld", "meta", "time-tag")
                 and rejection(c.value, fetched) is None for c, _ in candidates)
    if tree is not None and not stated:
        # htmldate is the fallback: it runs only when the page's own markup states no date.
        found = _htmldate(tree, url, fetched)
        if found:
            candidates.append((DateCandidate(found, "htmldate", "published", "find_date"), "day"))
            if (found.month, found.day) == (1, 1):
                evidence.new_year_stated = _states_new_year(tree, found.year)
    return evidence


def _choose_dates(
    page: ExtractedPage, evidence: _DateEvidence, fetched: datetime, fetch_known: bool
) -> None:
    """Apply the date rules (see docs/extraction.md): trust order, rejections, header lines."""
    candidates, header_dates = evidence.candidates, evidence.header_dates
    page.date_candidates = [c for c, _ in candidates]
    best = choose(candidates, "published", fetched, page.problems)
    header_days = {d.date() for d in header_dates}
    if best and best[0].source == "htmldate":
        day = best[0].value.date()
        if day in header_days or (fetch_known and day == fetched.date()):
            page.problems.append(
                f"htmldate {day.isoformat()} ignored: it matches the header date line or the "
                "fetch day, not a date the article states"
            )
            best = None
        elif (day.month, day.day) == (1, 1) and not evidence.new_year_stated:
            page.problems.append(
                f"htmldate {day.isoformat()} ignored: only a bare year (such as a copyright "
                "line) supports it"
            )
            best = None
        elif day in {m.value.date() for m in page.mentioned_dates}:
            page.problems.append(
                f"htmldate {day.isoformat()} ignored: it is a date the prose mentions (such as "
                "an original report's), not one the page states as its own"
            )
            best = None
    if best is None and header_dates:
        line = max(header_dates)
        if line.date() == fetched.date() or line > fetched + timedelta(days=1):
            page.problems.append(
                f"header date line {line.date().isoformat()} ignored: it is the fetch day "
                "(a theme's 'today'), not the article's date"
            )
        elif line >= datetime(1995, 1, 1, tzinfo=UTC):
            best = (DateCandidate(line, "text", "published", "header date line"), "day")
            page.problems.append(
                "published_at taken from a date line outside the article (weak evidence)"
            )
    if best:
        page.published_at = best[0].value
        page.published_at_source = best[0].source
        page.published_at_precision = best[1]
    else:
        page.problems.append("no publication date stated by the page")
    modified = choose(candidates, "modified", fetched, page.problems)
    if modified:
        if page.published_at and modified[0].value < page.published_at - timedelta(minutes=1):
            page.problems.append("modified date before publication date; ignored")
        else:
            page.modified_at = modified[0].value
            page.modified_at_source = modified[0].source


def _states_new_year(tree: lxml_html.HtmlElement, year: int) -> bool:
    """Whether the page writes out 1 January of `year` (htmldate turns bare years into it)."""
    source = etree.tostring(tree, encoding="unicode", method="html")
    pattern = (
        rf"{year}[-/.]0?1[-/.]0?1\b|\b0?1[./]0?1[./]{year}|"
        rf"\b(?:jan(?:uary)?\.?\s+1(?:st)?,?\s+{year}|1(?:st)?\s+jan(?:uary)?\.?,?\s+{year})"
    )
    return re.search(pattern, source, re.I) is not None


def _htmldate(tree: lxml_html.HtmlElement, url: str, fetched: datetime) -> datetime | None:
    """Ask htmldate (original date, extensive search) for a day; None when it finds none."""
    try:
        found = find_date(
            tree,
            url=url or None,
            original_date=True,
            extensive_search=True,
            min_date="1995-01-01",
            max_date=(fetched + timedelta(days=1)).strftime("%Y-%m-%d"),
        )
    except Exception:  # noqa: BLE001 - a fallback must not break extraction
        return None
    if not found:
        return None
    try:
        return datetime.strptime(found, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def to_dict(page: ExtractedPage) -> dict[str, Any]:
    """The page as plain JSON-serialisable data: ISO 8601 dates, links as url/anchor objects."""
    data = asdict(page)
    data["links"] = [{"url": u, "anchor": a} for u, a in page.links]
    return _jsonable(data)
