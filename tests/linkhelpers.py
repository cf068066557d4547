"""Helpers for the linking tests: real archives (SQLite file, PostgreSQL schema) and a small
way to insert articles, outlets and citations directly (the ingest path is not under test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import archive.linking.models  # noqa: F401  (registers the linker's tables)
from archive.db import make_engine
from archive.models import Article, Citation, Link, Outlet
from archive.schema import upgrade
from tests.conftest import private_schema

T0 = datetime(2022, 6, 5, 9, 0, tzinfo=UTC)


def sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'link.sqlite3'}")
    upgrade(engine)
    return engine


def postgres_engine() -> Iterator[Engine]:
    """A private schema on the test server, dropped afterwards (other modules share the db)."""
    with private_schema("hw_link") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def link_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A new archive at the head revision, once per backend."""
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
    else:
        yield from postgres_engine()


class World:
    """Insert outlets, articles and citations in a few words."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.outlets: dict[str, int] = {}

    def outlet(self, name: str, role: str = "original") -> int:
        if name not in self.outlets:
            with Session(self.engine) as s, s.begin():
                row = Outlet(name=name, role=role)
                s.add(row)
                s.flush()
                self.outlets[name] = row.id
        return self.outlets[name]

    def article(self, url: str, text: str, outlet: str | None = None, *,
                days: float | None = 0.0, source: str = "jsonld", seen_days: float | None = None,
                canonical: str | None = None, title: str | None = None,
                credits: tuple[str, ...] = (), links: tuple[str, ...] = ()) -> int:
        outlet_id = self.outlet(outlet) if outlet else None
        published = T0 + timedelta(days=days) if days is not None else None
        seen = T0 + timedelta(days=seen_days if seen_days is not None else (days or 0) + 0.01)
        with Session(self.engine) as s, s.begin():
            art = Article(
                url=url, canonical_url=canonical or url, outlet_id=outlet_id,
                title=title or url.rsplit("/", 1)[-1], text=text, published_at=published,
                published_at_source=source if published else None, first_seen_at=seen,
                last_seen_at=seen, authors=["A. Writer"], language="en",
            )
            s.add(art)
            s.flush()
            for name in credits:
                s.add(Citation(article_id=art.id, kind="credit", outlet_name=name,
                               outlet_id=self.outlets.get(name), phrase=f"reports {name}"))
            for target in links:
                s.add(Citation(article_id=art.id, kind="link", target_url=target))
            return art.id


def links(engine: Engine) -> dict[tuple[int, int], str]:
    """Every link as (child, parent) -> relation."""
    with Session(engine) as s:
        return {(lk.child_id, lk.parent_id): lk.relation for lk in s.scalars(select(Link))}


def link_rows(engine: Engine) -> list[dict[str, Any]]:
    """Links with the fields that must not depend on how they were computed."""
    with Session(engine) as s:
        rows = []
        for lk in s.scalars(select(Link).order_by(Link.child_id, Link.parent_id)):
            rows.append({
                "child": lk.child_id, "parent": lk.parent_id, "relation": lk.relation,
                "jaccard": lk.jaccard, "cc": lk.containment_child, "cp": lk.containment_parent,
                "passages": lk.shared_passages, "reason": lk.direction_reason,
                "lag": lk.lag_seconds, "redundant": lk.evidence.get("redundant"),
            })
        return rows


_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "do", "pe", "ga", "hu", "zo", "bi",
              "ar", "en", "is", "ol", "um", "ya"]


def _vocabulary() -> list[str]:
    import random

    rng = random.Random(7)
    words = set()
    while len(words) < 3000:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


VOCAB = _vocabulary()


def prose(seed: int, paragraphs: int = 6, words: int = 50) -> list[str]:
    """Paragraphs of seeded pseudo-words: unrelated seeds share no five-word run."""
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choice(VOCAB) for _ in range(words)).capitalize() + "."
            for _ in range(paragraphs)]


def quote(seed: int, words: int = 14) -> str:
    import random

    rng = random.Random(10_000 + seed)
    return "\u201c" + " ".join(rng.choice(VOCAB) for _ in range(words)) + "\u201d"


def join(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)
