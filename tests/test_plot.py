"""``healthwire plot lag`` and ``plot chain``: real images, and the data behind them checked
against the archive.

The CLI runs as a child process on the crawled sample world (both backends); the images are
read back (PNG signature, decoded pixels that are not all background), and the ``--json``
data is compared with :func:`archive.copies.copy_links` and the database. Drawing edge cases
(zero, negative and multi-year lags; one-day stories; undated articles) run in process.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from archive.copies import copy_links
from archive.db import make_engine
from archive.filters import Filters
from archive.models import Article, Link, Outlet
from tests.conftest import ResearchWorld
from tests.helpers import healthwire

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_real_png(path: Path) -> None:
    """A complete PNG of a drawn figure: signature, decodable, a sensible size, and enough
    ink (non-white pixels), some of it coloured (bars, arrows), to be a picture."""
    from matplotlib.image import imread

    raw = path.read_bytes()
    assert raw[:8] == PNG_SIGNATURE
    assert len(raw) > 10_000
    pixels = imread(path)
    height, width = pixels.shape[:2]
    assert height >= 300 and width >= 800
    rgb = pixels[..., :3]
    ink = ~(rgb > 0.97).all(axis=-1)
    assert ink.mean() > 0.02
    coloured = (rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.25
    assert coloured.sum() > 100


def run(rw: ResearchWorld, *args: str, cwd: Path | None = None) -> Any:
    return healthwire("--config", str(rw.config), "plot", *args, cwd=cwd or rw.folder)


def dated_copies(rw: ResearchWorld, filters: Filters | None = None) -> tuple[list, int]:
    engine = make_engine(rw.url)
    try:
        with engine.connect() as conn:
            links = list(copy_links(conn, filters))
    finally:
        engine.dispose()
    dated = [c for c in links if c.dated]
    return dated, len(links) - len(dated)


def test_lag_plot_shows_every_dated_copy(research_world: ResearchWorld, tmp_path: Path) -> None:
    out = tmp_path / "lag.png"
    result = run(research_world, "lag", "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert_real_png(out)
    assert [p.name for p in tmp_path.iterdir()] == ["lag.png"]  # no temporary file left
    dated, undated = dated_copies(research_world)
    assert data["n"] == len(dated) >= 8
    assert data["undated"] == undated >= 1
    assert sorted(c["link_id"] for c in data["copies"]) == sorted(c.link_id for c in dated)
    lags = sorted(c.lag_days for c in dated)
    assert sorted(c["lag_days"] for c in data["copies"]) == pytest.approx(lags, abs=1e-5)
    assert data["median_days"] == pytest.approx(float(np.median(lags)), abs=1e-5)
    assert data["p90_days"] == pytest.approx(float(np.percentile(lags, 90)), abs=1e-5)
    assert data["bytes"] == out.stat().st_size
    # The seed page's three reports, about half a year late.
    seed_lags = [c["lag_days"] for c in data["copies"]
                 if c["child_outlet"] == "Health News Digest"
                 and c["parent_outlet"] in ("The New York Times", "NPR", "The Independent")
                 and c["lag_days"] > 170]
    assert len(seed_lags) == 3 and all(178 <= lag <= 180 for lag in seed_lags)


def test_lag_plot_default_name_and_summary(research_world: ResearchWorld,
                                           tmp_path: Path) -> None:
    result = run(research_world, "lag", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_real_png(tmp_path / "lag.png")
    dated, undated = dated_copies(research_world)
    assert "lag.png" in result.stdout
    assert f"{len(dated)} dated copies" in result.stdout
    assert f"{undated} undated left out" in result.stdout


def test_lag_plot_by_outlet(research_world: ResearchWorld, tmp_path: Path) -> None:
    out = tmp_path / "by-outlet.png"
    result = run(research_world, "lag", "--by-outlet", "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert_real_png(out)
    data = json.loads(result.stdout)
    rows = data["by_outlet"]
    assert [r["median_days"] for r in rows] == sorted(r["median_days"] for r in rows)
    dated, _ = dated_copies(research_world)
    expected: dict[str, list[float]] = {}
    for c in dated:
        expected.setdefault(c.child_outlet, []).append(c.lag_days)
    assert {r["outlet"]: r["n"] for r in rows} == {k: len(v) for k, v in expected.items()}
    for r in rows:
        assert r["median_days"] == pytest.approx(float(np.median(expected[r["outlet"]])),
                                                 abs=1e-5)
    assert {"Health News Digest", "Wirefeed", "MedSummary"} <= set(expected)
    assert data["outlets_drawn"] == [r["outlet"] for r in rows]  # all, under --max-outlets
    # `outlets` reads the same copies: its per-copier figures match the plot's rows.
    outlets = healthwire("--config", str(research_world.config), "outlets", "--json",
                         cwd=research_world.folder)
    assert outlets.returncode == 0, outlets.stderr
    table = {o["outlet"]: o for o in json.loads(outlets.stdout)}
    for r in rows:
        assert table[r["outlet"]]["copy_lags_dated"] == r["n"]
        assert table[r["outlet"]]["copy_lag_median_days"] == pytest.approx(r["median_days"],
                                                                         abs=1e-3)
        assert table[r["outlet"]]["copy_lag_p90_days"] == pytest.approx(r["p90_days"],
                                                                      abs=1e-3)


@pytest.mark.parametrize("args", [("--outlet", "npr"),
                                  ("--since", "2022-09-01", "--until", "2022-12-31"),
                                  ("--outlet", "Health News Digest", "--until", "2022-11-30")])
def test_lag_plot_filters(research_world: ResearchWorld, tmp_path: Path,
                          args: tuple[str, ...]) -> None:
    out = tmp_path / "lag.png"
    result = run(research_world, "lag", *args, "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert_real_png(out)
    data = json.loads(result.stdout)
    options = dict(zip(args[::2], args[1::2], strict=True))
    filters = Filters.parse(options.get("--since"), options.get("--until"),
                            options.get("--outlet"))
    dated, undated = dated_copies(research_world, filters)
    everything, _ = dated_copies(research_world)
    assert 0 < len(dated) < len(everything)
    assert sorted(c["link_id"] for c in data["copies"]) == sorted(c.link_id for c in dated)
    assert data["undated"] == undated
    assert data["filters"] == filters.as_dict()


def test_lag_plot_with_nothing_matching(research_world: ResearchWorld, tmp_path: Path) -> None:
    out = tmp_path / "lag.png"
    result = run(research_world, "lag", "--since", "2030-01-01", "-o", str(out))
    assert result.returncode == 1
    assert "no copies match the filters" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    unknown = run(research_world, "lag", "--outlet", "Daily Nowhere", "-o", str(out))
    assert unknown.returncode == 1 and "no outlet named 'Daily Nowhere'" in unknown.stderr
    assert not out.exists()


def test_chain_plot_of_the_seed_story(research_world: ResearchWorld, tmp_path: Path) -> None:
    rw = research_world
    out = tmp_path / "seed.png"
    result = run(rw, "chain", rw.seed_url, "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert_real_png(out)
    data = json.loads(result.stdout)
    by_id = {a["id"]: a for a in data["articles"]}
    seed = next(a for a in data["articles"] if a["highlighted"])
    assert seed["url"] == rw.seed_url and seed["outlet"] == "Health News Digest"
    assert [a for a in data["articles"] if a["highlighted"]] == [seed]
    # The whole story: the seed, its three reports and the translated middle hop.
    members = {rw.url_of(m) for m in rw.truth["story"]["members"]}
    assert {a["url"] for a in data["articles"]} == members
    assert set(data["outlets"]) == {"Health News Digest", "The New York Times", "NPR",
                                    "The Independent", "Slate.fr"}
    assert data["outlets"][0] == "The New York Times"  # rows in order of first appearance
    into_seed = {by_id[e["parent_id"]]["outlet"]: e for e in data["links"]
                 if e["child_id"] == seed["id"]}
    assert set(into_seed) == {"The New York Times", "NPR", "The Independent", "Slate.fr"}
    for outlet, edge in into_seed.items():
        if outlet == "Slate.fr":  # the translation, linked by its newsletter trace
            assert edge["relation"] == "cites" and 175 <= edge["lag_days"] <= 177
        else:
            assert edge["relation"] == "partial_reuse" and 178 <= edge["lag_days"] <= 180
    engine = make_engine(rw.url)
    try:
        with engine.connect() as conn:
            ids = list(by_id)
            stored = conn.execute(select(Link.parent_id, Link.child_id).where(
                Link.parent_id.in_(ids), Link.child_id.in_(ids))).all()
    finally:
        engine.dispose()
    assert sorted((e["parent_id"], e["child_id"]) for e in data["links"]) == sorted(
        (int(p), int(c)) for p, c in stored)


def test_chain_plot_default_name(research_world: ResearchWorld, tmp_path: Path) -> None:
    result = run(research_world, "chain", research_world.seed_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_real_png(tmp_path / "chain.png")
    assert "chain.png" in result.stdout and "5 articles from 5 outlets" in result.stdout


def test_chain_plot_of_a_lone_article(research_world: ResearchWorld, tmp_path: Path) -> None:
    engine = make_engine(research_world.url)
    try:
        with engine.connect() as conn:
            linked = select(Link.child_id).union(select(Link.parent_id))
            url = conn.execute(select(Article.url).where(
                Article.id.not_in(linked), Article.story_id.is_(None))
                .order_by(Article.id).limit(1)).scalar_one()
    finally:
        engine.dispose()
    out = tmp_path / "chain.png"
    result = run(research_world, "chain", url, "-o", str(out))
    assert result.returncode == 1
    assert "nothing to plot" in result.stderr and "hint:" in result.stderr
    assert not out.exists()
    unknown = run(research_world, "chain", "http://127.0.0.1:9/not-archived", "-o", str(out))
    assert unknown.returncode == 1
    assert "no archived article at http://127.0.0.1:9/not-archived" in unknown.stderr
    assert not out.exists()


def test_plots_on_an_empty_archive(engine: Any, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    work = tmp_path / "work"  # apart from the SQLite archive, which lives in tmp_path
    work.mkdir()
    lag = healthwire("--db", url, "plot", "lag", cwd=work)
    assert lag.returncode == 1
    assert "no copies to plot" in lag.stderr and "healthwire link" in lag.stderr
    chain = healthwire("--db", url, "plot", "chain", "http://example.org/a", cwd=work)
    assert chain.returncode == 1 and "no archived article at" in chain.stderr
    assert "Traceback" not in lag.stderr + chain.stderr
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (("lag", "--since", "last tuesday"), "--since 'last tuesday' is not a date"),
    (("lag", "--since", "2022-06-05", "--until", "2022-01-01"), "is not after --since"),
    (("lag", "-o", "lag.jpg"), "unknown image type '.jpg'"),
    (("lag", "-o", "missing/lag.png"), "no folder missing"),
    (("chain", "http://example.org/a", "-o", "chain"), "unknown image type '(no suffix)'"),
])
def test_bad_options_fail_before_opening_the_archive(tmp_path: Path, args: tuple[str, ...],
                                                     message: str) -> None:
    missing = f"sqlite:///{tmp_path / 'nothing-here.sqlite3'}"
    result = healthwire("--db", missing, "plot", *args, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []  # neither an image nor an empty database


# Drawing, in process: awkward data that the sample world does not have.

def _lag_data(lags: list[float], outlets: list[str] | None = None, undated: int = 0) -> Any:
    from archive.plots.data import LagData, LagPoint

    outlets = outlets or ["Wire"] * len(lags)
    points = [LagPoint(i, 100 + i, 200 + i, outlet, "Origin", "duplicate", lag)
              for i, (lag, outlet) in enumerate(zip(lags, outlets, strict=True))]
    return LagData(Filters(), points, undated)


@pytest.mark.parametrize("lags", [
    [0.0, 0.0, 0.0],
    [-0.0005, 0.0001, 0.01, 0.3, 2.0, 40.0, 400.0, 4000.0],
    [179.6],
])
@pytest.mark.parametrize("by_outlet", [False, True])
def test_draw_lags_edge_cases(tmp_path: Path, lags: list[float], by_outlet: bool) -> None:
    from archive.plots.draw import draw_lags, save_figure

    outlets = [f"Outlet {i % 3}" for i in range(len(lags))]
    data = _lag_data(lags, outlets, undated=2)
    path = tmp_path / "lag.png"
    assert save_figure(draw_lags(data, by_outlet=by_outlet), path) == path.stat().st_size
    assert_real_png(path)


def test_by_outlet_rows_keep_the_outlets_with_most_copies(tmp_path: Path) -> None:
    from archive.plots.draw import draw_lags, save_figure

    data = _lag_data([5.0, 6.0, 7.0, 0.5, 0.6, 100.0, 0.01],
                     ["Slow", "Slow", "Slow", "Fast", "Fast", "Once", "Quick once"])
    rows, left_out = data.outlet_rows(2)
    assert [r.outlet for r in rows] == ["Fast", "Slow"] and left_out == 2
    assert [r.outlet for r in data.outlet_rows(None)[0]] == ["Quick once", "Fast", "Slow",
                                                             "Once"]
    assert data.outlet_rows(4) == (data.by_outlet(), 0)
    path = tmp_path / "rows.png"
    save_figure(draw_lags(data, by_outlet=True, max_outlets=2), path)
    assert_real_png(path)


def test_lag_bins_give_sub_hour_lags_a_bin_of_their_own() -> None:
    from archive.plots.draw import LINEAR_BELOW_DAYS, lag_bins

    edges = lag_bins([0.0, 0.001, 3.0, 1500.0])
    assert edges[0] == 0 and edges[1] == pytest.approx(LINEAR_BELOW_DAYS)
    assert edges[-1] > 1500 and list(edges) == sorted(edges)
    widths = np.diff(np.log10(edges[1:]))
    assert widths == pytest.approx(np.full(len(widths), widths[0]))  # even on a log axis


def test_format_days() -> None:
    from archive.plots.data import format_days

    assert [format_days(d) for d in (-0.0001, 0.01, 0.5, 3.25, 179.63, 1492.8)] == [
        "0 min", "14 min", "12.0 h", "3.2 d", "180 d", "4.1 y"]


def _story(dates: list[datetime], sources: list[str], outlets: list[str]) -> Any:
    from archive.plots.data import StoryData, StoryEdge, StoryNode

    nodes = [StoryNode(i, f"https://example.org/{i}", outlet, f"Title {i}", date, source,
                       i == len(dates) - 1)
             for i, (date, source, outlet) in enumerate(zip(dates, sources, outlets,
                                                            strict=True))]
    edges = [StoryEdge(0, i, relation, (dates[i] - dates[0]).total_seconds() / 86400, flag)
             for i, relation, flag in [(1, "duplicate", None), (2, "cites", None),
                                       (3, "partial_reuse", "sibling"),
                                       (3, "shares_quotes", None)] if i < len(dates)]
    return StoryData("https://example.org/x", len(dates) - 1, 7, nodes, edges)


@pytest.mark.parametrize("spread", [timedelta(0), timedelta(minutes=5), timedelta(days=700)])
def test_draw_story_edge_cases(tmp_path: Path, spread: timedelta) -> None:
    from archive.plots.draw import draw_story, save_figure

    start = datetime(2022, 6, 5, 14, tzinfo=UTC)
    dates = [start + spread * k for k in range(4)]
    data = _story(dates, ["jsonld", "first-seen", "url", "first-seen"],
                  ["A", "B", "B", "C"])  # two articles on one outlet's row
    for name in ("story.png", "story.svg"):
        path = tmp_path / name
        save_figure(draw_story(data), path)
        assert path.stat().st_size > 5_000
    assert_real_png(tmp_path / "story.png")
    assert (tmp_path / "story.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert data.outlets() == ["A", "B", "C"]


def test_draw_modules_do_not_load_matplotlib_for_other_commands() -> None:
    import subprocess
    import sys

    code = ("import sys, archive.cli, archive.plots; "
            "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"


def test_chain_of_an_article_joined_only_by_shared_quotes(research_world: ResearchWorld,
                                                          tmp_path: Path) -> None:
    """A ``shares_quotes`` neighbour joins no story, but the plot still shows it."""
    engine = make_engine(research_world.url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(Link.child_id, Link.parent_id).where(
                Link.relation == "shares_quotes").order_by(Link.id).limit(1)).first()
            if row is None:
                pytest.skip("the sample world has no shares_quotes link")
            url = conn.execute(select(Article.url).where(Article.id == row.child_id)).scalar()
            names = dict(conn.execute(select(Article.id, Outlet.name).join(
                Outlet, Outlet.id == Article.outlet_id).where(
                Article.id.in_([row.child_id, row.parent_id]))).all())
    finally:
        engine.dispose()
    out = tmp_path / "quotes.png"
    result = run(research_world, "chain", url, "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {a["id"] for a in data["articles"]} >= {row.child_id, row.parent_id}
    assert any(e["relation"] == "shares_quotes" for e in data["links"])
    assert set(names.values()) <= set(data["outlets"])
    assert_real_png(out)
