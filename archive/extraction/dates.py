"""Date candidates, their sources, the rules that reject them, and the choice among them.

A page carries many dates: its own publication and modification, the theme's "today" in the
header, other posts' dates in sidebars, and dates its prose mentions. Researchers measure
syndication lags with these, so every kept date says where it came from, rejected ones are
reported, and a page with no date of its own gets none.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from dateutil import parser as du_parser
from lxml import etree
from lxml import html as lxml_html

from .layout import classes, in_chrome
from .metadata import PageMeta
from .model import DateCandidate, DateHint, MentionedDate

MIN_DATE = datetime(1995, 1, 1, tzinfo=UTC)
"""Web news before 1995 is implausible: such dates are placeholders (1970, 0001) or errors."""

# Trust order for the publication date: what the page states in markup first, then what the
# crawler saw beside it, then inference. Lower index wins.
PUBLISHED_TRUST = ("jsonld", "meta", "time-tag", "feed", "sitemap", "url", "htmldate", "text")

_META_PUBLISHED = (
    "article:published_time", "og:published_time", "datepublished", "article.published",
    "published_time", "publishdate", "publish-date", "publish_date", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "citation_publication_date", "date",
    "article:published", "og:article:published_time", "cxenseparse:recs:publishtime",
)
_META_MODIFIED = (
    "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
    "last-modified", "article.updated", "og:article:modified_time",
)
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_TEXT_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+{_DAY},?\s+(?:19|20)\d{{2}}"
    rf"|{_DAY}\s+(?:{_MONTHS})\.?,?\s+(?:19|20)\d{{2}}"
    r"|(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))\b",
    re.I,
)
_MODIFIED_CLASS = re.compile(r"modif|last-?updated|updated-?(?:date|time|on)|date-?updated", re.I)
# Elements whose own leading text holds a 19xx/20xx year, found in C rather than in a Python loop.
_YEAR_TEXT_PARENTS = etree.XPath(
    "//body//*[text()[contains(., '19') or contains(., '20')]]"
    "[string-length(normalize-space()) < 60]"
)
_WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DATE_LINE = re.compile(rf"^\s*(?:{_WEEKDAYS},?\s+)?(?P<date>.{{6,40}}?)\s*$", re.I)
_DATEISH = re.compile(r"date|time|posted|published|byline|meta", re.I)


def as_aware(value: datetime) -> datetime:
    """Attach UTC to a naive datetime: stored dates must be comparable."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date(raw: str | None) -> tuple[datetime, str] | None:
    """Parse a date string as pages write it; return (aware datetime, precision) or None.

    Precision is "exact" (time and offset stated), "local" (time without offset, UTC assumed)
    or "day" (a calendar date only). Never raises.
    """
    if not raw:
        return None
    text = raw.strip()
    if not text or len(text) > 80:
        return None
    if re.fullmatch(r"\d{10}(\d{3})?", text):  # epoch seconds or milliseconds
        try:
            return datetime.fromtimestamp(int(text[:10]), tz=UTC), "exact"
        except (OverflowError, OSError, ValueError):
            return None
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        value = None
    if value is None:
        if not re.search(r"\d{4}", text) or not re.search(r"[A-Za-z0-9]", text):
            return None
        try:
            with warnings.catch_warnings():  # unknown zone names ("CEST") are read as naive
                warnings.simplefilter("ignore", du_parser.UnknownTimezoneWarning)
                # Dotted numeric dates (03.05.2024) are day-first wherever they are written.
                dayfirst = re.search(r"\b\d{1,2}\.\s?\d{1,2}\.\s?\d{4}\b", text) is not None
                value = du_parser.parse(
                    text, fuzzy=False, default=datetime(1, 1, 1), dayfirst=dayfirst
                )
        except (ValueError, OverflowError, TypeError, du_parser.ParserError):
            return None
        if value.year == 1:
            return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text)) or bool(re.fullmatch(r"\d{10,13}", text))
    if value.tzinfo is not None:
        return value, "exact" if has_time else "day"
    return value.replace(tzinfo=UTC), "local" if has_time else "day"


def rejection(value: datetime, fetched_at: datetime) -> str | None:
    """Return why a candidate date cannot be the page's, or None when it is plausible."""
    if value < MIN_DATE:
        return "before 1995"
    if value > fetched_at + timedelta(days=1):
        return "more than a day after the fetch"
    return None


