"""Reading feeds and sitemaps safely, keeping what they say about dates and titles.

Feeds and sitemaps come from servers we do not control. They are parsed with defusedxml, which
refuses external entities, entity-expansion bombs and DTD tricks outright (a hostile document
is refused with :class:`HostileDocument`, recorded, and the crawl goes on); the parser never
touches the network.

What a feed or a news sitemap says about an entry (``news:publication_date``, ``pubDate``,
``news:title``) is evidence for the article and is handed to extraction as a date hint with its
source (``feed`` or ``sitemap``). Scrapy's own SitemapSpider flattens ``<news:news>`` away,
which is why this is parsed here by hand.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

MAX_XML_BYTES = 50_000_000  # the sitemap protocol caps files at 50 MB uncompressed


class HostileDocument(ValueError):
    """An XML document that tries entity expansion, external entities or DTD tricks."""


class NotAFeed(ValueError):
    """A document that is not a feed or sitemap we can read."""


@dataclass(frozen=True)
class Entry:
    """One article a feed or sitemap lists, with the evidence it gives."""

    url: str
    title: str | None = None
    published_at: datetime | None = None
    source: str = "feed"  # feed | sitemap


@dataclass(frozen=True)
class Listing:
    """What a feed or sitemap document contains."""

    kind: str  # rss, atom, jsonfeed, urlset, sitemapindex
    entries: list[Entry]
    sitemaps: list[str]  # for sitemap indexes: child sitemaps


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def parse_datetime(value: str | None) -> datetime | None:
    """RFC 822 (RSS) or ISO 8601 (Atom, sitemaps); naive times are taken as UTC."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def decompress(body: bytes, url: str = "") -> bytes:
    """Gunzip sitemap files served raw as .gz (bounded, so a gzip bomb cannot fill memory)."""
    if body[:2] != b"\x1f\x8b":
        return body
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, MAX_XML_BYTES + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise NotAFeed(f"{url or 'document'}: corrupt gzip data ({exc})") from exc
    if len(data) > MAX_XML_BYTES or decompressor.unconsumed_tail:
        raise NotAFeed(f"{url or 'document'}: more than {MAX_XML_BYTES} bytes uncompressed")
    return data


def parse_xml(body: bytes, url: str = "") -> Element:
    """Parse untrusted XML: no DTD entities, no external references, no network."""
    if len(body) > MAX_XML_BYTES:
        raise NotAFeed(f"{url or 'document'}: larger than {MAX_XML_BYTES} bytes")
    try:
        return safe_et.fromstring(body, forbid_dtd=False, forbid_entities=True,
                                  forbid_external=True)
    except DefusedXmlException as exc:
        raise HostileDocument(
            f"{url or 'document'}: refused hostile XML ({type(exc).__name__}: {exc})"
        ) from exc
    except safe_et.ParseError as exc:
        raise NotAFeed(f"{url or 'document'}: not well-formed XML ({exc})") from exc


def _rss(root: Element, base: str) -> list[Entry]:
    channel = _child(root, "channel")
    items = (channel if channel is not None else root).iter()
    entries = []
    for item in items:
        if _local(item.tag) != "item":
            continue
        link = _text(_child(item, "link"))
        guid = _child(item, "guid")
        if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
            link = _text(guid)
        if not link:
            continue
        date = _text(_child(item, "pubdate")) or _text(_child(item, "date"))
        entries.append(Entry(urljoin(base, link), _text(_child(item, "title")),
                             parse_datetime(date), "feed"))
    return entries


def _atom(root: Element, base: str) -> list[Entry]:
    entries = []
    for entry in root:
        if _local(entry.tag) != "entry":
            continue
        href = None
        for link in entry:
            if _local(link.tag) == "link" and link.get("rel", "alternate") == "alternate":
                href = link.get("href")
                break
        if not href:
            continue
        date = _text(_child(entry, "published")) or _text(_child(entry, "updated"))
        entries.append(Entry(urljoin(base, href), _text(_child(entry, "title")),
                             parse_datetime(date), "feed"))
    return entries


def _urlset(root: Element, base: str) -> list[Entry]:
    entries = []
    for url_el in root:
        if _local(url_el.tag) != "url":
            continue
        loc = _text(_child(url_el, "loc"))
        if not loc:
            continue
        title = None
        published = None
        news = _child(url_el, "news")
        if news is not None:
            title = _text(_child(news, "title"))
            published = parse_datetime(_text(_child(news, "publication_date")))
        # <lastmod> is when the page last changed, not when it was published: not a hint.
        entries.append(Entry(urljoin(base, loc), title, published, "sitemap"))
    return entries


def _json_feed(body: bytes, base: str) -> list[Entry]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAFeed(f"{base}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise NotAFeed(f"{base}: JSON without an 'items' list is not a JSON Feed")
    entries = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str):
            continue
        title = item.get("title") if isinstance(item.get("title"), str) else None
        date = item.get("date_published")
        entries.append(Entry(urljoin(base, link), title,
                             parse_datetime(date if isinstance(date, str) else None), "feed"))
    return entries


def parse_listing(body: bytes, url: str) -> Listing:
    """Read a feed (RSS, Atom, JSON Feed) or a sitemap (urlset, index, news sitemap)."""
    body = decompress(body, url)
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        return Listing("jsonfeed", _json_feed(stripped, url), [])
    root = parse_xml(body, url)
    kind = _local(root.tag)
    if kind == "rss" or kind == "rdf":
        return Listing("rss", _rss(root, url), [])
    if kind == "feed":
        return Listing("atom", _atom(root, url), [])
    if kind == "urlset":
        return Listing("urlset", _urlset(root, url), [])
    if kind == "sitemapindex":
        children = [
            urljoin(url, loc)
            for sm in root if _local(sm.tag) == "sitemap"
            if (loc := _text(_child(sm, "loc")))
        ]
        return Listing("sitemapindex", [], children)
    raise NotAFeed(f"{url}: <{kind}> is neither a feed nor a sitemap")


def robots_sitemaps(body: bytes, url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt."""
    found = []
    for line in body.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(url, value.strip()))
    return found
