"""`healthwire extract`: human and JSON output, and a clean failure on a missing file."""

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from archive.cli_extract import extract

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
URL = "https://dailyhealthwire.example/health/first-time-history-cancer-remission/"


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("extract")(extract)

    @app.command("noop")
    def noop() -> None:  # a second command keeps "extract" a named subcommand
        """Unused."""

    return app


def test_json_output() -> None:
    result = CliRunner().invoke(
        _app(),
        ["extract", str(FIXTURES / "aggregator-repost.html"), "--url", URL, "--json",
         "--fetched-at", "2022-12-02T12:00:00+00:00"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["published_at"] == "2022-12-02T08:30:12+00:00"
    assert data["published_at_source"] == "time-tag"
    assert {c["outlet"] for c in data["credits"]} >= {"The Independent", "The New York Times",
                                                       "NPR", "Slate"}
    assert data["canonical_url"] == URL


def test_human_output_shows_fields_credits_quotes_references() -> None:
    result = CliRunner().invoke(
        _app(), ["extract", str(FIXTURES / "aggregator-repost.html"), "--url", URL]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in ("published_at", "2022-12-02", "The Independent", "The New York Times", "NPR",
                     "trace", "restraint", "NEJM", "2022-06-05"):
        assert expected in out


def test_missing_file_is_a_clear_error() -> None:
    result = CliRunner().invoke(_app(), ["extract", "/nonexistent/page.html", "--url", URL])
    assert result.exit_code == 1
    assert "cannot read /nonexistent/page.html" in result.stderr
    assert "Traceback" not in result.output


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["extract", str(tmp_path), "--url", URL])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr
