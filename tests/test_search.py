"""``healthwire search``: the query language, the index and its triggers, ranking, filters,
hostile input, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Engine

from archive import schema
from archive.db import reader
from archive.errors import ArchiveError
from archive.filters import Filters
from archive.models import Article, Link, Outlet
from archive.search import search
from archive.searchquery import MAX_QUERY_CHARS, parse_query
from tests.conftest import ResearchWorld
from tests.helpers import healthwire
from tests.linkhelpers import T0, World

# --- the query language (no database) ---------------------------------------------------


@pytest.mark.parametrize(("query", "understood", "fts5"), [
    ("remission", "remission", '"remission"'),
    ('remission "clinical trial"', 'remission AND "clinical trial"',
     '"remission" AND "clinical trial"'),
    ("cancer OR tumour remission -placebo", "(cancer OR tumour) AND remission NOT placebo",
     '("cancer" OR "tumour") AND "remission" NOT "placebo"'),
    ('covid or "long covid" -"self reported"', 'covid OR "long covid" NOT "self reported"',
     '("covid" OR "long covid") NOT "self reported"'),
    ("“curly quotes” work", '"curly quotes" AND work', '"curly quotes" AND "work"'),
])
def test_query_language(query: str, understood: str, fts5: str) -> None:
    parsed = parse_query(query)
    assert parsed.understood() == understood
    assert parsed.fts5() == fts5


@pytest.mark.parametrize("query", [
    'title:cancer', 'NEAR(cancer trial)', 'cancer*', '^cancer', '(cancer) AND NOT trial',
    'a"b', '"he said ""no"""', "'; DROP TABLE article; --", "cancer) OR (1=1",
])
def test_engine_syntax_in_the_input_is_only_text(query: str) -> None:
    """Every word reaches FTS5 inside a quoted string: outside the strings only the operators,
    parentheses, commas and distances the parser itself wrote."""
    expression = parse_query(query).fts5()
    outside = re.sub(r'"(?:[^"]|"")*"', " ", expression)
    assert set(re.findall(r"[^\s(),0-9]+", outside)) <= {"AND", "OR", "NOT", "NEAR"}, expression


@pytest.mark.parametrize(("query", "fts5"), [
    ('"patients in a trial"', 'NEAR("patients" "trial", 2)'),
    ('"the first time in the history of cancer"', 'NEAR("first time" "history" "cancer", 4)'),
    ('"the first time"', '"first time"'),
    ("covid-19", '"covid 19"'),
    ('NEAR(cancer trial, 2)', '"near cancer" AND "trial" AND "2"'),
])
def test_stop_words_in_phrases_become_gaps(query: str, fts5: str) -> None:
    """As in PostgreSQL's phraseto_tsquery, which does not index stop words."""
    assert parse_query(query).fts5() == fts5


def test_how_the_query_was_read_is_reported() -> None:
    parsed = parse_query('"unclosed phrase OR cancer -- the')
    assert parsed.understood() == '"unclosed phrase OR cancer -- the"'
    assert any("unclosed quote" in note for note in parsed.notes)
    notes = parse_query("the cancer OR").notes
    assert any("stop word" in note for note in notes)
    assert any("OR" in note for note in notes)
    assert parse_query("x\x00ray").notes == ("removed NUL characters",)


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty"), ("   \t ", "empty"), ("!!! ??? ---", "no word"), ("the of and", "no word"),
    ('""', "no word"), ("-cancer", "only excludes"), ("-cancer -trial", "only excludes"),
    ("x" * (MAX_QUERY_CHARS + 1), "limit"), (" ".join(f"w{i}" for i in range(40)), "terms"),
])
def test_queries_with_nothing_to_search_are_refused(query: str, message: str) -> None:
    with pytest.raises(ArchiveError, match=message) as caught:
        parse_query(query)
    assert caught.value.hint


# --- the index on a small archive -----------------------------------------------------------


