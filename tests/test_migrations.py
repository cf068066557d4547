"""Alembic owns the schema: round trips, no drift, data survives upgrades, stale schemas refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from archive import schema
from archive.db import open_archive, session_scope
from archive.errors import SchemaError
from archive.models import Article, Base, Outlet


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(schema.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _tables(engine: Engine) -> set[str]:
    """The archive's tables, without Alembic's own and the full-text index's (not models)."""
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if schema.include_name(name, "table", {})}


def test_upgrade_downgrade_upgrade(empty_engine: Engine) -> None:
    before, after = schema.upgrade(empty_engine)
    assert before is None
    assert after == schema.head_revision()
    assert _tables(empty_engine) == set(Base.metadata.tables)

    schema.downgrade(empty_engine, "base")
    assert schema.current_revision(empty_engine) is None
    assert _tables(empty_engine) == set()

    schema.upgrade(empty_engine)
    assert _tables(empty_engine) == set(Base.metadata.tables)


def test_step_by_step_round_trip(empty_engine: Engine) -> None:
    """Each revision upgrades and downgrades on its own, so operators can roll back one step."""
    revisions = _revisions()
    for revision in revisions:
        schema.upgrade(empty_engine, revision)
        assert schema.current_revision(empty_engine) == revision
    for previous in reversed(["base", *revisions[:-1]]):
        schema.downgrade(empty_engine, previous)
        expected = None if previous == "base" else previous
        assert schema.current_revision(empty_engine) == expected


def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    """The equivalent of `alembic check`: autogenerate finds nothing to do at head."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": schema.include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


@pytest.mark.parametrize("start", _revisions())
def test_data_survives_upgrade(empty_engine: Engine, start: str) -> None:
    """Rows written at any revision are still there, unchanged, after upgrading to head."""
    schema.upgrade(empty_engine, start)
    published = datetime(2022, 6, 5, 14, 30, tzinfo=UTC)
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outlet (id, name, role, created_at) "
                "VALUES (1, 'NPR', 'original', :t)"
            ),
            {"t": published},
        )
        conn.execute(
            text(
                "INSERT INTO article (id, url, outlet_id, title, authors, extra, published_at, "
                "published_at_source, first_seen_at, last_seen_at) VALUES (1, "
                "'https://npr.example/a', 1, 'Trial', '[]', '{}', :p, 'jsonld', :p, :p)"
            ),
            {"p": published},
        )
    schema.upgrade(empty_engine)
    with session_scope(empty_engine, readonly=True) as session:
        article = session.get(Article, 1)
        assert article is not None
        assert article.title == "Trial"
        assert article.published_at == published
        assert article.published_at_source == "jsonld"
        outlet = session.get(Outlet, 1)
        assert outlet is not None and outlet.name == "NPR"


def test_archive_behind_is_refused_with_advice(empty_engine: Engine) -> None:
    revisions = _revisions()
    if len(revisions) < 2:
        pytest.skip("only one revision: no archive can be behind yet")
    schema.upgrade(empty_engine, revisions[-2])
    with pytest.raises(SchemaError, match="healthwire init"):
        schema.require_current(empty_engine)


def test_archive_ahead_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffff9999'"))
    with pytest.raises(SchemaError, match="newer healthwire"):
        schema.require_current(engine)
    with pytest.raises(SchemaError, match="does not know"):
        schema.upgrade(engine)


def test_empty_database_is_not_an_archive(empty_engine: Engine) -> None:
    with pytest.raises(SchemaError, match="healthwire init"):
        schema.require_current(empty_engine)


def test_foreign_tables_are_not_taken_for_an_archive(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        conn.execute(text("CREATE TABLE something_else (id INTEGER PRIMARY KEY)"))
    with pytest.raises(SchemaError, match="no healthwire schema"):
        schema.require_current(empty_engine)


def test_open_archive_never_creates_a_sqlite_file(tmp_path) -> None:
    missing = tmp_path / "nowhere" / "archive.sqlite3"
    with pytest.raises(SchemaError, match="no archive"):
        open_archive(f"sqlite:///{missing}")
    assert not missing.exists()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    from archive.db import make_engine

    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    engine.dispose()


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), session_scope(engine) as session:
        session.add(Outlet(name="X", created_at=datetime(2022, 1, 1)))
        session.flush()
