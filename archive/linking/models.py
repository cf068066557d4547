"""Tables of the linker: the persistent LSH index, outlet boilerplate, and run state.

They live in the archive database so that every process that writes the archive (the daemon,
a manual ``healthwire import``, a rebuild) shares one index, updated as articles arrive and
never rebuilt at start-up. ``archive/models.py`` imports this module so Alembic sees them.

``link_key`` is the index: one row per (key, article). A key packs the band number into the
high 32 bits and the band's 32-bit hash into the low ones, so a lookup is a single B-tree
probe on the primary key, and one ``IN``/``ANY`` query fetches the buckets of a whole batch.
On SQLite the table is ``WITHOUT ROWID`` (the primary key *is* the table: no second B-tree).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.models import Base, utcnow


class LinkKey(Base):
    """One bucket entry of the LSH index (document bands and passage anchors)."""

    __tablename__ = "link_key"
    __table_args__ = (
        Index("ix_link_key_article_id", "article_id"),
        {"sqlite_with_rowid": False},
    )

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("article.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False,
    )
    #: Copied from the article so boilerplate (a key on many pages of one outlet) is counted
    #: without a join.
    outlet_id: Mapped[int | None] = mapped_column(Integer)


class LinkBoilerplate(Base):
    """A passage key that recurs on many pages of one outlet: its template, not its news.

    Once a key is here for an outlet, that outlet's pages are no longer added to its bucket
    (the bucket would grow with every page) and it never makes two pages related.
    """

    __tablename__ = "link_boilerplate"

    outlet_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    pages: Mapped[int] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkState(Base):
    """Named state of the linker: the index parameters, a rebuild's progress."""

    __tablename__ = "link_state"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
