"""Scrapy settings for healthwire's crawler, derived from healthwire's configuration.

The configuration file named by ``HEALTHWIRE_CONFIG`` (default ``config/healthwire.toml``) is
read once here, so a crawl started by the CLI, the daemon, or a plain ``scrapy crawl`` applies
the same politeness rules. Scrapy's defaults that do not suit a research crawler are changed
on purpose, each with its reason.
"""

from __future__ import annotations

import os

from archive.config import load_config

BOT_NAME = "healthwire"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

_config = load_config(os.environ.get("HEALTHWIRE_CONFIG") or None)
_crawl = _config.crawl

USER_AGENT = _crawl.user_agent
# Off by default outside Scrapy's project template: a polite crawler obeys robots.txt.
ROBOTSTXT_OBEY = _crawl.obey_robots_txt
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = _crawl.concurrent_requests_per_domain
DOWNLOAD_TIMEOUT = _crawl.download_timeout
DOWNLOAD_MAXSIZE = _crawl.max_response_bytes
DOWNLOAD_WARNSIZE = min(_crawl.max_response_bytes, 5_000_000)
RETRY_ENABLED = True
RETRY_TIMES = _crawl.retry_times
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 10
AUTOTHROTTLE_ENABLED = _crawl.autothrottle
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# The archive does its own re-check scheduling and conditional GETs; no HTTP cache.
HTTPCACHE_ENABLED = False
LOG_LEVEL = os.environ.get("HEALTHWIRE_CRAWL_LOG_LEVEL", "INFO")

DOWNLOADER_MIDDLEWARES = {
    # First on the way out: refuse private addresses before anything, robots.txt included.
    "crawler.middlewares.AddressGuardMiddleware": 50,
    # Scrapy's own allows everything when robots.txt fails; ours skips the site instead.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.PoliteRobotsTxtMiddleware": 100,
    # Last on the way out, first on the way back: sees every response raw, as sent.
    "crawler.middlewares.CaptureMiddleware": 950,
}
ITEM_PIPELINES = {"crawler.pipelines.IngestPipeline": 300}
EXTENSIONS = {"crawler.extensions.RunRecorder": 500}

HEALTHWIRE_ALLOW_PRIVATE_ADDRESSES = _crawl.allow_private_addresses
HEALTHWIRE_PRIVATE_ADDRESS_ALLOWLIST = list(_crawl.private_address_allowlist)
HEALTHWIRE_FOLLOW_CITATIONS = _crawl.follow_citations
HEALTHWIRE_CITATION_DEPTH = _crawl.citation_depth
HEALTHWIRE_RECHECK_AFTER_HOURS = _crawl.recheck_after_hours
HEALTHWIRE_INGEST_WORKERS = _crawl.extraction_workers
