"""healthwire's Scrapy project: spiders, middlewares, pipelines, settings.

It depends on :mod:`archive` (one way only) and hands every fetched page to the archive's
ingest function.
"""
