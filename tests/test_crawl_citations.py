"""Citation following: the originals a repost links to land in the archive, to a bounded depth."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import make_engine, session_scope
from archive.models import Article, Citation, Outlet
from tests.helpers import Route, ScriptedSite, article_html, filler, healthwire, write_config

pytestmark = pytest.mark.slow


def _linking(title: str, topic: str, target: str) -> bytes:
    paragraphs = filler(topic)
    paragraphs[1] += f' The findings were first <a href="{target}">reported here</a> in June.'
    return article_html(title, paragraphs)


@pytest.mark.parametrize("depth, follow", [(1, True), (2, True), (1, False)])
def test_citations_followed_to_configured_depth(tmp_path: Path, depth: int,
                                                follow: bool) -> None:
    with ScriptedSite() as far, ScriptedSite() as original, ScriptedSite() as aggregator:
        far.routes["/source"] = Route(body=article_html("Far source", filler("vitamin D")))
        original.routes["/report"] = Route(
            body=_linking("Original report", "dostarlimab", far.url("/source")))
        aggregator.routes["/repost"] = Route(
            body=_linking("Repost", "rectal cancer", original.url("/report")))
        config = write_config(tmp_path / "c.toml", f"sqlite:///{tmp_path / 'a.sqlite3'}",
                              [{"name": "agg", "outlet": "Aggregator", "kind": "urls",
                                "role": "aggregator", "urls": [aggregator.url("/repost")]}],
                              citation_depth=depth, follow_citations=follow)
        assert healthwire("--config", str(config), "init", cwd=tmp_path).returncode == 0
        result = healthwire("--config", str(config), "crawl", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (original.paths_requested().count("/report") == 1) is follow
        assert (far.paths_requested().count("/source") == 1) is (follow and depth >= 2)

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    with session_scope(engine, readonly=True) as s:
        urls = set(s.scalars(select(Article.url)))
        assert (original.url("/report") in urls) is follow
        repost = s.scalar(select(Article).where(Article.url == aggregator.url("/repost")))
        link = s.scalar(select(Citation).where(Citation.article_id == repost.id,
                                               Citation.kind == "link"))
        assert link.target_url == original.url("/report")
        assert (link.target_article_id is not None) is follow
        if follow:
            report = s.scalar(select(Article).where(Article.url == original.url("/report")))
            # A page met through a citation is not the configured outlet's.
            outlet = s.get(Outlet, report.outlet_id)
            assert outlet.name != "Aggregator"
    engine.dispose()
