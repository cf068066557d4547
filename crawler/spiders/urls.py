"""A given list of page URLs (in the config, or a file with one per line)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from crawler.spiders.base import SourceSpider, read_urls_file


class UrlsSpider(SourceSpider):
    name = "urls"
    kind = "urls"

    async def start(self) -> AsyncIterator[Any]:
        urls = list(self.source.urls)
        if self.source.urls_file:
            urls.extend(read_urls_file(self.source.urls_file))
        for request in self.article_requests(urls):
            yield request
