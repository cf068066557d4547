"""Feeds: RSS 2.0, Atom and JSON Feed; their dates and titles go along as evidence."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from archive.discovery import HostileDocument, NotAFeed, parse_listing
from crawler.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    name = "feed"
    kind = "feed"

    async def start(self) -> AsyncIterator[Any]:
        assert self.source.url is not None
        yield self.request(self.source.url, self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            listing = parse_listing(response.body, response.url)
        except HostileDocument as exc:
            self.hostile(response.url, str(exc))
            return
        except NotAFeed as exc:
            self.note_error(response.url, str(exc))
            return
        entries = sorted(listing.entries, key=lambda e: e.published_at is None)
        yield from self.article_requests(entries)
