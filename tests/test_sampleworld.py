"""The sample world serves what truth.json says, and misbehaves exactly where it says.

These run the real servers on 127.0.0.1 and talk to them with urllib, because the crawler's
integration tests will rely on the same behaviour over real sockets.
"""

from __future__ import annotations

import filecmp
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from archive.sampleworld import SampleWorld
from archive.sampleworld.server import resolve_templates

ROOT = Path(__file__).resolve().parents[1]
UA = "healthwire-tests/0.1 (+https://example.org/healthwire)"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
STALL = 2.0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let 3xx answers through so tests can look at them."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = 10.0,
          follow: bool = True) -> tuple[int, dict[str, str], bytes]:
    """GET a URL; HTTP errors are answers here, not exceptions."""
    req = urllib.request.Request(url, headers={"User-Agent": UA, **(headers or {})})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def world() -> Iterator[SampleWorld]:
    with SampleWorld(stall_seconds=STALL) as w:
        yield w


@pytest.fixture(scope="module")
def truth(world: SampleWorld) -> dict[str, Any]:
    return world.truth()


def article(truth: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(a for a in truth["articles"] if a["id"] == pid)


def text_of(html: bytes) -> str:
    """Visible-ish text, enough to count words and find quotes."""
    body = html.decode("utf-8")
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def body_of(html: bytes) -> str:
    """The article body element's inner HTML, whatever the theme calls it."""
    match = re.search(r'<div (?:class="(?:article-body|td-post-content)"|id="text")>(.*?)</div>',
                      html.decode("utf-8"), flags=re.S)
    assert match, "no article body found"
    return match.group(1)


# -- the world as a whole -----------------------------------------------------------------------


def test_world_has_the_sites_and_roles_the_brief_asks_for(world: SampleWorld,
                                                          truth: dict[str, Any]) -> None:
    roles = [s["role"] for s in truth["sites"].values()]
    assert roles.count("original") >= 3 and roles.count("aggregator") >= 3
    assert world.outlets["independent"] == "The Independent"
    assert world.outlets["nytimes"] == "The New York Times"
    assert world.outlets["npr"] == "NPR"
    assert world.outlets["slate-fr"] == "Slate.fr"
    assert len(set(world.bases.values())) == len(world.sites)  # one origin per site
    formats = {f["format"] for s in truth["sites"].values() for f in s["feeds"]}
    assert {"rss", "atom", "json"} <= formats
    kinds = {sm["kind"] for s in truth["sites"].values() for sm in s["sitemaps"]}
    assert {"index", "news", "plain"} <= kinds


def test_truth_covers_every_copy_kind_and_a_negative(truth: dict[str, Any]) -> None:
    ids = {a["id"] for a in truth["articles"]}
    kinds = {r["kind"] for r in truth["relations"]}
    assert {"duplicate", "near_duplicate", "excerpt", "partial_reuse", "quote_rewrite",
            "translated_rewrite"} <= kinds
    for rel in truth["relations"]:
        assert rel["child"]["id"] in ids
        assert all(p["id"] in ids for p in rel["parents"])
    negative = [n for n in truth["non_copies"] if n["kind"] == "independent_same_quote"]
    assert negative, "the world needs a same-quote pair that is not a copy"
    related = {(r["child"]["id"], p["id"]) for r in truth["relations"] for p in r["parents"]}
    for pair in negative:
        a, b = pair["a"]["id"], pair["b"]["id"]
        assert (a, b) not in related and (b, a) not in related
    assert any(a["published"] is None for a in truth["articles"] if not a["header_date_only"])
    assert any(a["header_date_only"] for a in truth["articles"])
    assert truth["story"]["lag_days"] == 180


def test_every_article_answers_200_with_placeholders_resolved(truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        status, headers, body = fetch(art["url"])
        assert status == 200, art["url"]
        assert b"{{site:" not in body, art["url"]
        assert "charset=" in headers["Content-Type"]
        text = body.decode(art["served_encoding"])
        assert art["title"].split(":")[0][:30] in text.replace("&#x27;", "'"), art["url"]


def test_pages_carry_the_dates_truth_claims(truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        _, _, body = fetch(art["url"])
        html = body.decode(art["served_encoding"])
        if art["published"]:
            assert f'"datePublished": "{art["published"]}"' in html, art["id"]
            assert f'datetime="{art["published"]}"' in html, art["id"]
        else:
            assert "datePublished" not in html and "article:published_time" not in html
    header_only = [a for a in truth["articles"] if a["header_date_only"]]
    for art in header_only:
        _, _, body = fetch(art["url"])
        html = body.decode("utf-8")
        assert "<time" not in html  # the header's date line is its only date
        assert "Friday, December 2, 2022" in html


# -- the story ----------------------------------------------------------------------------------


def test_seed_page_has_the_seed_boilerplate_and_credits(world: SampleWorld,
                                                        truth: dict[str, Any]) -> None:
    seed = truth["story"]["seed"]
    _, _, body = fetch(world.url(seed["site"], seed["path"]))
    text = text_of(body)
    for needle in ("Friday, December 2, 2022", "Home › Health ›", "Please enter your comment!",
                   "Please enter your name here", "Most Popular", "Share",
                   "Sign up for the Slate newsletter", "reports The Independent",
                   "told the New York Times", "explains to NPR"):
        assert needle in text, needle
    seed_text = (ROOT.parent / "shared/seed/aggregator-repost-2022-12-02.txt")
    if seed_text.exists():  # the body is the seed's text, paragraph by paragraph
        body_text = " ".join(re.sub(r"<[^>]+>", "", body_of(body)).split())
        for para in seed_text.read_text("utf-8").split("\n\n")[2:10]:
            assert " ".join(para.split()) in body_text
    links = re.findall(r'href="([^"]+)"', body_of(body))
    for site in ("independent", "nytimes", "npr"):
        assert any(link.startswith(world.base_url(site)) for link in links), site


def test_originals_carry_the_quotes_and_are_news_length(world: SampleWorld,
                                                        truth: dict[str, Any]) -> None:
    quotes = {
        "independent/rectal-cancer-trial": "an immunotherapy drug used in the treatment of "
                                           "endometrial cancer",
        "nytimes/rectal-cancer-trial": "“This is the first time this has happened in the "
                                       "history of cancer",
        "npr/rectal-cancer-trial": "These drugs don't work by directly attacking the cancer "
                                   "itself, but instead getting a person's immune system to do "
                                   "most of the work",
        "slate-fr/rectal-cancer-trial": "Inscrivez-vous à la newsletter de Slate",
    }
    for pid, quote in quotes.items():
        art = article(truth, pid)
        _, _, body = fetch(art["url"])
        words = len(text_of(body_of(body).encode()).split())
        assert quote in text_of(body), pid
        assert 400 <= words <= 800, (pid, words)
    _, _, npr = fetch(article(truth, "npr/rectal-cancer-trial")["url"])
    assert "melanoma and other cancers" in text_of(npr)
    assert article(truth, "independent/rectal-cancer-trial")["published"][:10] in (
        "2022-06-05", "2022-06-06")


def test_copies_share_what_their_kind_says(truth: dict[str, Any]) -> None:
    def paragraphs(url: str) -> list[str]:
        _, _, body = fetch(url)
        return re.findall(r"<p>(.*?)</p>", body_of(body), flags=re.S)

    for rel in truth["relations"]:
        child = paragraphs(article(truth, rel["child"]["id"])["url"])
        parents = [paragraphs(article(truth, p["id"])["url"]) for p in rel["parents"]]
        shared = [p for p in child if any(p in par for par in parents)]
        if rel["kind"] == "duplicate":
            assert all(p in child for p in parents[0]), rel["child"]["id"]
        elif rel["kind"] == "excerpt":
            assert child[: len(shared)] == parents[0][: len(shared)] and len(shared) >= 2
            assert len(shared) < len(parents[0])
        elif rel["kind"] == "near_duplicate":
            assert 0 < len(shared) < len(child), rel["child"]["id"]
        elif rel["kind"] == "partial_reuse":
            assert 1 <= len(shared) <= 3, rel["child"]["id"]
        else:  # rewrites share no whole paragraph
            assert not shared, rel["child"]["id"]
    neg = next(n for n in truth["non_copies"] if n["kind"] == "independent_same_quote")
    a = paragraphs(article(truth, neg["a"]["id"])["url"])
    b = paragraphs(article(truth, neg["b"]["id"])["url"])
    assert not set(a) & set(b)
    assert neg["shared_quote"] in " ".join(a) and neg["shared_quote"] in " ".join(b)


def test_credits_traces_and_body_links_are_on_the_page(world: SampleWorld,
                                                        truth: dict[str, Any]) -> None:
    ids = {a["id"] for a in truth["articles"]}
    seen_credit = 0
    for art in truth["articles"]:
        _, _, body = fetch(art["url"])
        inner = body_of(body.decode(art["served_encoding"]).encode())
        text = " ".join(re.sub(r"<[^>]+>", "", inner).split())
        for item in art["credits"] + art["traces"]:
            assert item["phrase"] in text, (art["id"], item["phrase"])
            seen_credit += 1
        hrefs = re.findall(r'href="([^"]+)"', inner)
        for link in art["body_links"]:
            assert link["url"] == world.url(link["site"], link["path"])
            assert link["url"] in hrefs, (art["id"], link["url"])
            assert link["id"] is None or link["id"] in ids
    assert seen_credit >= 10
    seed = article(truth, truth["story"]["seed"]["id"])
    assert {link["id"] for link in seed["body_links"]} == {
        "independent/rectal-cancer-trial", "nytimes/rectal-cancer-trial",
        "npr/rectal-cancer-trial"}


def test_syndicated_copies_point_their_canonical_at_the_original(truth: dict[str, Any]) -> None:
    copies = [a for a in truth["articles"] if a["syndicated_from"]]
    assert copies
    for art in copies:
        _, _, body = fetch(art["url"])
        parent = article(truth, art["syndicated_from"])
        assert f'<link rel="canonical" href="{parent["url"]}">' in body.decode()


# -- discovery: feeds, sitemaps, listings, robots -----------------------------------------------


def feed_links(world: SampleWorld, site: str, path: str, fmt: str) -> list[str]:
    status, headers, body = fetch(world.url(site, path))
    assert status == 200
    if fmt == "json":
        assert "json" in headers["Content-Type"]
        doc = json.loads(body)
        assert doc["version"].startswith("https://jsonfeed.org/version/1")
        return [item["url"] for item in doc["items"]]
    root = ET.fromstring(body)  # trusted, generated files
    if fmt == "rss":
        assert root.tag == "rss" and root.get("version") == "2.0"
        return [item.findtext("link") for item in root.iter("item")]
    assert root.tag == f"{ATOM}feed"
    return [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]


def test_feeds_parse_and_list_their_articles(world: SampleWorld, truth: dict[str, Any]) -> None:
    for site, meta in truth["sites"].items():
        expected = {a["url"] for a in truth["articles"] if a["site"] == site and a["in_feed"]}
        for feed in meta["feeds"]:
            links = set(feed_links(world, site, feed["path"], feed["format"]))
            assert expected <= links, (site, feed["path"], expected - links)
            assert all(not a["disallowed"] for a in truth["articles"] if a["url"] in links)


def sitemap_locs(url: str, seen: set[str] | None = None) -> dict[str, ET.Element]:
    """Every <url> in a sitemap, following indexes."""
    seen = set() if seen is None else seen
    assert url not in seen, f"sitemap cycle at {url}"
    seen.add(url)
    status, _, body = fetch(url)
    assert status == 200, url
    root = ET.fromstring(body)
    if root.tag == f"{SM}sitemapindex":
        out: dict[str, ET.Element] = {}
        for loc in root.iter(f"{SM}loc"):
            out.update(sitemap_locs(loc.text or "", seen))
        return out
    assert root.tag == f"{SM}urlset"
    return {u.findtext(f"{SM}loc"): u for u in root.iter(f"{SM}url")}


def test_robots_announce_sitemaps_that_list_their_articles(world: SampleWorld,
                                                           truth: dict[str, Any]) -> None:
    news_entries = 0
    for site in world.sites:
        _, _, robots = fetch(world.url(site, "/robots.txt"))
        lines = robots.decode().splitlines()
        sitemap = next(line.split(":", 1)[1].strip() for line in lines
                       if line.startswith("Sitemap:"))
        locs = sitemap_locs(sitemap)
        expected = {a["url"] for a in truth["articles"] if a["site"] == site and a["in_sitemap"]}
        assert expected <= set(locs), (site, expected - set(locs))
        for url, el in locs.items():
            news = el.find(f"{NEWS}news")
            if news is not None:
                news_entries += 1
                art = next(a for a in truth["articles"] if a["url"] == url)
                assert news.findtext(f"{NEWS}publication_date") == art["published"]
                assert news.findtext(f"{NEWS}title") == art["title"]
    assert news_entries >= 4


def test_robots_disallows_the_private_section(world: SampleWorld, truth: dict[str, Any]) -> None:
    _, _, robots = fetch(world.url("independent", "/robots.txt"))
    assert "Disallow: /private/" in robots.decode().splitlines()
    private = [a for a in truth["articles"] if a["disallowed"]]
    assert private and all(a["path"].startswith("/private/") for a in private)
    for art in private:  # linked from a listing, so a crawler must choose not to go
        assert art["listed_on"]
        _, _, listing = fetch(world.url(art["site"], art["listed_on"][0]))
        assert art["url"].encode() in listing
        assert not art["in_feed"] and not art["in_sitemap"]


def test_listing_pagination_reaches_every_listed_article(world: SampleWorld,
                                                         truth: dict[str, Any]) -> None:
    url: str | None = world.url("npr", "/sections/health/")
    found, pages = set(), 0
    while url:
        _, _, body = fetch(url)
        html = body.decode()
        found |= set(re.findall(r'<h3><a href="([^"]+)"', html))
        nxt = re.search(r'<a rel="next" class="next" href="([^"]+)"', html)
        url, pages = (nxt.group(1) if nxt else None), pages + 1
    assert pages >= 2
    listed = {a["url"] for a in truth["articles"] if a["site"] == "npr" and a["listed_on"]}
    assert listed and listed <= found


def test_sources_cover_every_kind_and_answer(world: SampleWorld) -> None:
    sources = world.sources()
    assert {"feed", "sitemap", "listing", "urls"} <= {s["kind"] for s in sources}
    assert len({s["name"] for s in sources}) == len(sources)
    for src in sources:
        assert set(src) >= {"name", "outlet", "kind", "url", "schedule"}
        assert len(src["schedule"].split()) == 5
        assert fetch(src["url"])[0] == 200, src["name"]
    assert "[[sources]]" in world.sources_toml()


def test_listing_follow_patterns_pick_articles_not_listings(world: SampleWorld,
                                                            truth: dict[str, Any]) -> None:
    listings = [s for s in world.sources() if s["kind"] == "listing"]
    assert listings
    for src in listings:
        pattern = re.compile(src["follow"][0])
        site = next(s for s, b in world.bases.items() if src["url"].startswith(b + "/"))
        listed = [a["url"] for a in truth["articles"] if a["site"] == site and a["listed_on"]]
        assert listed and all(pattern.search(u) for u in listed), src["name"]
        assert not pattern.search(src["url"]) and not pattern.search(src["url"] + "page/2/")


def test_sources_pass_the_project_config_validation(world: SampleWorld) -> None:
    config = pytest.importorskip("archive.config")  # present once the config module lands
    parsed = config.parse_config(world.sources_toml())
    assert [s.name for s in parsed.sources] == [s["name"] for s in world.sources()]
    whole = config.parse_config(world.config_toml("sqlite:///tmp/x.sqlite3", "tmp/warc"))
    assert whole.crawl.allow_private_addresses is True
    assert whole.archive.warc_dir == "tmp/warc"


# -- cross-site links ---------------------------------------------------------------------------


def test_cross_site_links_resolve_to_running_sites(world: SampleWorld,
                                                   truth: dict[str, Any]) -> None:
    own = {urlsplit(b).netloc: s for s, b in world.bases.items()}
    cross = set()
    for art in truth["articles"]:
        _, _, body = fetch(art["url"])
        for href in re.findall(r'href="([^"#]+)"', body.decode(art["served_encoding"])):
            parts = urlsplit(href)
            if parts.hostname == "127.0.0.1":
                assert parts.netloc in own, href
                if own[parts.netloc] != art["site"]:
                    cross.add(href)
    assert len(cross) >= 8
    for href in cross:
        assert fetch(href)[0] == 200, href


def test_unknown_placeholder_is_an_error() -> None:
    with pytest.raises(KeyError):
        resolve_templates("{{site:nowhere}}/x", {"npr": "http://127.0.0.1:1"})


# -- trouble ------------------------------------------------------------------------------------


def trouble(truth: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = [t for t in truth["trouble"] if t["kind"] == kind]
    assert found, kind
    return found


def test_redirect_points_at_the_moved_article(truth: dict[str, Any]) -> None:
    for t in trouble(truth, "redirect"):
        status, headers, _ = fetch(t["url"], follow=False)
        assert status == 301
        assert headers["Location"] == t["target"]
        assert any(a["url"] == t["target"] for a in truth["articles"])
        assert fetch(t["url"])[0] == 200


def test_redirect_loop_loops(truth: dict[str, Any]) -> None:
    url, seen = trouble(truth, "redirect_loop")[0]["url"], []
    for _ in range(4):
        status, headers, _ = fetch(url, follow=False)
        assert status in (301, 302, 307, 308)
        seen.append(url)
        url = urljoin(url, headers["Location"])
    assert url in seen


@pytest.mark.parametrize(("kind", "status"), [("not_found", 404), ("server_error", 500)])
def test_error_routes(truth: dict[str, Any], kind: str, status: int) -> None:
    for t in trouble(truth, kind):
        assert fetch(t["url"])[0] == status


def test_unknown_path_is_404_and_traversal_stays_inside(world: SampleWorld) -> None:
    assert fetch(world.url("npr", "/no/such/page.html"))[0] == 404
    assert fetch(world.url("npr", "/routes.json"))[0] == 404
    assert fetch(world.url("npr", "/./routes.json"))[0] == 404
    assert fetch(world.url("npr", "/x/../_versions/1/"))[0] == 404
    port = urlsplit(world.base_url("npr")).port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /../../server.py HTTP/1.0\r\n\r\n")
        assert sock.recv(64).split()[1] == b"404"


def test_stall_does_not_block_other_requests(world: SampleWorld, truth: dict[str, Any]) -> None:
    stall = trouble(truth, "stall")[0]
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(stall["url"], timeout=0.5)
    results: list[int] = []
    slow = threading.Thread(target=lambda: results.append(fetch(stall["url"])[0]))
    slow.start()
    time.sleep(0.2)
    started = time.monotonic()
    same_site = fetch(world.url(stall["site"], "/"), timeout=STALL / 2)
    assert same_site[0] == 200
    assert time.monotonic() - started < STALL  # answered while the stall was still waiting
    slow.join(timeout=STALL * 3)
    assert results == [200]  # and the stalled request does answer, eventually


def test_wrong_charset_page_is_latin1_declared_utf8(truth: dict[str, Any]) -> None:
    t = trouble(truth, "wrong_charset")[0]
    _, headers, body = fetch(t["url"])
    assert "charset=utf-8" in headers["Content-Type"]
    assert b'<meta charset="utf-8">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Santé" in body.decode("latin-1")


def test_conditional_get(world: SampleWorld, truth: dict[str, Any]) -> None:
    url = article(truth, "npr/rectal-cancer-trial")["url"]
    status, headers, _ = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"something-else"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    old = format_datetime(datetime(2021, 1, 1, tzinfo=UTC), usegmt=True)
    assert fetch(url, {"If-Modified-Since": old})[0] == 200
    feed = world.url("npr", "/feeds/health.json")
    etag = fetch(feed)[1]["ETag"]
    assert fetch(feed, {"If-None-Match": etag})[0] == 304


def test_revisions_appear_when_the_epoch_moves(world: SampleWorld,
                                              truth: dict[str, Any]) -> None:
    assert {r["kind"] for r in truth["revisions"]} >= {"correction", "stealth_edit"}
    try:
        for rev in truth["revisions"]:
            world.set_epoch(rev["epoch"] - 1)
            status, before_headers, before = fetch(rev["url"])
            assert status == 200
            world.set_epoch(rev["epoch"])
            etag, since = before_headers["ETag"], before_headers["Last-Modified"]
            status, headers, after = fetch(rev["url"], {"If-None-Match": etag})
            assert status == 200 and headers["ETag"] != etag  # changed text, new validator
            assert fetch(rev["url"], {"If-Modified-Since": since})[0] == 200
            assert fetch(rev["url"], {"If-None-Match": headers["ETag"]})[0] == 304
            for edit in rev["edits"]:
                assert edit["before"] in before.decode() and edit["before"] not in after.decode()
                assert edit["after"] in after.decode()
            assert rev["title_after"].replace("'", "&#x27;") in after.decode()
            for para in rev["appended"]:
                assert para in after.decode()
            if rev["modified"]:
                assert f'"dateModified": "{rev["modified"]}"' in after.decode()
    finally:
        world.set_epoch(0)
    site, path = truth["revisions"][0]["site"], truth["revisions"][0]["path"]
    assert fetch(world.url(site, "/_versions/1" + path))[0] == 404


def test_request_log_records_user_agent_and_status(world: SampleWorld) -> None:
    before = len(world.request_log)
    fetch(world.url("apnews", "/robots.txt"))
    fetch(world.url("apnews", "/nope"))
    recent = world.request_log.snapshot()[before:]
    assert ("apnews", "GET", "/robots.txt", UA, 200) in recent
    assert ("apnews", "GET", "/nope", UA, 404) in recent


# -- lifecycle and packaging --------------------------------------------------------------------


def test_stop_releases_ports_and_truth_needs_a_running_world() -> None:
    w = SampleWorld(stall_seconds=0.1)
    with pytest.raises(RuntimeError):
        w.truth()
    w.start()
    port = urlsplit(w.base_url("npr")).port
    w.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    with pytest.raises(KeyError):
        w.base_url("npr")


def test_generated_files_are_up_to_date(tmp_path: Path) -> None:
    pkg = ROOT / "archive" / "sampleworld"
    subprocess.run([sys.executable, "-m", "archive.sampleworld.generate", "--out",
                    str(tmp_path / "sites"), "--truth", str(tmp_path / "truth.json")],
                   check=True, cwd=ROOT, capture_output=True)
    assert (tmp_path / "truth.json").read_text() == (pkg / "truth.json").read_text()
    cmp = filecmp.dircmp(tmp_path / "sites", pkg / "sites")

    def differences(d: filecmp.dircmp) -> list[str]:
        out = d.left_only + d.right_only + d.diff_files
        for sub in d.subdirs.values():
            out += differences(sub)
        return out

    assert differences(cmp) == [], "run python -m archive.sampleworld.generate and commit"


def test_command_line_serves_until_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    config = tmp_path / "world.toml"
    proc = subprocess.Popen([sys.executable, "-m", "archive.sampleworld", "--stall", "1",
                             "--config-out", str(config)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        lines = []
        assert proc.stdout is not None
        while not any(line.startswith("# config written") for line in lines):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
            lines.append(line)
        base = next(line.split()[2] for line in lines if line.startswith("# npr "))
        assert fetch(base + "/robots.txt")[0] == 200
        assert f'url = "{base}/' in config.read_text()
        assert "allow_private_addresses = true" in config.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
