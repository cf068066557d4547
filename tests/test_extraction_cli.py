"""`healthwire extract`: human and JSON output, and a clean failure on a missing file."""

import json
from pathlib import Path

from tests.helpers import healthwire

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
URL = "https://dailyhealthwire.example/health/first-time-history-cancer-remission/"


def test_json_output(tmp_path: Path) -> None:
    result = healthwire("extract", str(FIXTURES / "aggregator-repost.html"), "--url", URL,
                        "--json", "--fetched-at", "2022-12-02T12:00:00+00:00", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["published_at"] == "2022-12-02T08:30:12+00:00"
    assert data["published_at_source"] == "time-tag"
    assert {c["outlet"] for c in data["credits"]} >= {"The Independent", "The New York Times",
                                                       "NPR", "Slate"}
    assert data["canonical_url"] == URL
    for key in ("title", "text", "authors", "language", "links", "credits"):
        assert key in data


def test_human_output_shows_fields_credits_quotes_references(tmp_path: Path) -> None:
    result = healthwire("extract", str(FIXTURES / "aggregator-repost.html"), "--url", URL,
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for expected in ("published_at", "2022-12-02", "The Independent", "The New York Times", "NPR",
                     "trace", "restraint", "NEJM", "2022-06-05"):
        assert expected in result.stdout


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = healthwire("extract", "/nonexistent/page.html", "--url", URL, cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot read /nonexistent/page.html" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = healthwire("extract", str(tmp_path), "--url", URL, cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot read" in result.stderr


def test_missing_url_is_a_usage_error(tmp_path: Path) -> None:
    result = healthwire("extract", str(FIXTURES / "aggregator-repost.html"), cwd=tmp_path)
    assert result.returncode == 2 and "--url" in result.stderr
