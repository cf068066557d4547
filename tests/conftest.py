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
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

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


@contextmanager
def private_schema(prefix: str) -> Iterator[str]:
    """A URL for a new PostgreSQL schema of its own (through ``search_path``), dropped
    afterwards; skips the test when no PostgreSQL URL is set."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL for a fresh, private PostgreSQL schema, dropped after the test."""
    with private_schema("hw_test") as url:
        yield url


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


class ResearchWorld:
    """The sample world crawled and linked once, for the research commands to question.

    ``url`` is the archive's database URL, ``config`` a config file pointing at it (and at its
    WARC folder), ``truth`` the world's truth.json with real URLs, and ``url_of`` maps a truth
    article id to the URL the archive holds it under. The sites are stopped after the crawl:
    research commands read only the archive.
    """

    def __init__(self, url: str, folder: Path, truth: dict[str, Any]) -> None:
        self.url = url
        self.folder = folder
        self.config = folder / "healthwire.toml"
        self.truth = truth

    def url_of(self, article_id: str) -> str:
        from archive.ingest import normalise_url

        return normalise_url(next(a["url"] for a in self.truth["articles"]
                                  if a["id"] == article_id))

    @property
    def seed_url(self) -> str:
        return self.url_of(self.truth["story"]["seed"]["id"])


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def research_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[ResearchWorld]:
    """The sample world, crawled and linked once per backend per test session (read-only:
    tests must not write to it)."""
    from archive.sampleworld import SampleWorld
    from tests.helpers import healthwire, write_config

    folder = tmp_path_factory.mktemp(f"research-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'archive.sqlite3'}"
        else:
            url = stack.enter_context(private_schema("hw_research"))
        with SampleWorld(stall_seconds=2) as world:
            config = write_config(folder / "healthwire.toml", url, world.sources())
            assert healthwire("--config", str(config), "init", cwd=folder).returncode == 0
            crawl = healthwire("--config", str(config), "crawl", cwd=folder)
            assert crawl.returncode == 0, crawl.stderr[-3000:]
            truth = world.truth()
        yield ResearchWorld(url, folder, truth)
