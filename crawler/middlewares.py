"""Downloader middlewares: the address guard, robots.txt, and the capture of every response."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet.defer import Deferred

from archive.db import session_scope
from archive.ingest import record_capture
from archive.netguard import url_problem
from archive.warc import HttpExchange

logger = logging.getLogger(__name__)

# Headers describing the transfer, not the payload: the body Scrapy hands over is already
# de-chunked, so a WARC reader must not try to de-chunk it again.
_TRANSFER_HEADERS = {"transfer-encoding"}


def _headers(headers: Any) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        key = name.decode("latin-1")
        if key.lower() in _TRANSFER_HEADERS:
            continue
        for value in values:
            out.append((key, value.decode("latin-1")))
    return out


class _DisallowAll:
    """The robots policy while a site's robots.txt cannot be read: fetch nothing there."""

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class PoliteRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, stricter when robots.txt cannot be read.

    Scrapy allows everything when robots.txt fails to download (time-out, connection error)
    or answers 5xx. A server that is struggling is the worst one to crawl regardless, and a
    flaky robots.txt must not open a disallowed section: such a site is skipped for this run
    (recorded as ``robots_unavailable``), as the major search engines do. A 4xx robots.txt
    means the site has none, and everything is allowed.
    """

    def _refuse_site(self, netloc: str, reason: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("healthwire/robots_unavailable")
        spider = self.crawler.spider
        if spider is not None and hasattr(spider, "note_error"):
            spider.note_error(f"{netloc}/robots.txt", f"robots.txt unavailable ({reason}); "
                              "site skipped this run")
        pending = self._parsers[netloc]
        self._parsers[netloc] = _DisallowAll()
        if isinstance(pending, Deferred):
            pending.callback(self._parsers[netloc])

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # e.g. refused by the address guard
            super()._robots_error(exc, netloc)
            return
        self._refuse_site(netloc, f"{type(exc).__name__}: {exc}")

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500 or response.status == 429:
            self._refuse_site(netloc, f"HTTP {response.status}")
            return
        if response.status >= 400:
            response = response.replace(body=b"")  # no robots.txt: everything allowed
        await super()._parse_robots(response, netloc, request)


class AddressGuardMiddleware:
    """Refuse requests to loopback, private, link-local, multicast or reserved addresses.

    Runs on every request, so every hop of a redirect is checked too (the redirect middleware
    sends its new request back through the chain).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow = crawler.settings.getbool("HEALTHWIRE_ALLOW_PRIVATE_ADDRESSES")
        self.allowlist = frozenset(
            crawler.settings.getlist("HEALTHWIRE_PRIVATE_ADDRESS_ALLOWLIST")
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if self.allow:
            return None
        problem = url_problem(request.url, self.allowlist)
        if problem is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("healthwire/refused_address")
            logger.warning("refused %s: %s (allow_private_addresses is off)", request.url, problem)
            raise IgnoreRequest(f"refused address: {problem}")
        return None


class CaptureMiddleware:
    """Write every response, raw, to WARC, then record its capture row.

    Sits next to the downloader, so it sees each response before decompression, redirects or
    retries change it: robots.txt, redirects, errors and retries are all captured. The row is
    committed only after the WARC record is fsynced (``WarcWriter.write_exchange``). The
    capture's id travels on in ``response.meta['hw_capture_id']`` for the ingest pipeline.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        runtime = getattr(self.crawler.spider, "runtime", None)
        if runtime is None:
            return response
        exchange = HttpExchange(
            url=response.url,
            status=response.status,
            headers=_headers(response.headers),
            body=response.body,
            fetched_at=datetime.now(UTC),
            request_headers=_headers(request.headers),
            method=request.method,
        )
        ref = runtime.warc.write_exchange(exchange)
        with session_scope(runtime.engine) as session:
            capture = record_capture(
                session, exchange, ref, crawl_run_id=runtime.run_id,
                requested_url=request.meta.get("hw_requested_url", request.url),
            )
            capture_id = capture.id
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("healthwire/captures")
        request.meta["hw_capture_id"] = capture_id  # response.meta is this same dict
        request.meta["hw_fetched_at"] = exchange.fetched_at
        return response

    def spider_closed(self, spider: Any) -> None:
        runtime = getattr(spider, "runtime", None)
        if runtime is not None:
            runtime.warc.close()
