"""Shared fixtures: real databases only.

Every test that touches the database runs against SQLite (a file in a temporary folder) and,
when ``HEALTHWIRE_TEST_POSTGRES_URL`` is set, against PostgreSQL. Each PostgreSQL test gets a
schema of its own (through ``search_path``), so tests never see each other's rows, even when
several test runs share one server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url

from archive.db import make_engine

POSTGRES_ENV = "HEALTHWIRE_TEST_POSTGRES_URL"
REPO_ROOT = Path(__file__).resolve().parents[1]


def corpora_dir() -> Path | None:
    """The shared corpora (``../shared/corpora`` or $HEALTHWIRE_CORPORA), or None if absent."""
    candidates = [os.environ.get("HEALTHWIRE_CORPORA"), REPO_ROOT.parent / "shared" / "corpora"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL for a new SQLite archive in this test's temporary folder."""
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL for a fresh, private PostgreSQL schema, dropped after the test."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    schema = f"hw_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database (no schema yet)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a new archive at the head revision."""
    from archive.schema import upgrade

    upgrade(empty_engine)
    return empty_engine
