"""Linking on small hand-made worlds: each relation, each direction rule, boilerplate,
several parents, stories, and rebuild == incremental (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive.linking import LinkParams, link_new, rebuild
from archive.linking.models import LinkBoilerplate
from archive.models import Article, Link, Story
from tests.linkhelpers import World, join, link_engine, link_rows, links, prose, quote

__all__ = ["link_engine"]

DAY = 86_400


@pytest.fixture
def world(link_engine: Engine) -> Iterator[World]:
    yield World(link_engine)


def one_link(engine: Engine, child: int, parent: int) -> Link:
    with Session(engine) as s:
        row = s.scalars(select(Link).where(Link.child_id == child, Link.parent_id == parent)).one()
        s.expunge(row)
        return row


def test_duplicate_with_date_direction_and_lag(world: World) -> None:
    text = join(prose(1, 8))
    orig = world.article("https://a.example/orig", text, "Orig", days=0)
    copy = world.article("https://b.example/copy", text, "Agg", days=180)
    link_new(world.engine)
    link = one_link(world.engine, copy, orig)
    assert link.relation == "duplicate"
    assert link.jaccard == pytest.approx(1.0)
    assert link.direction_reason == "published_at"
    assert link.lag_seconds == pytest.approx(180 * DAY)
    assert link.params["duplicate_jaccard"] == 0.9 and link.method.startswith("minhash")
    assert links(world.engine) == {(copy, orig): "duplicate"}


def test_near_duplicate_light_edit(world: World) -> None:
    paras = prose(2, 10)
    edited = ["A short intro written by the aggregator for its readers today."] + paras[:9]
    edited[3] = edited[3].replace(edited[3].split()[5], "changed", 1)
    orig = world.article("https://a.example/o", join(paras), "Orig", days=0)
    copy = world.article("https://b.example/c", join(edited), "Agg", days=3)
    link_new(world.engine)
    link = one_link(world.engine, copy, orig)
    assert link.relation == "near_duplicate"
    assert 0.5 <= link.jaccard < 0.9


def test_excerpt(world: World) -> None:
    paras = prose(3, 8)
    orig = world.article("https://a.example/o", join(paras), "Orig", days=0)
    ex = world.article("https://b.example/e", join(paras[:2] + ["Read more at Orig."]), "Ex",
                       days=1)
    link_new(world.engine)
    link = one_link(world.engine, ex, orig)
    assert link.relation == "excerpt"
    assert link.containment_child >= 0.8 and link.containment_parent < 0.5
    assert link.shared_passages == 2 and link.evidence["examples"]


def test_partial_reuse(world: World) -> None:
    paras = prose(4, 10)
    orig = world.article("https://a.example/o", join(paras), "Orig", days=0)
    mixed = world.article("https://b.example/m", join(paras[:4] + prose(40, 6)), "Mix", days=2)
    link_new(world.engine)
    link = one_link(world.engine, mixed, orig)
    assert link.relation == "partial_reuse"
    assert 0.3 <= link.containment_child < 0.8


def test_spun_copy_is_partial_reuse(world: World) -> None:
    import random

    from tests.linkhelpers import VOCAB

    rng = random.Random(3)
    paras = prose(15, 12)
    spun = [" ".join(w if rng.random() > 0.2 else rng.choice(VOCAB) for w in p.split())
            for p in paras]
    orig = world.article("https://a.example/o", join(paras), "Orig", days=0)
    copy = world.article("https://b.example/s", join(spun), "Spinner", days=20)
    link_new(world.engine)
    link = one_link(world.engine, copy, orig)
    assert link.relation in ("partial_reuse", "near_duplicate")
    assert link.jaccard < 0.5


def test_short_page_sharing_a_line_is_not_a_copy(world: World) -> None:
    line = "Republished with permission from our partners at the agency today"
    world.article("https://a.example/o", join(prose(16, 6) + [line]), "Orig", days=0)
    world.article("https://b.example/s", join([line, "Short note."]), "Other", days=2)
    link_new(world.engine)
    assert links(world.engine) == {}


def test_quotes_with_credit_is_reuse_without_is_shares_quotes(world: World) -> None:
    q1, q2 = quote(1), quote(2)
    orig = world.article("https://a.example/o",
                         join(prose(5, 4) + [f"She said {q1} at the clinic."] + prose(6, 2)
                              + [f"Then {q2} he added."]), "Orig", days=0)
    rewrite = world.article("https://b.example/r",
                            join(prose(7, 3) + [f"As she told Orig, {q1}."]
                                 + [f"And {q2} he explained to Orig."]),
                            "Agg", days=100, credits=("Orig",))
    rival = world.article("https://c.example/x",
                          join(prose(8, 5) + [f"Speaking to us she said {q1} again."]),
                          "Rival", days=0.5)
    link_new(world.engine)
    found = links(world.engine)
    assert found[(rewrite, orig)] == "partial_reuse"
    assert one_link(world.engine, rewrite, orig).evidence["rule"] == "quotes_with_credit"
    assert found[(rival, orig)] == "shares_quotes"
    with Session(world.engine) as s:
        rival_story = s.get(Article, rival).story_id
        assert rival_story is None or rival_story != s.get(Article, orig).story_id


def test_cites_without_shared_text(world: World) -> None:
    orig = world.article("https://a.example/study", join(prose(9, 5)), "Orig", days=0)
    comment = world.article("https://b.example/comment", join(prose(10, 5)), "Blog", days=4,
                            links=("https://a.example/study/",))
    link_new(world.engine)
    assert links(world.engine) == {(comment, orig): "cites"}


def test_unrelated_articles_are_not_linked(world: World) -> None:
    for i in range(6):
        world.article(f"https://x{i}.example/a", join(prose(100 + i, 8)), f"O{i}", days=i)
    link_new(world.engine)
    assert links(world.engine) == {}


def test_direction_canonical_beats_first_seen(world: World) -> None:
    text = join(prose(11, 6))
    orig = world.article("https://a.example/o", text, "Orig", days=None, seen_days=5)
    copy = world.article("https://b.example/c", text, "Portal", days=None, seen_days=1,
                         canonical="https://a.example/o")
    link_new(world.engine)
    link = one_link(world.engine, copy, orig)
    assert link.direction_reason == "canonical"


def test_direction_credit_when_dates_untrusted(world: World) -> None:
    # The original shows only its theme's header date (the day it was fetched, late);
    # the copy has a real date but credits the original's outlet.
    text = join(prose(12, 6))
    orig = world.article("https://a.example/o", text, "Orig", days=200, source="text")
    copy = world.article("https://b.example/c", text, "Agg", days=150, credits=("Orig",))
    link_new(world.engine)
    link = one_link(world.engine, copy, orig)
    assert link.direction_reason == "credit"


def test_direction_first_seen_when_no_dates(world: World) -> None:
    text = join(prose(13, 6))
    first = world.article("https://a.example/o", text, "Orig", days=None, seen_days=1)
    later = world.article("https://b.example/c", text, "Agg", days=None, seen_days=3)
    link_new(world.engine)
    link = one_link(world.engine, later, first)
    assert link.direction_reason == "first_seen_at"
    assert link.lag_seconds == pytest.approx(2 * DAY)


def test_direction_containment_when_nothing_else(world: World) -> None:
    paras = prose(14, 8)
    ex = world.article("https://b.example/e", join(paras[:3]), "Ex", days=None, seen_days=1)
    full = world.article("https://a.example/o", join(paras), "Orig", days=None, seen_days=1)
    link_new(world.engine)
    link = one_link(world.engine, ex, full)
    assert link.direction_reason == "containment" and link.relation == "excerpt"


def _aggregator_page(i: int, story: list[str]) -> str:
    prompt = "Sign up for the Daily Pulse newsletter to get the latest health news in your inbox"
    disclaimer = ("This content is for information only and is not a substitute for medical "
                  "advice from your doctor. The views expressed are those of the authors and "
                  "do not necessarily reflect the views of Pulse Daily or its partners.")
    return join(story[:3] + [prompt] + story[3:] + [disclaimer, "Trending now: " + " ".join(
        prose(900 + i, 1, 12))])


@pytest.mark.parametrize("one_by_one", [False, True])
def test_outlet_boilerplate_never_links_its_pages(world: World, one_by_one: bool) -> None:
    original = prose(20, 8)
    orig = world.article("https://a.example/o", join(original), "Orig", days=0)
    pages = []
    for i in range(5):
        story = original if i == 0 else prose(21 + i, 7)
        pages.append(world.article(f"https://pulse.example/{i}", _aggregator_page(i, story),
                                   "Pulse", days=10 + i))
        if one_by_one:
            link_new(world.engine)
    link_new(world.engine)
    found = links(world.engine)
    assert found == {(pages[0], orig): "duplicate"} or found == {
        (pages[0], orig): "near_duplicate"}
    with Session(world.engine) as s:
        assert s.scalars(select(LinkBoilerplate)).first() is not None


def test_several_parents_seed_like_rewrite(world: World) -> None:
    q1, q2 = quote(31), quote(32)
    a = world.article("https://indy.example/a",
                      join(prose(30, 4) + [f"The doctor said {q1} in June."]), "Independent",
                      days=0)
    b = world.article("https://nyt.example/b",
                      join(prose(33, 4) + [f"The researcher added {q2} later."]), "NYT",
                      days=1)
    seed = world.article(
        "https://agg.example/seed",
        join(prose(34, 3) + [f"As reported by The Independent, {q1}."]
             + [f"She told the New York Times: {q2}."]),
        "Aggregator", days=180, credits=("Independent", "NYT", "NPR"))
    link_new(world.engine)
    found = links(world.engine)
    assert found[(seed, a)] == "partial_reuse" and found[(seed, b)] == "partial_reuse"
    with Session(world.engine) as s:
        story = s.get(Story, s.get(Article, seed).story_id)
        assert story is not None and story.size == 3
        assert story.root_article_id == a
        assert story.attributed_origin in ("Independent", "NYT", "NPR")


def test_repost_of_repost_marks_sibling_and_keeps_chain(world: World) -> None:
    paras = prose(40, 8)
    a = world.article("https://a.example/o", join(paras), "Orig", days=0)
    b = world.article("https://b.example/b", join(["Intro by B for its readers, we add this "
                                                   "sentence of our own to the story."] + paras),
                      "B", days=5)
    c = world.article("https://c.example/c", join(["Intro by B for its readers, we add this "
                                                   "sentence of our own to the story."] + paras),
                      "C", days=9)
    link_new(world.engine)
    with Session(world.engine) as s:
        flags = {(lk.child_id, lk.parent_id): lk.evidence.get("redundant")
                 for lk in s.scalars(select(Link))}
    assert flags[(b, a)] is None and flags[(c, b)] is None
    assert flags[(c, a)] == {"via": b, "rule": "shortcut"}


def _build_world(world: World) -> None:
    base = prose(50, 10)
    world.article("https://a.example/0", join(base), "Orig", days=0)
    world.article("https://b.example/1", join(base), "Portal", days=1)
    world.article("https://c.example/2", join(base[:3] + ["More at Orig."]), "Ex", days=2)
    world.article("https://d.example/3", join(base[:4] + prose(51, 6)), "Mix", days=3)
    world.article("https://e.example/4", join(prose(52, 5) + [f"He said {quote(5)}."]), "E",
                  days=0.2)
    world.article("https://f.example/5", join(prose(53, 5) + [f"He said {quote(5)}."]), "F",
                  days=0.3, credits=("E",))
    for i in range(4):
        world.article(f"https://pulse.example/{i}", _aggregator_page(i, prose(60 + i, 6)),
                      "Pulse", days=4 + i)
    world.article("https://g.example/6", join(prose(70, 6)), "G", days=5,
                  links=("https://a.example/0",))


def test_rebuild_equals_incremental(world: World) -> None:
    _build_world(world)
    params = LinkParams(batch_size=3)
    with Session(world.engine) as s:
        ids = list(s.scalars(select(Article.id).order_by(Article.id)))
    link_new(world.engine, params)
    incremental = link_rows(world.engine)
    assert incremental, "the world has links"
    report = rebuild(world.engine, params)
    assert report.articles == len(ids)
    assert link_rows(world.engine) == incremental


def test_incremental_in_steps_equals_rebuild(link_engine: Engine) -> None:
    world = World(link_engine)
    params = LinkParams(batch_size=2)
    base = prose(80, 8)
    world.article("https://a.example/0", join(base), "Orig", days=0)
    world.article("https://b.example/1", join(base[:2] + ["More."]), "Ex", days=2)
    link_new(link_engine, params)
    for i in range(4):
        world.article(f"https://pulse.example/{i}", _aggregator_page(i, base if i == 1 else
                                                                     prose(81 + i, 6)),
                      "Pulse", days=4 + i)
        link_new(link_engine, params)
    world.article("https://c.example/2", join(base), "Late", days=30)
    link_new(link_engine, params)
    incremental = link_rows(link_engine)
    rebuild(link_engine, params)
    assert link_rows(link_engine) == incremental


def test_rebuild_resumes_after_a_crash(world: World) -> None:
    _build_world(world)
    params = LinkParams(batch_size=3)
    rebuild(world.engine, params)
    expected = link_rows(world.engine)

    calls = []

    def crash(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        rebuild(world.engine, params, progress=crash)
    partial = link_rows(world.engine)
    assert partial != expected
    seen: list[int] = []
    rebuild(world.engine, params, progress=lambda d, t: seen.append(d))
    assert seen[0] > 3, "the rerun resumed past the batches already done"
    assert link_rows(world.engine) == expected


def test_threshold_change_changes_links_on_rebuild(world: World) -> None:
    _build_world(world)
    link_new(world.engine)
    before = links(world.engine)
    rebuild(world.engine, LinkParams(partial_reuse_containment=0.9, min_reuse_chars=10**6,
                                     rewrite_containment=1.0))
    after = links(world.engine)
    assert "partial_reuse" in before.values() and before != after