def _urls(result: dict[str, Any]) -> list[str]:
    return [hit["url"] for hit in result["hits"]]


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {model.__tablename__: conn.execute(select(func.count()).select_from(model))
                .scalar_one() for model in (Article, Outlet, Link)}


@pytest.fixture
def small(engine: Engine) -> World:
    world = World(engine)
    world.article("https://a.example/title", "A short note about a hospital visit.", "Alpha",
                  title="Dostarlimab trial ends with every tumour gone", days=0)
    world.article("https://b.example/text", " ".join(
        ["The drug dostarlimab was given every three weeks."] * 3
        + ["Patients were followed for a year by the clinical team at the trial site."]),
        "Beta", title="Cancer news", days=10)
    world.article("https://c.example/phrase", "It was a clinical trial of twelve patients.",
                  "Gamma", title="Small study", days=20)
    world.article("https://d.example/accents", "Les patients sont en rémission complète.",
                  "Delta", title="Essai clinique", days=30)
    return world


def test_title_match_ranks_first(small: World) -> None:
    result = search(small.engine, "dostarlimab")
    assert _urls(result) == ["https://a.example/title", "https://b.example/text"]
    assert result["hits"][0]["score"] > result["hits"][1]["score"]
    assert result["total"] == 2


def test_phrases_match_in_order_words_anywhere(small: World) -> None:
    assert _urls(search(small.engine, '"clinical trial"')) == ["https://c.example/phrase"]
    assert set(_urls(search(small.engine, "clinical trial"))) == {
        "https://b.example/text", "https://c.example/phrase"}
    assert set(_urls(search(small.engine, "clinical -dostarlimab"))) == {
        "https://c.example/phrase"}
    assert set(_urls(search(small.engine, "tumour OR twelve"))) == {
        "https://a.example/title", "https://c.example/phrase"}


def test_phrases_skip_stop_words_alike_on_both_backends(small: World) -> None:
    small.article("https://e.example/of-the", "Ten patients of the trial went home.", "Alpha")
    small.article("https://e.example/apart", "Patients said the long trial was hard.", "Alpha")
    assert _urls(search(small.engine, '"ten patients in a trial"')) == [
        "https://e.example/of-the"]
    assert _urls(search(small.engine, '"patients in the trial went"')) == [
        "https://e.example/of-the"]
    assert _urls(search(small.engine, '"patients said the trial"')) == []


def test_stemming_and_snippets(small: World) -> None:
    result = search(small.engine, "followed patient")
    assert _urls(result) == ["https://b.example/text"]
    snippet = result["hits"][0]["snippet"]
    assert "**Patients**" in snippet and "**followed**" in snippet


def test_hit_fields(small: World) -> None:
    hit = search(small.engine, "hospital")["hits"][0]
    assert hit["outlet"] == "Alpha" and hit["title"].startswith("Dostarlimab")
    assert hit["date"] == "2022-06-05T09:00:00+00:00" and hit["date_source"] == "jsonld"
    assert hit["rank"] == 1 and hit["story_size"] == 1 and hit["relations"] == []
    json.dumps(hit)


def test_limit_and_total(small: World) -> None:
    result = search(small.engine, "patients", limit=1)
    assert len(result["hits"]) == 1 and result["total"] == 3
    with pytest.raises(ArchiveError, match="limit"):
        search(small.engine, "patients", limit=0)


def test_filters_on_a_small_archive(small: World) -> None:
    in_june = Filters.parse("2022-06-10", "2022-06-30")
    assert set(_urls(search(small.engine, "patients", in_june))) == {
        "https://b.example/text", "https://c.example/phrase"}
    assert _urls(search(small.engine, "patients", Filters.parse(since="2022-06-26"))) == [
        "https://d.example/accents"]
    assert _urls(search(small.engine, "patients", Filters.parse(until="2022-06-05"))) == []
    assert _urls(search(small.engine, "patients", Filters.parse(outlet="gamma"))) == [
        "https://c.example/phrase"]
    with pytest.raises(ArchiveError, match="no outlet named"):
        search(small.engine, "patients", Filters.parse(outlet="Nowhere"))
    with pytest.raises(ArchiveError, match="unknown relation"):
        search(small.engine, "patients", relation="sibling")


