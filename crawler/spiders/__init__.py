"""One spider per source kind: feed, sitemap, listing, urls.

Run as ``scrapy crawl KIND -a source=NAME`` (the CLI and the daemon do this for you).
"""
