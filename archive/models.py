"""The archive's data model: every concept of DESIGN.md as a typed SQLAlchemy 2 table.

Alembic owns the schema (``migrations/``); this module is the source the migrations are checked
against, so a change here without a migration fails the drift test.

Conventions that matter for research use:

* Every timestamp is stored in UTC and comes back timezone-aware (:class:`UTCDateTime`), so
  lags computed on SQLite and PostgreSQL agree.
* A date that was *extracted* always travels with the name of its evidence
  (``published_at_source``: jsonld, meta, time-tag, url, text, feed, sitemap, first-seen), so a
  researcher can filter on trust.
* ``article.url`` is unique; ``article.canonical_url`` is indexed but not unique, because a
  syndicated copy often names the original's URL as its canonical and stays its own article.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Deterministic constraint names, so batch migrations on SQLite can find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTLET_ROLES = ("original", "wire", "aggregator", "unknown")
SOURCE_KINDS = ("feed", "sitemap", "listing", "urls")
DATE_SOURCES = ("jsonld", "meta", "time-tag", "url", "text", "feed", "sitemap", "first-seen")
RELATIONS = ("duplicate", "near_duplicate", "excerpt", "partial_reuse", "cites", "shares_quotes")


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (the only clock the archive writes)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite has no time zones and drops the offset; PostgreSQL keeps it. Normalising on the way
    in and re-attaching UTC on the way out makes both behave the same, so date lags never depend
    on the backend. Naive datetimes are refused: their meaning is ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores only aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the naming convention the migrations rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Outlet(Base):
    """A publisher: the unit researchers compare ("who copies whom")."""

    __tablename__ = "outlet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="unknown")
    homepage: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    domains: Mapped[list[OutletDomain]] = relationship(
        back_populates="outlet", cascade="all, delete-orphan"
    )


class OutletDomain(Base):
    """A host name that belongs to an outlet (one outlet may have many; a host has one)."""

    __tablename__ = "outlet_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)

    outlet: Mapped[Outlet] = relationship(back_populates="domains")


class Source(Base):
    """A configured entry point (feed, sitemap, listing, URL list) and its schedule.

    The configuration file is the authority; rows mirror it so that crawl runs, status and
    history survive a source being renamed or removed from the config.
    """

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(2000))
    schedule: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    outlet: Mapped[Outlet | None] = relationship()


class CrawlRun(Base):
    """One run of a source (or one WARC import): when, how it ended, what it counted."""

    __tablename__ = "crawl_run"
    __table_args__ = (Index("ix_crawl_run_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="crawl")  # crawl | import
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: running, finished, failed, timeout, killed, interrupted
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    exit_code: Mapped[int | None]
    pid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(String(255))
    counters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source | None] = relationship()


class Capture(Base):
    """One fetch, pointing at its raw record in a WARC file: what a researcher cites."""

    __tablename__ = "capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_run.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000), index=True)
    final_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[int]
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    content_type: Mapped[str | None] = mapped_column(String(200))
    content_length: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    warc_file: Mapped[str] = mapped_column(String(1000))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL"), index=True
    )


class Story(Base):
    """A connected group of linked articles.

    ``root_article_id`` is the earliest member with no archived parent ("earliest in
    archive"); ``attributed_origin`` is the outlet the credits name, which may not be archived.
    The two are kept apart on purpose.
    """

    __tablename__ = "story"

    id: Mapped[int] = mapped_column(primary_key=True)
    root_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL", use_alter=True)
    )
    attributed_origin: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(default=1)
    first_published_at: Mapped[datetime | None] = mapped_column(index=True)
    last_published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Article(Base):
    """One page, as extracted from its latest capture, with its dates and fingerprint."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    canonical_url: Mapped[str | None] = mapped_column(String(2000), index=True)
    outlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlet.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_at_source: Mapped[str | None] = mapped_column(String(20))
    modified_at: Mapped[datetime | None]
    modified_at_source: Mapped[str | None] = mapped_column(String(20))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    #: Everything else extraction found: mentioned dates, quotes, problems, site name.
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("story.id", ondelete="SET NULL"), index=True
    )
    # The document fingerprint, stored so that relinking never re-hashes text.
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    minhash_scheme: Mapped[str | None] = mapped_column(String(40))
    minhash_seed: Mapped[int | None]
    minhash_num_perm: Mapped[int | None]
    shingle_count: Mapped[int | None]
    fingerprinted_at: Mapped[datetime | None]
    linked_at: Mapped[datetime | None] = mapped_column(index=True)

    outlet: Mapped[Outlet | None] = relationship()
    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleVersion.version"
    )


class ArticleVersion(Base):
    """A page's text as it stood at one capture: corrections and stealth edits are data."""

    __tablename__ = "article_version"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    version: Mapped[int]
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id", ondelete="SET NULL"))
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64))

    article: Mapped[Article] = relationship(back_populates="versions")


class Citation(Base):
    """What an article points at: a body link, a prose credit, a trace, a scholarly reference.

    ``kind`` says which (link, credit, trace, dateline, canonical, doi, pmid, nct, journal).
    A credit to an outlet with nothing archived is kept with its raw name, so unarchived
    origins stay visible.
    """

    __tablename__ = "citation"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    target_url: Mapped[str | None] = mapped_column(String(2000), index=True)
    target_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL"), index=True
    )
    outlet_name: Mapped[str | None] = mapped_column(String(200))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="SET NULL"))
    phrase: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(String(500))


class Link(Base):
    """A syndication edge: ``child`` derives from (or cites) ``parent``, with its evidence.

    Scores and the parameters that produced them are stored so results are reproducible and
    ``healthwire link --rebuild`` can recompute them when thresholds change.
    """

    __tablename__ = "link"
    __table_args__ = (UniqueConstraint("child_id", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    parent_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20), index=True)
    jaccard: Mapped[float | None] = mapped_column(Float)
    #: Share of the child's shingles found in the parent, and of the parent's in the child.
    containment_child: Mapped[float | None] = mapped_column(Float)
    containment_parent: Mapped[float | None] = mapped_column(Float)
    shared_passages: Mapped[int | None]
    shared_chars: Mapped[int | None]
    lag_seconds: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    direction_reason: Mapped[str | None] = mapped_column(String(40))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    method: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    child: Mapped[Article] = relationship(foreign_keys=[child_id])
    parent: Mapped[Article] = relationship(foreign_keys=[parent_id])


#: Tables in dependency order, for stats and exports.
TABLES = (
    Outlet,
    OutletDomain,
    Source,
    CrawlRun,
    Capture,
    Story,
    Article,
    ArticleVersion,
    Citation,
    Link,
)

# The linker's own tables (fingerprint index, boilerplate, state) live with the linker; they
# belong to this metadata so migrations and drift checks see them.
from archive.linking import models as _linking_models  # noqa: E402,F401