def test_index_follows_inserts_updates_and_deletes(small: World) -> None:
    engine = small.engine
    assert search(engine, "pembrolizumab")["hits"] == []
    new_id = small.article("https://e.example/new", "Pembrolizumab was tested in a small trial.",
                           "Alpha", title="A new report")
    assert _urls(search(engine, "pembrolizumab")) == ["https://e.example/new"]
    with engine.begin() as conn:
        conn.execute(update(Article).where(Article.id == new_id).values(
            text="Nivolumab replaced the older drug.", title="A corrected report"))
    assert search(engine, "pembrolizumab")["hits"] == []
    assert _urls(search(engine, "nivolumab corrected")) == ["https://e.example/new"]
    with engine.begin() as conn:  # other columns change without touching the index
        conn.execute(update(Article).where(Article.id == new_id).values(language="en-GB"))
    assert _urls(search(engine, "nivolumab")) == ["https://e.example/new"]
    with engine.begin() as conn:
        conn.execute(delete(Article).where(Article.id == new_id))
    assert search(engine, "nivolumab")["hits"] == []
    assert len(search(engine, "patients")["hits"]) == 3


def test_relation_filter_and_hit_relations(small: World) -> None:
    engine = small.engine
    with engine.begin() as conn:
        ids = dict(conn.execute(select(Article.url, Article.id)).all())
        conn.execute(Link.__table__.insert().values(
            child_id=ids["https://b.example/text"], parent_id=ids["https://a.example/title"],
            relation="partial_reuse", method="test", evidence={}, params={},
            created_at=T0))
    assert set(_urls(search(engine, "dostarlimab", relation="partial_reuse"))) == {
        "https://a.example/title", "https://b.example/text"}
    assert search(engine, "dostarlimab", relation="duplicate")["hits"] == []
    hits = {hit["url"]: hit for hit in search(engine, "dostarlimab")["hits"]}
    assert hits["https://b.example/text"]["relations"] == [
        {"relation": "partial_reuse", "role": "copy", "other_url": "https://a.example/title",
         "other_outlet": "Alpha"}]
    assert hits["https://a.example/title"]["relations"][0]["role"] == "source"


def test_a_huge_page_is_indexed_without_error(small: World) -> None:
    """PostgreSQL refuses tsvectors with over 1 MB of lexemes; the index caps the text so that
    such a page is still archived (and found by its beginning)."""
    words = " ".join(chr(0x20000 + i % 40000) + chr(0x20000 + i // 40000) + chr(0x4E00 + i % 97)
                     for i in range(150_000))
    small.article("https://e.example/huge", "Zanubrutinib opens this page. " + words, "Alpha",
                  title="Huge")
    assert _urls(search(small.engine, "zanubrutinib")) == ["https://e.example/huge"]


@pytest.mark.parametrize("query", [
    "'; DROP TABLE article; --", 'dostarlimab" OR 1=1 --', "title:dostarlimab",
    "NEAR(dostarlimab trial, 2)", "dostarlimab*", "^dostarlimab", "(dostarlimab", "AND OR NOT",
    '"""', "\x00dostarlimab\x00", "dostarlimab " * 300, "ДОСТАРЛИМАБ 多斯塔利单抗 🧪", "\\ % _ ' ;",
    "x" * 100_000, "-", "OR", "dostarlimab -dostarlimab", "[/] [bold]", "\u202e\u200bdostarlimab",
])
def test_hostile_queries_are_read_or_refused_and_change_nothing(small: World, query: str) -> None:
    before = _counts(small.engine)
    try:
        result = search(small.engine, query)
    except ArchiveError as exc:
        assert exc.message and exc.hint
    else:
        json.dumps(result)
        assert result["query"]["text"] == query
    assert _counts(small.engine) == before
    assert len(search(small.engine, "patients")["hits"]) == 3


# --- the migration --------------------------------------------------------------------------


def _search_objects(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text(
                "SELECT name FROM sqlite_master WHERE name LIKE 'article_fts%'"))
        else:
            rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname = "
                                     "'article_fts' AND schemaname = current_schema()"))
        return {row[0] for row in rows}


