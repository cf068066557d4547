"""The item pipeline: each fetched page goes to the archive's ingest function."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.crawler import Crawler

from archive.db import session_scope
from archive.ingest import IngestResult, ingest_page, retry_on_conflict
from archive.models import Capture
from archive.warc import HttpExchange

logger = logging.getLogger(__name__)


class IngestPipeline:
    """Hand each page to :func:`archive.ingest.ingest_page` (as WARC import does), count the
    outcome, and let the spider follow the citations the page makes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        hours = crawler.settings.getfloat("HEALTHWIRE_RECHECK_AFTER_HOURS", 24.0)
        self.recheck_after = timedelta(hours=hours)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.crawler.spider
        runtime = spider.runtime  # type: ignore[union-attr]
        exchange = HttpExchange(
            url=item["url"], status=item["status"], headers=item["headers"],
            body=item["body"], fetched_at=datetime.now(UTC),
        )

        def attempt() -> IngestResult:
            with session_scope(runtime.engine) as session:
                capture = session.get(Capture, item["capture_id"])
                if capture is None:  # pragma: no cover - the middleware always records one
                    raise RuntimeError(f"capture {item['capture_id']} missing for {item['url']}")
                page = HttpExchange(
                    url=exchange.url, status=exchange.status, headers=exchange.headers,
                    body=exchange.body, fetched_at=capture.fetched_at,
                )
                return ingest_page(
                    session, capture, page,
                    hints=item.get("hints", ()), hint_title=item.get("hint_title"),
                    outlet_name=item.get("outlet_name"), outlet_role=item.get("outlet_role"),
                    recheck_after=self.recheck_after,
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
