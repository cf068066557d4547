"""Section pages (``/category/health/``): article links by rule, pagination to a bound."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawler.spiders.base import SourceSpider, site_of

_NEXT_TEXT = re.compile(r"^\s*(next|older|more|suivant|weiter|»|›|→)", re.I)
_PAGE_URL = re.compile(r"([/?&](page|p)[/=]\d+)|(/page/\d+)", re.I)


class ListingSpider(SourceSpider):
    name = "listing"
    kind = "listing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allow = list(self.source.follow) or [r".*"]
        self.articles = LinkExtractor(allow=allow, unique=True)

    async def start(self) -> AsyncIterator[Any]:
        assert self.source.url is not None
        yield self.request(self.source.url, self.parse_listing, hw_page=1)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not hasattr(response, "text"):
            self.note_error(response.url, "listing page is not text")
            return
        page = response.meta.get("hw_page", 1)
        next_url = self._next_page(response)
        candidates = []
        for link in self.articles.extract_links(response):
            if link.url == next_url or _PAGE_URL.search(link.url):
                continue
            if not self.source.follow and site_of(link.url) != site_of(response.url):
                continue
            candidates.append(link.url)
        yield from self.article_requests(candidates)
        if next_url and page < self.source.max_pages:
            yield self.request(next_url, self.parse_listing, hw_page=page + 1)

    @staticmethod
    def _next_page(response: Response) -> str | None:
        href = response.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        if href:
            return urljoin(response.url, href)
        for anchor in response.css("a[href]"):
            text = " ".join(anchor.css("::text").getall())
            if _NEXT_TEXT.match(text):
                return urljoin(response.url, anchor.attrib["href"])
        return None
