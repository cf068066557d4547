"""chain, origin, stories and export, through the CLI (click's CliRunner) on a small archive."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from archive.cli import app
from archive.cli_link import COMMANDS
from archive.linking import link_new
from tests.linkhelpers import World, join, link_engine, prose, quote

__all__ = ["link_engine"]

for _name, _command in COMMANDS.items():
    if _name not in app.commands:
        app.add_command(_command, _name)


@pytest.fixture
def seeded(link_engine: Engine) -> tuple[Engine, dict[str, str]]:
    """A seed-like story: two reports, a rewrite of both that also credits an unarchived
    outlet, a verbatim repost of the rewrite, and an unrelated article."""
    world = World(link_engine)
    q1, q2 = quote(1), quote(2)
    urls = {
        "indy": "https://independent.example/health/a",
        "nyt": "https://nyt.example/2022/06/06/b",
        "seed": "https://aggregator.example/seed",
        "repost": "https://portal.example/repost",
        "other": "https://other.example/x",
    }
    world.article(urls["indy"], join(prose(1, 4) + [f"The doctor said {q1} in June."]),
                  "The Independent", days=0, title="Indy report")
    world.article(urls["nyt"], join(prose(2, 4) + [f"The researcher added {q2} later."]),
                  "New York Times", days=1, title="NYT report")
    seed_text = join(prose(3, 4) + [f"As reported by The Independent, {q1}."]
                     + [f"She told the New York Times: {q2}."])
    world.article(urls["seed"], seed_text, "Aggregator", days=180, title="Seed page",
                  credits=("The Independent", "New York Times", "NPR"))
    world.article(urls["repost"], seed_text, "Portal", days=181, title="Repost")
    world.article(urls["other"], join(prose(9, 5)), "Other", days=3)
    link_new(link_engine)
    return link_engine, urls


def run(engine: Engine, *args: str) -> str:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["--db", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_chain_json_tree(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, urls = seeded
    data = json.loads(run(engine, "chain", urls["seed"], "--json"))
    parents = {p["url"]: p for p in data["parents"]}
    assert set(parents) == {urls["indy"], urls["nyt"]}
    indy = parents[urls["indy"]]
    assert indy["link"]["relation"] == "partial_reuse"
    assert indy["link"]["lag_days"] == pytest.approx(180.0)
    assert indy["outlet"] == "The Independent" and indy["published_at_source"] == "jsonld"
    assert data["unarchived_credits"] == ["NPR"]
    assert [c["url"] for c in data["children"]] == [urls["repost"]]
    assert data["story"]["size"] == 4


def test_chain_human_output(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, urls = seeded
    out = run(engine, "chain", urls["repost"])
    assert "derives from" in out and "Aggregator" in out and "The Independent" in out
    assert "NPR" in out


def test_origin(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, urls = seeded
    data = json.loads(run(engine, "origin", urls["repost"], "--json"))
    assert [r["url"] for r in data["roots"]] == [urls["indy"], urls["nyt"]]
    credited = {a["outlet"]: a["archived"] for a in data["attributed_origins"]}
    assert credited == {"The Independent": True, "New York Times": True, "NPR": False}
    assert data["lag_days_from_roots"][0] == pytest.approx(181.0, abs=0.1)
    root = json.loads(run(engine, "origin", urls["indy"], "--json"))
    assert root["is_root"] and root["roots"][0]["url"] == urls["indy"]
    assert "earliest" in run(engine, "origin", urls["indy"])


def test_unknown_url_is_a_clear_error(seeded: tuple[Engine, dict[str, str]]) -> None:
    from archive.cli import main

    engine, _ = seeded
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "chain", "https://nowhere.example/x"]) == 1


def test_stories(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, urls = seeded
    rows = json.loads(run(engine, "stories", "--json"))
    assert len(rows) == 1
    assert rows[0]["size"] == 4 and rows[0]["root_url"] == urls["indy"]
    assert rows[0]["attributed_origin"] in ("The Independent", "New York Times", "NPR")
    assert json.loads(run(engine, "stories", "--min-size", "5", "--json")) == []
    assert json.loads(run(engine, "stories", "--since", "2030-01-01", "--json")) == []
    assert "Independe" in run(engine, "stories")  # the root's outlet, maybe cut by Rich


def test_export_links_and_articles(seeded: tuple[Engine, dict[str, str]], tmp_path: Path) -> None:
    engine, urls = seeded
    lines = [json.loads(x) for x in run(engine, "export", "links", "--format",
                                         "jsonl").splitlines()]
    required = {"url", "source_url", "relation", "jaccard", "containment", "published_at",
                "source_published_at", "lag_days", "story_id"}
    assert lines and all(required <= set(x) for x in lines)
    edge = next(x for x in lines if x["url"] == urls["seed"] and x["source_url"] == urls["nyt"])
    assert edge["lag_days"] == pytest.approx(179.0) and edge["relation"] == "partial_reuse"
    out = tmp_path / "articles.csv"
    run(engine, "export", "articles", "--format", "csv", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 5
    assert {"url", "canonical_url", "outlet", "title", "published_at", "published_at_source",
            "first_seen_at", "authors", "language", "story_id"} <= set(rows[0])
    stories = run(engine, "export", "stories", "--format", "jsonl")
    assert json.loads(stories.splitlines()[0])["size"] == 4


def test_link_command(link_engine: Engine) -> None:
    world = World(link_engine)
    text = join(prose(5, 6))
    world.article("https://a.example/1", text, "A", days=0)
    world.article("https://b.example/2", text, "B", days=2)
    report = json.loads(run(link_engine, "link", "--json"))
    assert report["links_written"] == 1 and report["relations"] == {"duplicate": 1}
    report = json.loads(run(link_engine, "link", "--rebuild", "--json"))
    assert report["mode"] == "rebuild" and report["links_written"] == 1
    assert "Linked 0 articles" in run(link_engine, "link")
