"""``healthwire export`` on the crawled sample world and on an empty archive, both backends.

Every kind in every format is read back by its own library (csv, json, pyarrow.parquet,
networkx.read_graphml) and checked against what the archive holds, computed here from the
tables directly. The sample world is shared and read-only: exports go to this test's folder.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import Engine

from archive.cli import app
from archive.db import make_engine
from archive.export.columns import COLUMNS
from archive.linking.params import TRUSTED_DATE_SOURCES
from archive.models import Article, Citation, Link, Outlet, Story
from tests.conftest import ResearchWorld
from tests.helpers import healthwire

pytestmark = pytest.mark.slow

KINDS = ("articles", "links", "stories", "outlets")
TABLE_FORMATS = ("csv", "jsonl", "parquet")
COPY_RELATIONS = {"duplicate", "near_duplicate", "excerpt", "partial_reuse"}
ORIGINALS = ("independent/rectal-cancer-trial", "nytimes/rectal-cancer-trial",
             "npr/rectal-cancer-trial")


# --- reading exports back ------------------------------------------------------------------

def export(rw: ResearchWorld, folder: Path, kind: str, fmt: str, *args: str) -> Path:
    out = folder / f"{kind}-{'-'.join(a.strip('-') for a in args)}.{fmt}"
    result = healthwire("--config", str(rw.config), "export", kind, "--format", fmt,
                        "-o", str(out), *args, cwd=rw.folder)
    assert result.returncode == 0, result.stderr
    assert out.exists() and not Path(str(out) + ".part").exists()
    return out


def _typed(kind: str, row: dict[str, Any], *, from_text: bool) -> dict[str, Any]:
    """A row with every value in one comparable form, whatever format it was read from."""
    out: dict[str, Any] = {}
    for column in COLUMNS[kind]:
        value = row[column.name]
        if value == "" and column.type != "list":
            value = None
        if value is not None and from_text:
            if column.type == "int":
                value = int(value)
            elif column.type == "float":
                value = float(value)
            elif column.type == "bool" and isinstance(value, str):
                value = value == "true"
            elif column.type == "datetime":
                value = datetime.fromisoformat(value)
            elif column.type == "list" and isinstance(value, str):
                value = value.split(";") if value else []
        out[column.name] = value
    return out


def read_table(path: Path, kind: str) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == [c.name for c in COLUMNS[kind]]
            return [_typed(kind, r, from_text=True) for r in reader]
    if path.suffix == ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        return [_typed(kind, json.loads(line), from_text=True) for line in lines]
    table = pq.read_table(path)
    assert table.schema.names == [c.name for c in COLUMNS[kind]]
    return [_typed(kind, r, from_text=False) for r in table.to_pylist()]


# --- what the archive holds, computed here -------------------------------------------------

def _date(published: datetime | None, source: str | None, first_seen: datetime) -> tuple:
    if published is not None and source in TRUSTED_DATE_SOURCES:
        return published, source
    return first_seen, "first-seen"


class Truth:
    """Articles, links, stories and outlet statistics read straight from the tables."""

    def __init__(self, engine: Engine) -> None:
        at, ot, lt, st, ct = (Article.__table__, Outlet.__table__, Link.__table__,
                              Story.__table__, Citation.__table__)
        with engine.connect() as conn:
            self.outlet_names = dict(conn.execute(select(ot.c.id, ot.c.name)).all())
            self.articles = {}
            for r in conn.execute(select(at)):
                date, source = _date(r.published_at, r.published_at_source, r.first_seen_at)
                self.articles[r.id] = {**r._asdict(), "date": date, "date_source": source,
                                       "outlet": self.outlet_names.get(r.outlet_id)}
            self.links = [r._asdict() for r in conn.execute(select(lt))]
            self.stories = {r.id: r._asdict() for r in conn.execute(select(st))}
            self.citations = [r._asdict() for r in conn.execute(select(ct))]
        self.url = {a["url"]: a for a in self.articles.values()}

    def edge(self, link: dict[str, Any]) -> tuple[str, str]:
        """(original, copy): the direction GraphML edges point."""
        return self.articles[link["parent_id"]]["url"], self.articles[link["child_id"]]["url"]

    def in_range(self, aid: int, since: datetime, until: datetime) -> bool:
        return since <= self.articles[aid]["date"] < until

    def copies(self) -> list[dict[str, Any]]:
        """Direct copy links, with the facts outlet statistics are made of."""
        out = []
        for link in self.links:
            if link["relation"] not in COPY_RELATIONS or (link["evidence"] or {}).get(
                    "redundant"):
                continue
            child, parent = self.articles[link["child_id"]], self.articles[link["parent_id"]]
            credited = any(
                c["article_id"] == child["id"]
                and c["kind"] in ("credit", "dateline", "trace", "link", "canonical")
                and (c["target_article_id"] == parent["id"]
                     or (c["outlet_id"] is not None and c["outlet_id"] == parent["outlet_id"]))
                for c in self.citations)
            out.append({"child": child["outlet"], "parent": parent["outlet"],
                        "lag": link["lag_seconds"] / 86400, "credited": credited,
                        "dated": "first-seen" not in (child["date_source"],
                                                      parent["date_source"])})
        return out


@pytest.fixture(scope="module")
def truth(research_world: ResearchWorld) -> Truth:
    engine = make_engine(research_world.url)
    try:
        return Truth(engine)
    finally:
        engine.dispose()


# --- every kind, every format --------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_table_formats_agree_with_each_other_and_the_archive(
        research_world: ResearchWorld, truth: Truth, tmp_path: Path, kind: str) -> None:
    tables = {fmt: read_table(export(research_world, tmp_path, kind, fmt), kind)
              for fmt in TABLE_FORMATS}
    assert tables["csv"] == tables["jsonl"] == tables["parquet"]
    rows = tables["parquet"]
    if kind == "articles":
        assert [r["id"] for r in rows] == sorted(truth.articles)
        for row in rows:
            article = truth.articles[row["id"]]
            assert row["url"] == article["url"] and row["outlet"] == article["outlet"]
            assert row["published_at"] == article["published_at"]
            assert (row["date"], row["date_source"]) == (article["date"], article["date_source"])
            assert row["story_id"] == article["story_id"] and row["title"] == article["title"]
    elif kind == "links":
        assert [r["link_id"] for r in rows] == sorted(lk["id"] for lk in truth.links)
        by_id = {lk["id"]: lk for lk in truth.links}
        for row in rows:
            link = by_id[row["link_id"]]
            assert (row["source_url"], row["url"]) == truth.edge(link)
            assert row["relation"] == link["relation"] and row["jaccard"] == link["jaccard"]
            assert row["lag_days"] == pytest.approx(link["lag_seconds"] / 86400, abs=1e-4)
        seed = {r["source_url"]: r for r in rows if r["url"] == research_world.seed_url}
        for original in ORIGINALS:
            row = seed[research_world.url_of(original)]
            assert row["relation"] == "partial_reuse" and row["copy"] is True
            assert 175 <= row["lag_days"] <= 182
            assert row["published_at"] == datetime(2022, 12, 2, 9, 14, tzinfo=UTC)
    elif kind == "stories":
        assert [r["story_id"] for r in rows] == sorted(truth.stories)
        for row in rows:
            story = truth.stories[row["story_id"]]
            assert row["size"] == story["size"]
            assert row["root_url"] == truth.articles[story["root_article_id"]]["url"]
            members = [a for a in truth.articles.values() if a["story_id"] == story["id"]]
            assert len(members) == story["size"]
            assert row["outlet_count"] == len({a["outlet_id"] for a in members})
        seed_story = truth.url[research_world.seed_url]["story_id"]
        root = next(r for r in rows if r["story_id"] == seed_story)["root_url"]
        assert root == research_world.url_of(research_world.truth["story"]["root"]["id"])
    else:
        check_outlet_rows(rows, truth)


def check_outlet_rows(rows: list[dict[str, Any]], truth: Truth, *, complete: bool = True
                      ) -> None:
    """Every outlet's numbers, recomputed from the links, articles and citations (and, when
    ``complete``, a row for every outlet with articles)."""
    copies = truth.copies()
    by_name = {r["outlet"]: r for r in rows}
    articles = Counter(a["outlet"] for a in truth.articles.values())
    assert not complete or {n for n, c in articles.items() if c} <= set(by_name)
    for name, row in by_name.items():
        made = [c for c in copies if c["child"] == name and c["parent"] != name]
        of_it = [c for c in copies if c["parent"] == name and c["child"] != name]
        assert row["articles"] == articles[name]
        assert row["copies"] == len(made) and row["copied"] == len(of_it)
        assert set(row["copies_from"]) == {c["parent"] for c in made}
        assert set(row["copied_by"]) == {c["child"] for c in of_it}
        lags = [c["lag"] for c in made if c["dated"]]
        assert row["copy_lags_dated"] == len(lags)
        if lags:
            assert row["copy_lag_median_days"] == pytest.approx(statistics.median(lags),
                                                                 abs=1e-3)
            assert row["copy_lag_p90_days"] == pytest.approx(np.percentile(lags, 90), abs=1e-3)
        else:
            assert row["copy_lag_median_days"] is None
        if made:
            credited = sum(c["credited"] for c in made) / len(made)
            assert row["credit_share"] == pytest.approx(credited, abs=1e-3)
    if complete:
        aggregator = by_name["Health News Digest"]
        assert aggregator["copies"] >= 3 and 175 <= aggregator["copy_lag_median_days"] <= 182


@pytest.mark.parametrize("kind", KINDS)
def test_graphml_reads_back_in_networkx(research_world: ResearchWorld, truth: Truth,
                                        tmp_path: Path, kind: str) -> None:
    graph = nx.read_graphml(export(research_world, tmp_path, kind, "graphml"))
    assert graph.is_directed()
    edges = {truth.edge(lk) for lk in truth.links}
    if kind == "articles":
        assert set(graph.nodes) == set(truth.url)
        assert set(graph.edges) == edges and graph.number_of_edges() == len(truth.links)
    elif kind == "links":
        assert set(graph.edges) == edges
        assert set(graph.nodes) == {u for e in edges for u in e}
    elif kind == "stories":
        members = {a["url"] for a in truth.articles.values() if a["story_id"] is not None}
        assert set(graph.nodes) == members
        for node, data in graph.nodes(data=True):
            assert data["story_id"] == truth.url[node]["story_id"]
            assert data["story_size"] == truth.stories[data["story_id"]]["size"]
        assert all(d["relation"] != "shares_quotes" for *_, d in graph.edges(data=True))
        roots = {n for n, d in graph.nodes(data=True) if d["story_root"]}
        assert roots == {truth.articles[s["root_article_id"]]["url"]
                         for s in truth.stories.values()}
    else:
        pairs = Counter((c["parent"], c["child"]) for c in truth.copies()
                        if c["parent"] != c["child"])
        weights = {(u, v): d["weight"] for u, v, d in graph.edges(data=True)}
        assert weights == {pair: float(n) for pair, n in pairs.items()}
        assert all(graph.nodes[n]["label"] == n for n in graph.nodes)
        return
    seed = research_world.seed_url
    for original in ORIGINALS:
        data = graph.edges[research_world.url_of(original), seed]
        assert data["relation"] == "partial_reuse" and 175 <= data["lag_days"] <= 182
        assert isinstance(data["jaccard"], float) and isinstance(data["copy"], bool)
    node = graph.nodes[seed]
    article = truth.url[seed]
    assert node["outlet"] == article["outlet"] and node["article_id"] == article["id"]
    assert node["published_at"].startswith("2022-12-02")
    assert node["date_source"] == article["date_source"]
    if article["canonical_url"] is None:
        assert "canonical_url" not in node  # missing values are omitted, not written empty


def test_text_formats_stream_to_standard_output(research_world: ResearchWorld, truth: Truth
                                                ) -> None:
    for fmt in ("jsonl", "graphml"):
        result = healthwire("--config", str(research_world.config), "export", "links",
                            "--format", fmt, cwd=research_world.folder)
        assert result.returncode == 0, result.stderr
        if fmt == "jsonl":
            assert len(result.stdout.splitlines()) == len(truth.links)
        else:
            graph = nx.parse_graphml(result.stdout)
            assert set(graph.edges) == {truth.edge(lk) for lk in truth.links}


# --- filters -------------------------------------------------------------------------------

SINCE, UNTIL = "2022-06-01", "2022-06-30"
START, END = datetime(2022, 6, 1, tzinfo=UTC), datetime(2022, 7, 1, tzinfo=UTC)


def test_date_filters_narrow_every_kind(research_world: ResearchWorld, truth: Truth,
                                        tmp_path: Path) -> None:
    args = ("--since", SINCE, "--until", UNTIL)
    rw = research_world

    def ids(kind: str, key: str) -> list[Any]:
        return [r[key] for r in read_table(export(rw, tmp_path, kind, "jsonl", *args), kind)]

    want = sorted(a for a in truth.articles if truth.in_range(a, START, END))
    assert want and len(want) < len(truth.articles)
    assert ids("articles", "id") == want
    links = sorted(lk["id"] for lk in truth.links if truth.in_range(lk["child_id"], START, END))
    assert ids("links", "link_id") == links
    stories = sorted({truth.articles[a]["story_id"] for a in want} - {None})
    assert ids("stories", "story_id") == stories
    outlets = {r["outlet"]: r for r in read_table(export(rw, tmp_path, "outlets", "csv", *args),
                                                  "outlets")}
    in_range = Counter(truth.articles[a]["outlet"] for a in want)
    assert all(outlets[name]["articles"] == n for name, n in in_range.items())
    graph = nx.read_graphml(export(rw, tmp_path, "articles", "graphml", *args))
    assert set(graph.nodes) == {truth.articles[a]["url"] for a in want}
    assert set(graph.edges) == {truth.edge(lk) for lk in truth.links
                                if {lk["child_id"], lk["parent_id"]} <= set(want)}


def test_outlet_filter_narrows_every_kind(research_world: ResearchWorld, truth: Truth,
                                          tmp_path: Path) -> None:
    rw = research_world
    oid = next(i for i, n in truth.outlet_names.items() if n == "NPR")
    args = ("--outlet", "npr")  # any case
    mine = sorted(a["id"] for a in truth.articles.values() if a["outlet_id"] == oid)
    rows = read_table(export(rw, tmp_path, "articles", "parquet", *args), "articles")
    assert [r["id"] for r in rows] == mine and mine
    links = sorted(lk["id"] for lk in truth.links if oid in (
        truth.articles[lk["child_id"]]["outlet_id"], truth.articles[lk["parent_id"]]["outlet_id"]))
    rows = read_table(export(rw, tmp_path, "links", "csv", *args), "links")
    assert [r["link_id"] for r in rows] == links
    stories = sorted({truth.articles[a]["story_id"] for a in mine} - {None})
    rows = read_table(export(rw, tmp_path, "stories", "jsonl", *args), "stories")
    assert [r["story_id"] for r in rows] == stories
    rows = read_table(export(rw, tmp_path, "outlets", "jsonl", *args), "outlets")
    assert [r["outlet"] for r in rows] == ["NPR"]
    check_outlet_rows(rows, truth, complete=False)
    graph = nx.read_graphml(export(rw, tmp_path, "outlets", "graphml", *args))
    assert graph.number_of_edges() and all("NPR" in e for e in graph.edges)
    partners = defaultdict(int)
    for c in truth.copies():
        if "NPR" in (c["parent"], c["child"]) and c["parent"] != c["child"]:
            partners[(c["parent"], c["child"])] += 1
    assert {(u, v): d["copies"] for u, v, d in graph.edges(data=True)} == dict(partners)


# --- an empty archive ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ("csv", "jsonl", "parquet", "graphml"))
def test_empty_archive_gives_valid_empty_files(engine: Engine, tmp_path: Path, fmt: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.chdir(tmp_path)  # in-process (CliRunner): sixteen child processes add nothing
    for kind in KINDS:
        out = tmp_path / f"{kind}.{fmt}"
        result = CliRunner().invoke(app, ["--db", url, "export", kind, "--format", fmt,
                                          "-o", str(out)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        names = [c.name for c in COLUMNS[kind]]
        if fmt == "csv":
            assert out.read_text(encoding="utf-8").splitlines() == [",".join(names)]
        elif fmt == "jsonl":
            assert out.read_text(encoding="utf-8") == ""
        elif fmt == "parquet":
            table = pq.read_table(out)
            assert table.num_rows == 0 and table.schema.names == names
            if kind == "links":
                assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"
                assert str(table.schema.field("lag_days").type) == "double"
        else:
            graph = nx.read_graphml(out)
            assert graph.is_directed() and graph.number_of_nodes() == 0


# --- bad inputs ----------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("--outlet", "Nonexistent Gazette"), "no outlet named"),
    (("--since", "2022-13-45"), "--since '2022-13-45' is not a date"),
    (("--since", "2022-07-01", "--until", "2022-06-01"), "is not after --since"),
    (("--format", "parquet"), "parquet cannot be written to standard output"),
    (("-o", "{tmp}/missing/out.csv"), "does not exist"),
    (("-o", "{tmp}"), "it is a folder"),
    (("-o", "{tmp}/" + "x" * 300 + ".csv"), "cannot write the export"),
])
def test_bad_inputs_are_clear_errors(research_world: ResearchWorld, tmp_path: Path,
                                     args: tuple[str, ...], message: str) -> None:
    existing = tmp_path / "links.jsonl"
    existing.write_text("an earlier export\n")
    args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
    if "-o" not in args and "--format" not in args:
        args = (*args, "-o", str(existing))
    result = healthwire("--config", str(research_world.config), "export", "links", *args,
                        cwd=research_world.folder)
    assert result.returncode == 1, result.stderr
    assert message in " ".join(result.stderr.split()), result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr
    assert existing.read_text() == "an earlier export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["links.jsonl"]
    assert result.stdout == ""
