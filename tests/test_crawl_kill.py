"""A crawl killed with SIGKILL halfway: what was acknowledged stays; the next run carries on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.db import make_engine, session_scope
from archive.models import Article, Capture, CrawlRun
from archive.warc import WarcRef, WarcResponse, iter_responses, read_record
from tests.helpers import Route, ScriptedSite, article_html, filler, healthwire, write_config

pytestmark = pytest.mark.slow

PAGES = 24


def _count(engine, model) -> int:
    with session_scope(engine, readonly=True) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_sigkill_mid_crawl_loses_nothing_acknowledged(database_url: str, tmp_path: Path) -> None:
    routes = {f"/a{i}": Route(body=article_html(f"Story {i}", filler(f"topic {i}")), delay=0.4)
              for i in range(PAGES)}
    with ScriptedSite(routes) as site:
        config = write_config(
            tmp_path / "c.toml", database_url,
            [{"name": "slow", "outlet": "Slow News", "kind": "urls",
              "urls": [site.url(f"/a{i}") for i in range(PAGES)]}],
            concurrent_requests_per_domain=1,
        )
        assert healthwire("--config", str(config), "init", cwd=tmp_path).returncode == 0
        env = {**os.environ}
        env.pop("HEALTHWIRE_DATABASE_URL", None)
        parent = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "--config", str(config), "crawl"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        engine = make_engine(database_url)
        deadline = time.monotonic() + 120
        while _count(engine, Article) < 5:
            assert time.monotonic() < deadline, "crawl made no progress"
            assert parent.poll() is None, parent.stderr.read().decode() if parent.stderr else ""
            time.sleep(0.1)
        with session_scope(engine, readonly=True) as s:
            pid = s.scalar(select(CrawlRun.pid).order_by(CrawlRun.id.desc()).limit(1))
        assert pid
        os.kill(pid, signal.SIGKILL)
        parent.wait(timeout=60)
        out = parent.stdout.read().decode() if parent.stdout else ""
        assert parent.returncode == 1, out  # the run failed, and the CLI says so

        with session_scope(engine, readonly=True) as s:
            run = s.scalar(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1))
            assert run.outcome == "failed" and run.finish_reason is None
            assert "killed by SIGKILL" in (run.error or "")
            captures = s.scalars(select(Capture)).all()
            articles_before = s.scalar(select(func.count()).select_from(Article))
        assert 5 <= articles_before < PAGES
        # Every acknowledged capture has its record on disk, readable.
        for capture in captures:
            back = read_record(WarcRef(capture.warc_file, capture.warc_offset,
                                       capture.warc_length, capture.warc_record_id))
            assert back.sha256 == capture.sha256
        # The WARC files themselves read cleanly up to their last complete record.
        for warc in {c.warc_file for c in captures}:
            assert any(isinstance(i, WarcResponse) for i in iter_responses(Path(warc)))

        requested_before = list(site.paths_requested())
        result = healthwire("--config", str(config), "crawl", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert _count(engine, Article) == PAGES
        again = site.paths_requested()[len(requested_before):]
        with session_scope(engine, readonly=True) as s:
            done = {u.rsplit("/", 1)[-1] for u in s.scalars(
                select(Article.url).where(Article.id.in_([c.article_id for c in captures
                                                          if c.article_id])))}
        assert not done & {p.lstrip("/") for p in again}, "re-fetched articles already archived"
        engine.dispose()