def test_index_objects_exist_at_head_and_go_on_downgrade(engine: Engine) -> None:
    """A later migration that batch-alters ``article`` on SQLite drops the triggers: this
    fails until it recreates them."""
    expected = ({"article_fts", "article_fts_insert", "article_fts_update",
                 "article_fts_delete"} if engine.dialect.name == "sqlite" else {"article_fts"})
    assert expected <= _search_objects(engine)
    schema.downgrade(engine, "0002")
    assert _search_objects(engine) == set()
    schema.upgrade(engine)
    assert expected <= _search_objects(engine)


def test_upgrade_indexes_the_articles_already_archived(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine, "0002")
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO outlet (id, name, role, created_at) "
                          "VALUES (1, 'NPR', 'original', :t)"), {"t": T0})
        for i, body in enumerate(["Dostarlimab put every tumour into remission.",
                                  "A heatwave warning for older people."], start=1):
            conn.execute(text(
                "INSERT INTO article (id, url, outlet_id, title, text, authors, extra, "
                "first_seen_at, last_seen_at) VALUES (:id, :url, 1, :title, :text, '[]', '{}', "
                ":t, :t)"),
                {"id": i, "url": f"https://npr.example/{i}", "title": f"Report {i}",
                 "text": body, "t": T0})
    schema.upgrade(empty_engine)
    assert _urls(search(empty_engine, "remission")) == ["https://npr.example/1"]
    assert set(_urls(search(empty_engine, "heatwave OR tumour"))) == {
        "https://npr.example/1", "https://npr.example/2"}


