"""healthwire's archive: everything but the crawler.

Models, database, extraction, fingerprints, linking, queries, exports, WARC in/out, the
scheduler daemon and the CLI live here. This package never imports Scrapy or Twisted: crawls
run as child processes and hand their pages to :func:`archive.ingest` like any WARC import.
"""

__version__ = "0.1.0"
