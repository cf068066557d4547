"""The item pipeline: each fetched page goes to the archive's ingest function."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from typing import Any

from scrapy.crawler import Crawler

from archive.db import session_scope
from archive.extraction import ExtractedPage
from archive.ingest import IngestResult, ingest_page, needs_extraction, retry_on_conflict
from archive.models import Capture
from archive.warc import HttpExchange
from crawler import ingest_worker

logger = logging.getLogger(__name__)


class IngestPipeline:
    """Hand each page to :func:`archive.ingest.ingest_page` (as WARC import does), count the
    outcome, and let the spider follow the citations the page makes.

    Extraction runs in ``HEALTHWIRE_INGEST_WORKERS`` worker processes (0: on the reactor
    thread, simpler to debug and slower); the database writes happen here.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        hours = crawler.settings.getfloat("HEALTHWIRE_RECHECK_AFTER_HOURS", 24.0)
        self.recheck_after = timedelta(hours=hours)
        self.workers = crawler.settings.getint("HEALTHWIRE_INGEST_WORKERS", 1)
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        if self.workers > 0:
            # spawn, not fork: the reactor process has threads, which fork does not copy safely.
            self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=multiprocessing.get_context("spawn"))

    def close_spider(self, spider: Any = None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def _extract(self, exchange: HttpExchange, item: dict[str, Any]
                       ) -> ExtractedPage | None:
        if self.pool is None or not needs_extraction(exchange):
            return None  # ingest_page extracts inline, or needs no extraction
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, ingest_worker.extract, exchange,
                                          item.get("hints", ()), item.get("hint_title"))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.crawler.spider
        runtime = spider.runtime  # type: ignore[union-attr]
        # The capture middleware hands on the fetch time with the capture id, so extraction
        # can start without a database round trip.
        exchange = HttpExchange(url=item["url"], status=item["status"],
                                headers=item["headers"], body=item["body"],
                                fetched_at=item["fetched_at"])
        extracted = await self._extract(exchange, item)

        def attempt() -> IngestResult:
            with session_scope(runtime.engine) as session:
                capture = session.get(Capture, item["capture_id"])
                assert capture is not None, f"capture {item['capture_id']} missing"
                return ingest_page(
                    session, capture, exchange, hints=item.get("hints", ()),
                    hint_title=item.get("hint_title"), outlet_name=item.get("outlet_name"),
                    outlet_role=item.get("outlet_role"), recheck_after=self.recheck_after,
                    extracted=extracted,
                )

        result = retry_on_conflict(attempt)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"healthwire/pages/{result.outcome}")
        if result.outcome in ("new", "new_version"):
            logger.info("%s article %s: %s", result.outcome, result.article_id, item["url"])
        elif result.reason:
            logger.info("%s: %s (%s)", result.outcome, item["url"], result.reason)
        spider.follow_citations(item, result)  # type: ignore[union-attr]
        return {"url": item["url"], "outcome": result.outcome, "article_id": result.article_id}