def test_postgres_queries_use_the_index(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner")
    from archive.search import _Postgres

    statement = _Postgres(parse_query("dostarlimab")).ranked([]).compile(
        engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {statement}")))
    assert "article_fts" in plan, plan


# --- the command on an empty archive and on the crawled sample world --------------------------


def test_empty_archive_says_no_matches(database_url: str, tmp_path: Any) -> None:
    assert healthwire("--db", database_url, "init", cwd=tmp_path).returncode == 0
    run = healthwire("--db", database_url, "search", "remission", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "no matches" in run.stdout
    run = healthwire("--db", database_url, "search", "remission", "--json", cwd=tmp_path)
    assert json.loads(run.stdout)["hits"] == []


def _cli(rw: ResearchWorld, *args: str) -> Any:
    return healthwire("--config", str(rw.config), "search", *args, cwd=rw.folder)


def _json(rw: ResearchWorld, *args: str) -> dict[str, Any]:
    run = _cli(rw, *args, "--json", "--limit", "1000")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _fold(value: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _archive(rw: ResearchWorld) -> list[dict[str, Any]]:
    from archive.db import make_engine

    engine = make_engine(rw.url)
    try:
        with reader(engine).connect() as conn:
            rows = conn.execute(select(Article.id, Article.url, Article.title, Article.text,
                                       Outlet.name.label("outlet"))
                                .outerjoin(Outlet, Outlet.id == Article.outlet_id))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def test_world_finds_the_seed_and_its_reports(research_world: ResearchWorld) -> None:
    rw = research_world
    result = _json(rw, "dostarlimab")
    found = set(_urls(result))
    expected = {a["url"] for a in _archive(rw)
                if "dostarlimab" in _fold(a["title"]) + " " + _fold(a["text"])}
    assert found == expected
    story = {rw.url_of(t) for t in ("healthnewsdigest/seed-rectal-cancer",
                                    "nytimes/rectal-cancer-trial", "npr/rectal-cancer-trial",
                                    "independent/rectal-cancer-trial")}
    assert story <= found
    seed = next(hit for hit in result["hits"] if hit["url"] == rw.seed_url)
    assert seed["story_size"] >= 4 and seed["outlet"] == "Health News Digest"
    assert {link["other_url"] for link in seed["relations"]} & story


def test_world_title_match_ranks_first(research_world: ResearchWorld) -> None:
    result = _json(research_world, "remission")
    assert "remission" in _fold(result["hits"][0]["title"])
    assert research_world.seed_url in _urls(result)[:2]


def test_world_phrase_is_narrower_than_words(research_world: ResearchWorld) -> None:
    rw = research_world
    phrase, words = _json(rw, '"older heart"'), _json(rw, "older heart")
    assert set(_urls(phrase)) < set(_urls(words))
    texts = {a["url"]: _fold(a["title"]) + " " + _fold(a["text"]) for a in _archive(rw)}
    for url in _urls(phrase):
        assert re.search(r"older\W+heart", texts[url])


def test_world_filters_narrow_like_the_database(research_world: ResearchWorld) -> None:
    rw = research_world
    everything = _json(rw, "patients OR study OR said")
    assert everything["total"] == len(everything["hits"]) > 5
    dates = sorted(hit["date"][:10] for hit in everything["hits"])
    middle = dates[len(dates) // 2]
    since = _json(rw, "patients OR study OR said", "--since", middle)
    assert set(_urls(since)) == {h["url"] for h in everything["hits"] if h["date"][:10] >= middle}
    until = _json(rw, "patients OR study OR said", "--until", middle)
    assert set(_urls(until)) == {h["url"] for h in everything["hits"] if h["date"][:10] <= middle}
    outlet = everything["hits"][0]["outlet"]
    by_outlet = _json(rw, "patients OR study OR said", "--outlet", outlet.upper())
    assert set(_urls(by_outlet)) == {h["url"] for h in everything["hits"]
                                     if h["outlet"] == outlet}
    for relation in ("partial_reuse", "duplicate", "cites"):
        related = _json(rw, "patients OR study OR said", "--relation", relation)
        assert set(_urls(related)) == {h["url"] for h in everything["hits"]
                                       if any(link["relation"] == relation
                                              for link in h["relations"])}
    unknown = _cli(rw, "patients", "--outlet", "Nowhere Gazette")
    assert unknown.returncode == 1 and "no outlet named" in unknown.stderr


def test_world_relations_agree_with_the_link_table(research_world: ResearchWorld) -> None:
    from archive.db import make_engine

    rw = research_world
    engine = make_engine(rw.url)
    try:
        with reader(engine).connect() as conn:
            linked = {url for (url,) in conn.execute(
                select(Article.url).where(Article.id.in_(
                    select(Link.child_id).where(Link.relation == "partial_reuse").union(
                        select(Link.parent_id).where(Link.relation == "partial_reuse")))))}
    finally:
        engine.dispose()
    result = _json(rw, "dostarlimab", "--relation", "partial_reuse")
    assert set(_urls(result)) == linked & set(_urls(_json(rw, "dostarlimab")))


def test_world_human_output(research_world: ResearchWorld) -> None:
    run = _cli(research_world, "dostarlimab", "--limit", "2")
    assert run.returncode == 0, run.stderr
    assert "dostarlimab" in run.stdout and "best 2 shown" in run.stdout
    run = _cli(research_world, "zzyzxqq")
    assert run.returncode == 0 and "no matches" in run.stdout


@pytest.mark.parametrize("query", [
    "'; DROP TABLE article; --", 'remission" OR 1=1 --', "title:remission NEAR(a b) *",
    '"unbalanced', "!!!", "the", "[/] [bold]x", "ДОСТАРЛИМАБ 🧪 rémission", "x" * 5000,
    "--", "-remission",
])
def test_world_hostile_queries(research_world: ResearchWorld, query: str) -> None:
    before = len(_archive(research_world))
    run = _cli(research_world, "--", query)
    assert run.returncode in (0, 1), run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    if run.returncode == 1:
        assert "error:" in run.stderr and "hint:" in run.stderr
    assert len(_archive(research_world)) == before
