"""Records that extraction produces: one page's fields, each with where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DateHint:
    """A date the crawler saw outside the page (feed item, news sitemap): evidence, not fact."""

    value: datetime
    source: str  # "feed" or "sitemap"


@dataclass(frozen=True)
class DateCandidate:
    """One date the page (or its hints) offers, with the place it was found."""

    value: datetime
    source: str  # jsonld, meta, time-tag, url, text, feed, sitemap, htmldate
    kind: str  # "published" or "modified"
    detail: str = ""  # e.g. the meta property or JSON-LD key


@dataclass(frozen=True)
class MentionedDate:
    """A date the prose names (e.g. the original study's publication), kept apart from ours."""

    value: datetime
    phrase: str


@dataclass(frozen=True)
class Credit:
    """An outlet the text credits, and how: the evidence for a syndication link."""

    raw_name: str
    outlet: str | None  # canonical name from archive.outlets, None when unknown
    kind: str  # reports, told, explains to, according to, originally published by, ...
    phrase: str  # the sentence fragment that carries the credit


@dataclass(frozen=True)
class Quote:
    """A quoted passage as it appears in the text (without its quotation marks)."""

    text: str
    style: str  # straight, curly, guillemets, low-high


@dataclass(frozen=True)
class Reference:
    """A scholarly reference: DOI, PubMed ID, NCT number or a named journal."""

    kind: str  # doi, pmid, nct, journal
    value: str
    phrase: str = ""


@dataclass
class ExtractedPage:
    """Everything extraction found in one page, and in `problems` why the rest is missing."""

    url: str
    title: str | None = None
    title_source: str | None = None
    text: str = ""
    paragraphs: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    language_source: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    description: str | None = None
    published_at: datetime | None = None
    published_at_source: str | None = None
    published_at_precision: str | None = None  # exact, local (no offset stated) or day
    modified_at: datetime | None = None
    modified_at_source: str | None = None
    date_candidates: list[DateCandidate] = field(default_factory=list)
    mentioned_dates: list[MentionedDate] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    encoding: str | None = None
    #: What the page's markup says it is: "article", "listing" (a section front), or None.
    page_type: str | None = None
    problems: list[str] = field(default_factory=list)
