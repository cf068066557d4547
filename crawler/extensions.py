"""Recording each crawl run: its counters while it runs, and how it ended.

The outcome comes from Scrapy's finish reason (``finished``, ``shutdown``,
``closespider_timeout``, …), not from the process exit code, which is 0 after a graceful stop.
Receivers are bound methods of this extension, which the crawler keeps alive (Scrapy holds
signal receivers weakly: a lambda would be collected and never fire).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from archive.db import session_scope
from archive.models import CrawlRun, utcnow

logger = logging.getLogger(__name__)


def run_counters(stats: dict[str, Any]) -> dict[str, int]:
    """The counters a crawl run shows, from Scrapy's stats."""
    # Errors are counted once per request that finally failed (after retries), in the
    # spider's errback: HTTP errors, timeouts, DNS failures, redirect loops, oversize pages.
    errors = int(stats.get("healthwire/request_errors", 0))
    return {
        "pages_fetched": int(stats.get("downloader/response_count", 0)),
        "captures": int(stats.get("healthwire/captures", 0)),
        "new_articles": int(stats.get("healthwire/pages/new", 0)),
        "new_versions": int(stats.get("healthwire/pages/new_version", 0)),
        "unchanged": int(stats.get("healthwire/pages/unchanged", 0)),
        "not_modified": int(stats.get("healthwire/pages/not_modified", 0)),
        "not_articles": int(stats.get("healthwire/pages/not_article", 0)),
        "skipped_recheck": int(stats.get("healthwire/skipped_recheck", 0)),
        "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
        "robots_unavailable": int(stats.get("healthwire/robots_unavailable", 0)),
        "refused_addresses": int(stats.get("healthwire/refused_address", 0)),
        "hostile_documents": int(stats.get("healthwire/hostile_documents", 0)),
        "citations_followed": int(stats.get("healthwire/citations_followed", 0)),
        "errors": errors,
    }


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        return cls(crawler)

    def _save(self, **fields: Any) -> None:
        runtime = getattr(self.crawler.spider, "runtime", None)
        if runtime is None or self.crawler.stats is None:
            return
        counters = run_counters(self.crawler.stats.get_stats())
        errors = getattr(self.crawler.spider, "error_samples", [])
        with session_scope(runtime.engine) as session:
            run = session.get(CrawlRun, runtime.run_id)
            if run is None:
                return
            run.counters = {**counters, "error_samples": errors[:20]}
            for key, value in fields.items():
                setattr(run, key, value)

    def spider_opened(self, spider: Any) -> None:
        self._loop = task.LoopingCall(self._save)
        self._loop.start(2.0, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        outcome = "finished" if reason == "finished" else (
            "interrupted" if reason == "shutdown" else "failed")
        self._save(finish_reason=reason, finished_at=utcnow(), outcome=outcome)
        logger.info("crawl run recorded: %s", reason)
