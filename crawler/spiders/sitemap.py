"""Sitemaps: robots.txt discovery, sitemap indexes, plain and Google News sitemaps.

Scrapy's SitemapSpider flattens ``<news:news>`` away; news dates and titles are evidence, so
sitemaps are parsed by :mod:`archive.discovery` instead. Indexes are followed to a bounded
depth and each sitemap at most once, so a sitemap that lists itself ends the recursion.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from archive.discovery import robots_sitemaps
from crawler.spiders.base import SourceSpider

MAX_INDEX_DEPTH = 3
MAX_SITEMAPS = 50


class SitemapSpider(SourceSpider):
    name = "sitemap"
    kind = "sitemap"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sitemaps_seen: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        assert self.source.url is not None
        if urlsplit(self.source.url).path.endswith("/robots.txt"):
            yield self.request(self.source.url, self.parse_robots)
        else:
            for request in self.sitemap_requests([self.source.url], depth=0):
                yield request

    def sitemap_requests(self, urls: list[str], depth: int) -> Iterator[scrapy.Request]:
        for url in urls:
            if url in self.sitemaps_seen or len(self.sitemaps_seen) >= MAX_SITEMAPS:
                continue
            self.sitemaps_seen.add(url)
            yield self.request(url, self.parse_sitemap, hw_sitemap_depth=depth)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        found = robots_sitemaps(response.body, response.url)
        if not found:
            self.note_error(response.url, "robots.txt names no sitemap")
        yield from self.sitemap_requests(found, depth=0)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        listing = self.read_listing(response)
        if listing is None:
            return
        depth = response.meta.get("hw_sitemap_depth", 0)
        if listing.sitemaps:
            if depth >= MAX_INDEX_DEPTH:
                self.note_error(response.url, f"sitemap index nested deeper than {depth}")
                return
            yield from self.sitemap_requests(listing.sitemaps, depth + 1)
        # Newest first, so a bounded run takes the latest news.
        oldest = datetime.min.replace(tzinfo=UTC)
        entries = sorted(listing.entries, key=lambda e: e.published_at or oldest, reverse=True)
        yield from self.article_requests(entries)