def collect_candidates(
    tree: lxml_html.HtmlElement | None,
    meta: PageMeta,
    url: str,
    hints: Iterable[DateHint],
) -> tuple[list[tuple[DateCandidate, str]], list[str], list[datetime]]:
    """Gather every date the page and the hints offer, each with its source and precision.

    Returns (candidates with precision, notes, header-line dates). Header-line dates (a bare
    date in the site's header, outside the article) are kept apart: themes print today's date
    there, so they are not evidence of publication by themselves.
    """
    found: list[tuple[DateCandidate, str]] = []
    notes: list[str] = []
    header_dates: list[datetime] = []

    def add(raw: str | None, source: str, kind: str, detail: str) -> None:
        parsed = parse_date(raw)
        if parsed is None:
            if raw and raw.strip():
                notes.append(f"{source} {detail} {raw.strip()[:40]!r} unreadable")
            return
        found.append((DateCandidate(parsed[0], source, kind, detail), parsed[1]))

    ld = meta.jsonld or {}
    for key, kind in (("datePublished", "published"), ("dateCreated", "published"),
                      ("dateModified", "modified")):
        value = ld.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            add(str(value), "jsonld", kind, key)
    for key in _META_PUBLISHED:
        for value in meta.meta.get(key, ())[:1]:
            add(value, "meta", "published", key)
    for key in _META_MODIFIED:
        for value in meta.meta.get(key, ())[:1]:
            add(value, "meta", "modified", key)
    if tree is not None:
        _time_tags(tree, add, header_dates)
    m = _URL_DATE.search(url or "")
    if m:
        add(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", "url", "published", "path")
    for hint in hints:
        try:
            found.append((DateCandidate(as_aware(hint.value), hint.source, "published", "hint"),
                          "exact" if hint.value.tzinfo else "local"))
        except (AttributeError, TypeError):
            notes.append(f"unusable {getattr(hint, 'source', '?')} date hint")
    return found, notes, header_dates


def _time_tags(tree: lxml_html.HtmlElement, add, header_dates: list[datetime]) -> None:
    """Read <time> and date-classed elements, skipping sidebars and setting header lines apart."""
    seen_article_time = False
    for el in tree.iterfind(".//time"):
        place = in_chrome(el)
        raw = el.get("datetime") or el.text_content()
        if place == "sidebar":
            continue
        if place == "header":
            parsed = parse_date(raw)
            if parsed:
                header_dates.append(parsed[0])
            continue
        itemprop = (el.get("itemprop") or "").lower()
        # WordPress marks its publication <time> "entry-date updated": only explicit
        # modification markers make a modified date.
        modified = "modified" in itemprop or _MODIFIED_CLASS.search(classes(el))
        kind = "modified" if modified else "published"
        if kind == "published" and seen_article_time:
            continue
        add(raw, "time-tag", kind, itemprop or "time")
        if kind == "published":
            seen_article_time = True
    # Theme date lines: small elements whose whole text is a date. Only elements whose own
    # text holds a year are looked at, which keeps this cheap on large pages.
    for el in _YEAR_TEXT_PARENTS(tree):
        if not isinstance(el, lxml_html.HtmlElement):
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "time", "p", "article", "body", "main", "section") or len(
            el
        ) > 3:
            continue
        text = " ".join(el.text_content().split())
        if not (6 <= len(text) <= 48) or not _DATE_LINE.match(text):
            continue
        m = _TEXT_DATE.search(text)
        if not m or len(_TEXT_DATE.sub("", text).strip(" ,.-|")) > 14:
            continue
        place = in_chrome(el)
        if place == "sidebar":
            continue
        parsed = parse_date(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", m.group(0)))
        if parsed is None:
            continue
        dateish = _DATEISH.search(classes(el))
        if place == "header" or (re.match(_WEEKDAYS, text, re.I) and not dateish):
            header_dates.append(parsed[0])
        elif dateish:
            add(m.group(0), "text", "published", "date line")


def choose(
    candidates: list[tuple[DateCandidate, str]],
    kind: str,
    fetched_at: datetime,
    problems: list[str],
) -> tuple[DateCandidate, str] | None:
    """Pick the most trusted plausible candidate of `kind`, reporting rejections and conflicts."""
    valid: list[tuple[DateCandidate, str]] = []
    for cand, precision in candidates:
        if cand.kind != kind:
            continue
        reason = rejection(cand.value, fetched_at)
        if reason:
            problems.append(
                f"{cand.source} {cand.detail} {cand.value.date().isoformat()} rejected: {reason}"
            )
            continue
        valid.append((cand, precision))
    if not valid:
        return None
    order = {s: i for i, s in enumerate(PUBLISHED_TRUST)}
    valid.sort(key=lambda cp: (order.get(cp[0].source, len(order)), cp[1] == "day"))
    best = valid[0]
    for other, _ in valid[1:]:
        if abs(other.value - best[0].value) > timedelta(days=1) and other.source in (
            "jsonld", "meta", "time-tag"
        ):
            problems.append(
                f"conflicting {kind} dates: {best[0].source} {best[0].value.date().isoformat()} "
                f"kept over {other.source} {other.value.date().isoformat()}"
            )
            break
    return best


def mentioned_dates(paragraphs: list[str], limit: int = 50) -> list[MentionedDate]:
    """Dates the prose names, each with its surrounding phrase (e.g. an original's date)."""
    out: list[MentionedDate] = []
    for para in paragraphs:
        for m in _TEXT_DATE.finditer(para):
            parsed = parse_date(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", m.group(0)))
            if parsed is None:
                continue
            start = max(0, para.rfind(".", 0, m.start()) + 1, m.start() - 100)
            end_dot = para.find(".", m.end())
            end = min(len(para), m.end() + 80, end_dot if end_dot != -1 else len(para))
            out.append(MentionedDate(parsed[0], para[start:end].strip()))
            if len(out) >= limit:
                return out
    return out
