"""Feeds and sitemaps: every format read, dates kept as evidence, hostile XML refused."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from archive.discovery import (
    HostileDocument,
    NotAFeed,
    parse_datetime,
    parse_listing,
    robots_sitemaps,
)

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Health</title>
<item><title>Trial</title><link>https://news.example/a</link>
<pubDate>Sun, 05 Jun 2022 14:00:00 -0400</pubDate></item>
<item><title>Relative</title><link>/b</link></item>
<item><title>Guid only</title><guid>https://news.example/c</guid></item>
<item><title>Not a permalink</title><guid isPermaLink="false">tag:1</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Health</title>
<entry><title>One</title><link rel="alternate" href="https://news.example/one"/>
<published>2022-06-05T18:00:00Z</published><updated>2022-06-06T00:00:00Z</updated></entry>
<entry><title>Two</title><link href="https://news.example/two"/>
<updated>2022-06-07T10:00:00+02:00</updated></entry>
</feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/a</loc>
<news:news><news:publication><news:name>Example</news:name><news:language>en</news:language>
</news:publication><news:publication_date>2022-06-05T14:00:00-04:00</news:publication_date>
<news:title>Trial puts all patients in remission</news:title></news:news></url>
<url><loc>https://news.example/b</loc><lastmod>2022-07-01</lastmod></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-news.xml</loc></sitemap>
<sitemap><loc>/sitemap-2022.xml.gz</loc></sitemap>
</sitemapindex>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>https://x.example/</link></item>
</channel></rss>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title><link>https://x.example/</link></item>
</channel></rss>"""


def test_rss_entries_dates_and_relative_links() -> None:
    listing = parse_listing(RSS, "https://news.example/feed.xml")
    assert listing.kind == "rss"
    urls = [e.url for e in listing.entries]
    assert urls == ["https://news.example/a", "https://news.example/b", "https://news.example/c"]
    first = listing.entries[0]
    assert first.title == "Trial" and first.source == "feed"
    assert first.published_at == datetime(2022, 6, 5, 18, 0, tzinfo=UTC)
    assert listing.entries[1].published_at is None


def test_atom_prefers_published_over_updated() -> None:
    listing = parse_listing(ATOM, "https://news.example/atom.xml")
    assert listing.kind == "atom"
    assert [e.url for e in listing.entries] == ["https://news.example/one",
                                                "https://news.example/two"]
    assert listing.entries[0].published_at == datetime(2022, 6, 5, 18, 0, tzinfo=UTC)
    assert listing.entries[1].published_at == datetime(2022, 6, 7, 8, 0, tzinfo=UTC)


def test_json_feed() -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "url": "https://news.example/j", "title": "J",
         "date_published": "2022-06-05T10:00:00-04:00"},
        {"id": "2", "external_url": "https://other.example/k"},
        {"id": "3"},
    ]}).encode()
    listing = parse_listing(body, "https://news.example/feed.json")
    assert listing.kind == "jsonfeed"
    assert [e.url for e in listing.entries] == ["https://news.example/j", "https://other.example/k"]
    assert listing.entries[0].published_at == datetime(2022, 6, 5, 14, 0, tzinfo=UTC)


def test_news_sitemap_keeps_date_and_title_but_not_lastmod() -> None:
    listing = parse_listing(NEWS_SITEMAP, "https://news.example/sitemap.xml")
    assert listing.kind == "urlset"
    a, b = listing.entries
    assert a.title == "Trial puts all patients in remission"
    assert a.published_at == datetime(2022, 6, 5, 18, 0, tzinfo=UTC)
    assert a.source == "sitemap"
    assert b.published_at is None  # lastmod is not a publication date


def test_sitemap_index_and_gzip() -> None:
    listing = parse_listing(gzip.compress(INDEX), "https://news.example/sitemap.xml.gz")
    assert listing.kind == "sitemapindex"
    assert listing.sitemaps == ["https://news.example/sitemap-news.xml",
                                "https://news.example/sitemap-2022.xml.gz"]


def test_external_entity_is_refused() -> None:
    with pytest.raises(HostileDocument, match="hostile XML"):
        parse_listing(XXE, "https://evil.example/feed.xml")


def test_entity_expansion_bomb_is_refused() -> None:
    with pytest.raises(HostileDocument):
        parse_listing(BILLION_LAUGHS, "https://evil.example/feed.xml")


def test_gzip_bomb_is_bounded() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 60_000_000 + b"</urlset>")
    with pytest.raises(NotAFeed, match="uncompressed"):
        parse_listing(bomb, "https://evil.example/sitemap.xml.gz")


@pytest.mark.parametrize(
    "body, message",
    [
        (b"<html><body>not a feed</body></html>", "neither a feed nor a sitemap"),
        (b"<rss><channel><item>", "not well-formed"),
        (b"{\"no\": \"items\"}", "JSON Feed"),
        (b"\x1f\x8bnot really gzip", "corrupt gzip"),
    ],
)
def test_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(NotAFeed, match=message):
        parse_listing(body, "https://news.example/x")


def test_robots_sitemaps() -> None:
    robots = b"User-agent: *\nDisallow: /private/\nSitemap: /sitemap.xml\nsitemap: https://cdn.example/s.xml\n"
    assert robots_sitemaps(robots, "https://news.example/robots.txt") == [
        "https://news.example/sitemap.xml", "https://cdn.example/s.xml"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Sun, 05 Jun 2022 14:00:00 -0400", datetime(2022, 6, 5, 18, tzinfo=UTC)),
        ("2022-06-05T14:00:00Z", datetime(2022, 6, 5, 14, tzinfo=UTC)),
        ("2022-06-05", datetime(2022, 6, 5, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_datetime(text: str, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected
