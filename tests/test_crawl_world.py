"""Crawling the sample world for real: Scrapy child processes, a real archive, real WARCs.

One full crawl per backend (module-scoped: it takes about half a minute), then questions about
what landed in the archive, checked against the world's truth.json and its request log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.db import make_engine, session_scope
from archive.ingest import normalise_url
from archive.models import Article, ArticleVersion, Capture, Citation, CrawlRun
from archive.sampleworld import SampleWorld
from archive.warc import WarcRef, read_record
from tests.conftest import private_schema
from tests.helpers import healthwire, write_config

pytestmark = pytest.mark.slow


class Crawled:
    """A world, its crawl configuration, and the result of crawling it once."""

    def __init__(self, world: SampleWorld, url: str, folder: Path, result: Any) -> None:
        self.world = world
        self.url = url
        self.folder = folder
        self.config = folder / "healthwire.toml"
        self.result = result
        self.report = json.loads(result.stdout) if result.stdout.strip() else {}
        self.truth = world.truth()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp(f"world-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'archive.sqlite3'}"
        else:
            url = stack.enter_context(private_schema("hw_world"))
        with SampleWorld(stall_seconds=4) as world:
            config = write_config(folder / "healthwire.toml", url, world.sources())
            assert healthwire("--config", str(config), "init", cwd=folder).returncode == 0
            result = healthwire("--config", str(config), "crawl", "--json", cwd=folder)
            yield Crawled(world, url, folder, result)


def _articles(crawled: Crawled) -> dict[str, Article]:
    engine = make_engine(crawled.url)
    with session_scope(engine, readonly=True) as s:
        rows = {a.url: a for a in s.scalars(select(Article))}
    engine.dispose()
    return rows


def test_crawl_succeeds_and_records_runs(crawled: Crawled) -> None:
    assert crawled.result.returncode == 0, crawled.result.stderr + crawled.result.stdout
    runs = crawled.report["runs"]
    assert {r["source"] for r in runs} == {s["name"] for s in crawled.world.sources()}
    assert all(r["outcome"] == "finished" and r["finish_reason"] == "finished" for r in runs)
    engine = make_engine(crawled.url)
    with session_scope(engine, readonly=True) as s:
        recorded = s.scalars(select(CrawlRun)).all()
        assert all(r.finished_at and r.exit_code == 0 for r in recorded)
        assert sum(r.counters.get("new_articles", 0) for r in recorded) > 20
    engine.dispose()


def test_every_reachable_article_is_archived(crawled: Crawled) -> None:
    archived = set(_articles(crawled))
    expected = {normalise_url(a["url"]) for a in crawled.truth["articles"] if not a["disallowed"]}
    missing = expected - archived
    assert not missing, f"not archived: {sorted(missing)}"


def test_robots_txt_is_obeyed_and_user_agent_sent(crawled: Crawled) -> None:
    requests = crawled.world.request_log.snapshot()
    disallowed = [a["path"] for a in crawled.truth["articles"] if a["disallowed"]]
    assert disallowed
    assert not [r for r in requests if r.path in disallowed], "fetched a robots-disallowed page"
    assert any(r.path == "/robots.txt" for r in requests)
    assert {r.user_agent for r in requests} == {"healthwire-test/0.1 (+mailto:tests@example.org)"}
    assert normalise_url(crawled.world.url("independent", disallowed[0])) not in _articles(crawled)


def test_redirected_page_is_archived_under_its_new_url(crawled: Crawled) -> None:
    redirect = next(t for t in crawled.truth["trouble"] if t["kind"] == "redirect")
    articles = _articles(crawled)
    assert normalise_url(redirect["target"]) in articles
    assert normalise_url(redirect["url"]) not in articles


def test_errors_are_recorded_per_url(crawled: Crawled) -> None:
    engine = make_engine(crawled.url)
    with session_scope(engine, readonly=True) as s:
        samples = [e for r in s.scalars(select(CrawlRun)) for e in r.counters.get(
            "error_samples", [])]
        statuses = {c.url: c.status for c in s.scalars(select(Capture))}
    engine.dispose()
    failed = {e["url"]: e["error"] for e in samples}
    requested = {crawled.world.url(r.site, r.path) for r in crawled.world.request_log.snapshot()}
    checked = set()
    for trouble in crawled.truth["trouble"]:
        kind, url = trouble["kind"], trouble["url"]
        if url not in requested:
            continue  # linked only from pages no configured source reads
        checked.add(kind)
        if kind == "not_found":
            assert failed.get(url) == "HTTP 404" and statuses.get(url) == 404
        elif kind == "server_error":
            assert failed.get(url) == "HTTP 500" and statuses.get(url) == 500
        elif kind == "stall":
            assert "TimeoutError" in failed.get(url, "") or "timed out" in failed.get(url, "")
        elif kind == "redirect_loop" and url in failed:
            assert "redirect" in failed[url]
    assert {"not_found", "stall"} <= checked


def test_captures_point_at_readable_warc_records(crawled: Crawled) -> None:
    engine = make_engine(crawled.url)
    with session_scope(engine, readonly=True) as s:
        captures = s.scalars(select(Capture)).all()
    engine.dispose()
    assert len(captures) > 40
    for capture in captures:
        record = read_record(WarcRef(capture.warc_file, capture.warc_offset,
                                     capture.warc_length, capture.warc_record_id))
        assert record.status == capture.status
        assert record.sha256 == capture.sha256 or capture.status in (301, 302)
    # robots.txt responses are captured too: every response, raw.
    assert any(c.url.endswith("/robots.txt") for c in captures)


def test_seed_page_credits_and_links_are_citations(crawled: Crawled) -> None:
    seed_url = normalise_url(next(a["url"] for a in crawled.truth["articles"]
                                  if a["id"] == crawled.truth["story"]["seed"]["id"]))
    engine = make_engine(crawled.url)
    with session_scope(engine, readonly=True) as s:
        seed = s.scalar(select(Article).where(Article.url == seed_url))
        assert seed is not None
        citations = s.scalars(select(Citation).where(Citation.article_id == seed.id)).all()
        credited = {c.outlet_name for c in citations if c.kind == "credit"}
        assert {"The Independent", "The New York Times", "NPR"} <= credited
        assert any(c.kind == "trace" and "Slate" in (c.outlet_name or "") for c in citations)
        linked = {c.target_article_id for c in citations if c.kind == "link"}
        originals = {normalise_url(a["url"]) for a in crawled.truth["articles"]
                     if a["id"] in ("independent/rectal-cancer-trial", "npr/rectal-cancer-trial",
                                    "nytimes/rectal-cancer-trial")}
        original_ids = set(s.scalars(select(Article.id).where(Article.url.in_(originals))))
        assert len(original_ids) == 3 and original_ids <= linked
        assert seed.published_at is not None and seed.published_at.date().isoformat() == \
            "2022-12-02"
    engine.dispose()


def test_wrong_charset_page_is_decoded(crawled: Crawled) -> None:
    trouble = next(t for t in crawled.truth["trouble"] if t["kind"] == "wrong_charset")
    article = _articles(crawled)[normalise_url(trouble["url"])]
    assert "é" in (article.text or "") and "Ã©" not in (article.text or "")


def test_second_run_fetches_no_known_article_again(crawled: Crawled) -> None:
    before = len(crawled.world.request_log.snapshot())
    result = healthwire("--config", str(crawled.config), "crawl", "--json", cwd=crawled.folder)
    assert result.returncode == 0, result.stderr
    again = crawled.world.request_log.snapshot()[before:]
    article_paths = {a["path"] for a in crawled.truth["articles"]}
    refetched = [r.path for r in again if r.path in article_paths]
    assert refetched == [], f"re-fetched before their re-check time: {refetched}"
    runs = json.loads(result.stdout)["runs"]
    assert sum(r["counters"]["new_articles"] for r in runs) == 0
    assert sum(r["counters"]["skipped_recheck"] for r in runs) > 0


def test_recheck_uses_conditional_get_and_records_changes(crawled: Crawled) -> None:
    """When the re-check time has come: 304 for unchanged pages, a version for changed ones."""
    engine = make_engine(crawled.url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE article SET next_check_at = NULL")
    crawled.world.set_epoch(1)
    before = len(crawled.world.request_log.snapshot())
    try:
        result = healthwire("--config", str(crawled.config), "crawl", "--json",
                            cwd=crawled.folder)
    finally:
        crawled.world.set_epoch(0)
    assert result.returncode == 0, result.stderr
    again = crawled.world.request_log.snapshot()[before:]
    assert any(r.status == 304 for r in again), "no conditional GET was answered 304"
    revised = {normalise_url(crawled.world.url(r["site"], r["path"]))
               for r in crawled.truth.get("revisions", [])}
    assert revised
    with session_scope(engine, readonly=True) as s:
        for url in revised:
            article = s.scalar(select(Article).where(Article.url == url))
            versions = s.scalars(select(ArticleVersion).where(
                ArticleVersion.article_id == article.id)).all()
            assert len(versions) == 2, f"{url}: {len(versions)} versions"
    engine.dispose()


def _links(crawled: Crawled) -> dict[tuple[str, str], dict[str, Any]]:
    result = healthwire("--config", str(crawled.config), "export", "links", "--format", "jsonl",
                        cwd=crawled.folder)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {(row["url"], row["source_url"]): row for row in rows}


def _url_of(crawled: Crawled, article_id: str) -> str:
    return normalise_url(next(a["url"] for a in crawled.truth["articles"]
                              if a["id"] == article_id))


def test_seed_chain_shows_originals_evidence_and_lag(crawled: Crawled) -> None:
    """The product's question, end to end: where did the seed-like page come from?"""
    story = crawled.truth["story"]
    seed = _url_of(crawled, story["seed"]["id"])
    result = healthwire("--config", str(crawled.config), "chain", seed, "--json",
                        cwd=crawled.folder)
    assert result.returncode == 0, result.stderr
    tree = json.loads(result.stdout)
    assert tree["published_at"].startswith("2022-12-02")
    parents = {p["url"]: p for p in tree["parents"]}
    originals = {_url_of(crawled, i) for i in ("independent/rectal-cancer-trial",
                                               "nytimes/rectal-cancer-trial",
                                               "npr/rectal-cancer-trial")}
    assert originals <= set(parents)
    for url in originals:
        link = parents[url]["link"]
        assert link["relation"] == "partial_reuse"
        assert link["shared_passages"] >= 1 and link["examples"], "no shared passage as evidence"
        assert 175 <= link["lag_days"] <= 182
    credited = {c["outlet"]: c for c in tree["credits"]}
    assert {"The Independent", "The New York Times", "NPR"} <= set(credited)
    assert all(credited[o]["archived"] for o in ("The Independent", "The New York Times", "NPR"))
    origin = healthwire("--config", str(crawled.config), "origin", seed, "--json",
                        cwd=crawled.folder)
    assert origin.returncode == 0, origin.stderr
    assert _url_of(crawled, story["root"]["id"]) in origin.stdout


def test_copies_are_linked_as_the_truth_says(crawled: Crawled) -> None:
    links = _links(crawled)
    wrong = []
    for relation in crawled.truth["relations"]:
        child = _url_of(crawled, relation["child"]["id"])
        for parent in relation["parents"]:
            got = links.get((child, _url_of(crawled, parent["id"])))
            expected = relation["expected_relation"]
            acceptable = {"duplicate", "near_duplicate"} if expected in (
                "duplicate", "near_duplicate") else {expected}
            if got is None or got["relation"] not in acceptable:
                wrong.append((relation["child"]["id"], parent["id"], expected,
                              got and got["relation"]))
    assert not wrong, f"links that differ from the truth: {wrong}"


def test_independent_reports_are_not_a_copy_chain(crawled: Crawled) -> None:
    links = _links(crawled)
    derivations = {"duplicate", "near_duplicate", "excerpt", "partial_reuse"}
    for pair in crawled.truth["non_copies"]:
        a, b = _url_of(crawled, pair["a"]["id"]), _url_of(crawled, pair["b"]["id"])
        for key in ((a, b), (b, a)):
            if key in links:
                assert links[key]["relation"] not in derivations, (pair, links[key])
