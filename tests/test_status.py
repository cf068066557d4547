"""``healthwire status``: what an operator sees, from real runs recorded in a real archive."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.daemon.schedule import make_trigger
from tests.helpers import Route, ScriptedSite, article_html, filler
from tests.test_daemon import cli, make_config

pytestmark = pytest.mark.slow


def test_status_shows_schedules_last_and_next_runs_and_failures(database_url: str,
                                                                tmp_path: Path) -> None:
    routes = {"/a": Route(body=article_html("Fine", filler("fine things"))),
              "/hang": Route(body=b"late", delay=120)}
    with ScriptedSite(routes) as site:
        config = make_config(tmp_path / "c.toml", database_url, [
            {"name": "fine", "outlet": "Fine", "kind": "urls", "urls": [site.url("/a")],
             "schedule": "*/30 * * * *"},
            {"name": "stuck", "outlet": "Stuck", "kind": "urls", "urls": [site.url("/hang")],
             "schedule": "0 6 * * 1"},
            {"name": "later", "outlet": "Later", "kind": "urls", "urls": [site.url("/a")],
             "schedule": "0 0 1 1 *"},
            {"name": "off", "outlet": "Off", "kind": "urls", "urls": [site.url("/a")],
             "schedule": "0 0 * * *", "enabled": False},
        ], download_timeout=100.0)
        assert cli("--config", str(config), "init", cwd=tmp_path).returncode == 0
        crawled = cli("--config", str(config), "crawl", "fine", cwd=tmp_path, unit="minute")
        assert crawled.returncode == 0, crawled.stdout + crawled.stderr
        crawled = cli("--config", str(config), "crawl", "stuck", "--time-limit", "3",
                      cwd=tmp_path, unit="minute")
        assert crawled.returncode == 1  # it timed out
        now = datetime.now(UTC)
        result = cli("--config", str(config), "status", "--json", cwd=tmp_path, unit="minute")
        assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["daemon_running"] is False
    by_name = {s["name"]: s for s in report["sources"]}
    assert list(by_name) == ["fine", "stuck", "later", "off"]

    fine = by_name["fine"]
    assert fine["schedule"] == "*/30 * * * *" and fine["enabled"]
    assert fine["last_run"]["outcome"] == "finished"
    assert fine["last_run"]["pages"] >= 1 and fine["last_run"]["new_articles"] == 1
    assert fine["last_run"]["duration_seconds"] > 0
    assert fine["failures_in_a_row"] == 0 and fine["last_success"] is not None
    expected = make_trigger("*/30 * * * *", "UTC").get_next_fire_time(None, now)
    assert datetime.fromisoformat(fine["next_run"]) == expected
    assert fine["overdue"] is False

    stuck = by_name["stuck"]
    assert stuck["last_run"]["outcome"] == "timeout"
    assert "time limit" in stuck["last_run"]["error"]
    assert stuck["failures_in_a_row"] == 1 and stuck["last_success"] is None
    assert datetime.fromisoformat(stuck["next_run"]).strftime("%A %H:%M") == "Monday 06:00"

    assert by_name["later"]["last_run"] is None and by_name["later"]["overdue"] is True
    assert by_name["off"]["next_run"] is None and by_name["off"]["overdue"] is False

    human = cli("--config", str(config), "status", cwd=tmp_path, unit="minute")
    assert human.returncode == 0, human.stderr
    out = human.stdout
    assert "daemon: not running" in out
    for text in ("fine", "finished", "stuck", "timeout", "never", "(overdue)", "(disabled)",
                 "time limit"):
        assert text in out, (text, out)


def test_status_without_an_archive_says_so(tmp_path: Path) -> None:
    config = make_config(tmp_path / "c.toml", f"sqlite:///{tmp_path / 'none.sqlite3'}", [])
    result = cli("--config", str(config), "status", cwd=tmp_path)
    assert result.returncode == 1
    assert "no archive" in result.stderr and "healthwire init" in result.stderr
    assert not (tmp_path / "none.sqlite3").exists()
