"""The README's main job: `healthwire demo` runs the whole pipeline offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.db import make_engine, session_scope
from archive.models import Article, CrawlRun
from archive.sampleworld.server import TRUTH_PATH
from tests.helpers import healthwire

pytestmark = pytest.mark.slow


def test_demo_crawls_the_sample_world_and_can_run_again(tmp_path: Path) -> None:
    import json

    truth = json.loads(TRUTH_PATH.read_text(encoding="utf-8"))
    reachable = [a for a in truth["articles"] if not a["disallowed"]]
    for run in (1, 2):
        result = healthwire("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
        assert result.returncode == 0, result.stderr + result.stdout
        assert "seed-like" in result.stdout
        if run == 2:
            assert "cleared the previous demo archive" in result.stdout
        engine = make_engine(f"sqlite:///{tmp_path / 'demo' / 'healthwire.sqlite3'}")
        with session_scope(engine, readonly=True) as s:
            assert s.scalar(select(func.count()).select_from(Article)) == len(reachable)
            outcomes = set(s.scalars(select(CrawlRun.outcome)))
        engine.dispose()
        assert outcomes == {"finished"}
    stats = healthwire("--config", str(tmp_path / "demo" / "healthwire.toml"), "stats",
                       cwd=tmp_path)
    assert stats.returncode == 0 and "article" in stats.stdout
