"""The command line as a user meets it: real processes, real exit codes, real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `healthwire ARGS` as a child process, the way a user's shell would."""
    full_env = {**os.environ, "COLUMNS": "120", **(env or {})}
    full_env.pop("HEALTHWIRE_DATABASE_URL", None)
    if env and "HEALTHWIRE_DATABASE_URL" in env:
        full_env["HEALTHWIRE_DATABASE_URL"] = env["HEALTHWIRE_DATABASE_URL"]
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120,
    )


def test_init_then_stats(database_url: str, tmp_path: Path) -> None:
    created = run("--db", database_url, "init", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "Created the archive" in created.stdout
    again = run("--db", database_url, "init", cwd=tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout

    stats = run("--db", database_url, "stats", "--json", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    report = json.loads(stats.stdout)
    assert report["schema_revision"]
    assert report["rows"]["article"] == 0 and report["rows"]["link"] == 0
    assert set(report["rows"]) >= {"outlet", "source", "crawl_run", "capture", "article",
                                    "article_version", "citation", "link", "story"}
    human = run("--db", database_url, "stats", cwd=tmp_path)
    assert human.returncode == 0 and "article_version" in human.stdout


def test_default_database_comes_from_config(tmp_path: Path) -> None:
    """No --db: the config's SQLite file, relative to the working directory."""
    result = run("--config", str(REPO / "config" / "healthwire.toml"), "init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "healthwire.sqlite3").exists()
    assert (tmp_path / "data" / "warc").is_dir()


def test_environment_variable_selects_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite3'}"
    result = run("init", cwd=tmp_path, env={"HEALTHWIRE_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.sqlite3").exists()


def test_version_and_help(tmp_path: Path) -> None:
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0 and "healthwire" in version.stdout
    helped = run("--help", cwd=tmp_path)
    assert helped.returncode == 0
    for command in ("init", "stats"):
        assert command in helped.stdout


@pytest.mark.parametrize(
    "args",
    [("--no-such-option",), ("no-such-command",), ("stats", "--bogus")],
)
def test_usage_mistakes_exit_2_without_traceback(args: tuple[str, ...], tmp_path: Path) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Usage:" in result.stderr or "Error" in result.stderr


def test_stats_on_missing_archive_says_run_init(tmp_path: Path) -> None:
    result = run("--db", f"sqlite:///{tmp_path / 'none.sqlite3'}", "stats", cwd=tmp_path)
    assert result.returncode == 1
    assert "no archive" in result.stderr and "healthwire init" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "none.sqlite3").exists()


def test_bad_config_exits_1_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[crawl]\nobey_robots_txt = "maybe"\n', encoding="utf-8")
    result = run("--config", str(bad), "init", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{bad}:2" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_a_clear_failure(tmp_path: Path) -> None:
    result = run("--db", "postgresql://nobody@127.0.0.1:1/none", "stats", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_unsupported_backend(tmp_path: Path) -> None:
    result = run("--db", "mysql://x/y", "init", cwd=tmp_path)
    assert result.returncode == 1 and "not supported" in result.stderr
