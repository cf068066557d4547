"""What every healthwire spider shares: article requests, re-check rules, citations, errors."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.db import session_scope
from archive.discovery import Entry, HostileDocument, Listing, NotAFeed, parse_listing
from archive.extraction import DateHint
from archive.ingest import IngestResult, fetch_plan, host_of
from crawler.runtime import Runtime

logger = logging.getLogger(__name__)

# Second-level labels under which registrable names have three labels (bbc.co.uk).
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"}


def site_of(url: str) -> str:
    """A rough registrable domain, enough to tell feeds.npr.org and www.npr.org are one site."""
    host = host_of(url)
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    if host.replace(".", "").replace(":", "").isdigit():
        return host  # an address (and port) is its own site
    return ".".join(labels[-2:])


class SourceSpider(scrapy.Spider):
    """Base spider: subclasses discover article URLs; this class fetches and hands them on."""

    kind = ""

    def __init__(self, source: str | None = None, run_id: str | None = None, **kwargs: Any):
        if not source:
            raise ValueError("pass the source to crawl: scrapy crawl KIND -a source=NAME")
        super().__init__(name=self.name, **kwargs)
        self.runtime = Runtime.create(source, run_id)
        self.source = self.runtime.source
        if self.source.kind != self.kind:
            raise ValueError(f"source {source!r} is a {self.source.kind} source, not {self.kind}")
        self.error_samples: list[dict[str, str]] = []
        self.articles_requested = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.closed_runtime, signal=signals.spider_closed)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider  # type: ignore[return-value]

    def request_dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        """A redirect back to a URL already in its own chain is a loop: record it.

        Scrapy's duplicate filter drops the looping request silently; without this, a
        redirect loop would vanish from the record.
        """
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self.note_error(chain[0], f"redirect loop: {' -> '.join([*chain, request.url])}")

    def closed_runtime(self, spider: Any) -> None:
        self.runtime.close()

    # -- requests --------------------------------------------------------------------------

    def request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta)

    def article_requests(
        self, entries: Iterable[Entry | str], *, depth: int = 0, counted: bool = True,
    ) -> Iterator[scrapy.Request]:
        """Requests for article pages that are due, within the source's article limit.

        Known articles are skipped until their re-check time; due ones are asked for with
        If-None-Match / If-Modified-Since from their last capture.
        """
        wanted: list[Entry] = []
        for entry in entries:
            entry = Entry(url=entry) if isinstance(entry, str) else entry
            if urlsplit(entry.url).scheme not in ("http", "https"):
                continue
            if counted and self.articles_requested + len(wanted) >= self.source.max_articles:
                break
            wanted.append(entry)
        if not wanted:
            return
        with session_scope(self.runtime.engine, readonly=True) as session:
            plan = fetch_plan(session, [entry.url for entry in wanted])
        assert self.crawler.stats is not None
        for entry in wanted:
            headers = plan[entry.url]
            if headers is None:
                self.crawler.stats.inc_value("healthwire/skipped_recheck")
                continue
            if counted:
                self.articles_requested += 1
            yield self._article_request(entry, headers, depth)

    def _article_request(self, entry: Entry, headers: dict[str, str], depth: int
                         ) -> scrapy.Request:
        hints = [DateHint(entry.published_at, entry.source)] if entry.published_at else []
        own_site = self.source.kind == "urls" or (
            self.source.url is not None and site_of(entry.url) == site_of(self.source.url)
        )
        meta = {
            "hw_hints": hints,
            "hw_title": entry.title,
            "hw_depth": depth,
            "hw_outlet": self.source.outlet if own_site and depth == 0 else None,
            "hw_role": self.source.role if own_site and depth == 0 else None,
            "handle_httpstatus_list": [304],
        }
        return scrapy.Request(entry.url, callback=self.parse_article, errback=self.on_error,
                              headers=headers, meta=meta)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        capture_id = response.meta.get("hw_capture_id")
        if capture_id is None:
            return
        yield {
            "url": response.url,
            "status": response.status,
            "headers": [(k.decode("latin-1"), v.decode("latin-1"))
                        for k, vs in response.headers.items() for v in vs],
            "body": response.body,
            "capture_id": capture_id,
            "fetched_at": response.meta["hw_fetched_at"],
            "hints": response.meta.get("hw_hints", []),
            "hint_title": response.meta.get("hw_title"),
            "outlet_name": response.meta.get("hw_outlet"),
            "outlet_role": response.meta.get("hw_role"),
            "depth": response.meta.get("hw_depth", 0),
        }

    # -- citations -------------------------------------------------------------------------

    def follow_citations(self, item: dict[str, Any], result: IngestResult) -> None:
        """Fetch the other outlets' pages a page links to, to the configured depth."""
        settings = self.crawler.settings
        depth = int(item.get("depth", 0))
        if not settings.getbool("HEALTHWIRE_FOLLOW_CITATIONS"):
            return
        if depth >= settings.getint("HEALTHWIRE_CITATION_DEPTH") or not result.links:
            return
        own = site_of(item["url"])
        assert self.crawler.engine is not None and self.crawler.stats is not None
        others = [link for link in result.links if site_of(link) != own]
        for request in self.article_requests(others, depth=depth + 1, counted=False):
            self.crawler.stats.inc_value("healthwire/citations_followed")
            self.crawler.engine.crawl(request)

    # -- errors ----------------------------------------------------------------------------

    def note_error(self, url: str, reason: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("healthwire/request_errors")
        if len(self.error_samples) < 50:
            self.error_samples.append({"url": url, "error": reason[:300]})
        logger.warning("failed %s: %s", url, reason)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if failure.check(HttpError):
            self.note_error(url, f"HTTP {failure.value.response.status}")
        elif failure.check(IgnoreRequest):
            message = str(failure.value)
            if "robots.txt" in message or message.startswith("refused address"):
                return  # counted by their own stats; not a failure of the crawl
            self.note_error(url, message or "ignored")
        else:
            self.note_error(url, f"{failure.type.__name__}: {failure.getErrorMessage()}")

    def read_listing(self, response: Response) -> Listing | None:
        """A feed or sitemap read safely; None (recorded) if hostile or unreadable."""
        try:
            return parse_listing(response.body, response.url)
        except HostileDocument as exc:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("healthwire/hostile_documents")
            self.note_error(response.url, str(exc))
        except NotAFeed as exc:
            self.note_error(response.url, str(exc))
        return None


def read_urls_file(path: str) -> list[str]:
    """URLs from a file, one per line; blank lines and # comments ignored."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
