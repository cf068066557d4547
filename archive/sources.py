"""Mirroring the configured sources and their outlets into the archive.

The configuration is the authority; the rows exist so that crawl runs, status and history
survive a source being renamed or removed, and so outlets have roles and domains to match
pages against.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.config import Config, SourceConfig
from archive.ingest import claim_credits, get_or_create, host_of
from archive.models import Outlet, OutletDomain, Source


def _outlet(session: Session, source: SourceConfig) -> Outlet:
    outlet = get_or_create(session, Outlet, {"name": source.outlet}, {"role": source.role})
    claim_credits(session, outlet)
    if source.role != "unknown":
        outlet.role = source.role
    hosts = list(source.domains)
    if source.url and source.kind != "urls":
        hosts.append(host_of(source.url))
    for host in hosts:
        host = host.lower()
        row = get_or_create(session, OutletDomain, {"domain": host}, {"outlet_id": outlet.id})
        if row.outlet_id != outlet.id:
            row.outlet_id = outlet.id  # the configuration says whose host it is
    session.flush()
    return outlet


def sync_sources(session: Session, config: Config, only: str | None = None) -> None:
    """Create or update a row per configured source (and its outlet), or just ``only``."""
    for source in config.sources:
        if only is not None and source.name != only:
            continue
        outlet = _outlet(session, source)
        row = get_or_create(session, Source, {"name": source.name}, {"kind": source.kind})
        row.outlet_id = outlet.id
        row.kind = source.kind
        row.url = source.url
        row.schedule = source.schedule
        row.enabled = source.enabled
        row.options = {"follow": list(source.follow), "max_pages": source.max_pages,
                       "max_articles": source.max_articles, "urls": list(source.urls),
                       "urls_file": source.urls_file}
    session.flush()


def source_row(session: Session, name: str) -> Source:
    row = session.scalar(select(Source).where(Source.name == name))
    assert row is not None, f"source {name} not synced"
    return row
