"""Alembic environment for the healthwire archive.

A caller (``archive.schema``, the tests) passes an engine or a connection in
``config.attributes``; the ``alembic`` command line falls back to ``sqlalchemy.url`` from
alembic.ini or ``HEALTHWIRE_DATABASE_URL``. On SQLite, migrations run in batch mode (SQLite
cannot ALTER most things) with foreign keys off, because a batch migration recreates tables
and would otherwise cascade deletes or fail on references.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from archive.db import make_engine
from archive.models import Base, UTCDateTime
from archive.schema import include_name

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render UTCDateTime as a plain DateTime so migrations never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # PRAGMA foreign_keys is a no-op inside a transaction: set it before one begins.
        if connection.in_transaction():
            connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
        render_item=_render_item,
        include_name=include_name,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if is_sqlite:
            if connection.in_transaction():
                connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("HEALTHWIRE_DATABASE_URL")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=bool(url and url.startswith("sqlite")),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url") or os.environ.get(
            "HEALTHWIRE_DATABASE_URL", "sqlite:///data/healthwire.sqlite3"
        )
        engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        if conn.in_transaction():
            conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
