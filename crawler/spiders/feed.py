"""Feeds: RSS 2.0, Atom and JSON Feed; their dates and titles go along as evidence."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    name = "feed"
    kind = "feed"

    async def start(self) -> AsyncIterator[Any]:
        assert self.source.url is not None
        yield self.request(self.source.url, self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        listing = self.read_listing(response)
        if listing is None:
            return
        entries = sorted(listing.entries, key=lambda e: e.published_at is None)
        yield from self.article_requests(entries)
