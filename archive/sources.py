"""Mirroring the configured sources and their outlets into the archive.

The configuration is the authority; the rows exist so that crawl runs, status and history
survive a source being renamed or removed, and so outlets have roles and domains to match
pages against.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.config import Config, SourceConfig
from archive.ingest import host_of
from archive.models import Outlet, OutletDomain, Source


def _outlet(session: Session, source: SourceConfig) -> Outlet:
    outlet = session.scalar(select(Outlet).where(Outlet.name == source.outlet))
    if outlet is None:
        outlet = Outlet(name=source.outlet, role=source.role)
        session.add(outlet)
        session.flush()
    elif source.role != "unknown":
        outlet.role = source.role
    hosts = list(source.domains)
    if source.url and source.kind != "urls":
        hosts.append(host_of(source.url))
    for host in hosts:
        host = host.lower()
        row = session.scalar(select(OutletDomain).where(OutletDomain.domain == host))
        if row is None:
            session.add(OutletDomain(outlet_id=outlet.id, domain=host))
        elif row.outlet_id != outlet.id:
            row.outlet_id = outlet.id  # the configuration says whose host it is
    session.flush()
    return outlet


def sync_sources(session: Session, config: Config) -> None:
    """Create or update a row per configured source (and its outlet)."""
    for source in config.sources:
        outlet = _outlet(session, source)
        row = session.scalar(select(Source).where(Source.name == source.name))
        if row is None:
            row = Source(name=source.name)
            session.add(row)
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
