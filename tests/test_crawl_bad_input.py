"""Bad input met by a real crawl: each gets a recorded failure, the crawl goes on, nothing is lost.

One scripted local site serves every kind of trouble DESIGN.md lists; a second local site
stands for "the machine's own services", which the crawler must never reach.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.db import make_engine, session_scope
from archive.ingest import normalise_url
from archive.models import Article, Capture, CrawlRun, Source
from tests.helpers import Route, ScriptedSite, article_html, filler, healthwire, write_config
from tests.test_discovery import BILLION_LAUGHS, XXE

pytestmark = pytest.mark.slow

GOOD = article_html("A good article", filler("sleep"))


def _sitemap(base: str, paths: list[str], self_path: str | None = None) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    loop = f"<sitemap><loc>{base}{self_path}</loc></sitemap>" if self_path else ""
    if self_path:
        return (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{loop}<sitemap><loc>{base}/plain-sitemap.xml</loc></sitemap>'
                f"</sitemapindex>").encode()
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("bad")
    with ScriptedSite() as internal, ScriptedSite() as site:
        internal.routes["/secret"] = Route(body=b"internal service")
        base = site.base
        latin = article_html("Caf\u00e9 sant\u00e9 \u00e9t\u00e9", filler("\u00e9t\u00e9 chaud"))
        site.routes.update({
            "/robots.txt": Route(body=b"User-agent: *\nDisallow: /private/\n",
                                 content_type="text/plain"),
            "/feed-xxe.xml": Route(body=XXE, content_type="application/rss+xml"),
            "/feed-bomb.xml": Route(body=BILLION_LAUGHS, content_type="application/rss+xml"),
            "/self-sitemap.xml": Route(body=_sitemap(base, [], "/self-sitemap.xml"),
                                       content_type="application/xml"),
            "/plain-sitemap.xml": Route(body=_sitemap(base, ["/good"]),
                                        content_type="application/xml"),
            "/good": Route(body=GOOD),
            "/malformed": Route(body=article_html("Malformed", filler("malaria"))
                                .replace(b"</p>", b"").replace(b"</article>", b"<div><span>")),
            "/truncated": Route(body=article_html("Truncated", filler("tuberculosis"))[:700]),
            "/wrong-charset": Route(body=latin.decode().encode("latin-1")),
            "/no-charset": Route(body=article_html("No charset", filler("nutrition"))
                                 .replace(b'<meta charset="utf-8">', b""),
                                 content_type="text/html"),
            "/huge": Route(body=b"<html><body><p>" + b"x " * 700_000 + b"</p></body></html>"),
            "/report.pdf": Route(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 2000,
                                 content_type="application/pdf"),
            "/image": Route(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, content_type="image/png"),
            "/data.json": Route(body=json.dumps({"a": 1}).encode(),
                                content_type="application/json"),
            "/gzip-lies": Route(body=gzip.compress(GOOD)[:200]),
            "/loop-a": Route(status=302, headers={"Location": "/loop-b"}),
            "/loop-b": Route(status=302, headers={"Location": "/loop-a"}),
            "/to-internal": Route(status=301, headers={"Location": internal.url("/secret")}),
            "/to-metadata": Route(status=302,
                                  headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
            "/gone": Route(status=404, body=b"gone"),
            "/broken": Route(status=500, body=b"oops"),
            "/stall": Route(body=GOOD, delay=4),
            "/private/secret-article": Route(body=GOOD),
        })
        pages = ["/good", "/malformed", "/truncated", "/wrong-charset", "/no-charset", "/huge",
                 "/report.pdf", "/image", "/data.json", "/loop-a", "/to-internal",
                 "/to-metadata", "/gone", "/broken", "/stall", "/private/secret-article",
                 "/gzip-lies"]
        host = base.removeprefix("http://")
        sources = [
            {"name": "xxe", "outlet": "Bad", "kind": "feed", "url": base + "/feed-xxe.xml"},
            {"name": "bomb", "outlet": "Bad", "kind": "feed", "url": base + "/feed-bomb.xml"},
            {"name": "selfmap", "outlet": "Bad", "kind": "sitemap",
             "url": base + "/self-sitemap.xml"},
            {"name": "pages", "outlet": "Bad", "kind": "urls",
             "urls": [base + p for p in pages]},
        ]
        config = write_config(folder / "healthwire.toml", f"sqlite:///{folder / 'a.sqlite3'}",
                              sources, allow_private_addresses=False,
                              private_address_allowlist=[host], max_response_bytes=1_000_000,
                              download_timeout=3.0, retry_times=1)
        assert healthwire("--config", str(config), "init", cwd=folder).returncode == 0
        result = healthwire("--config", str(config), "crawl", "--json", cwd=folder)
        engine = make_engine(f"sqlite:///{folder / 'a.sqlite3'}")
        with session_scope(engine, readonly=True) as s:
            names = dict(s.execute(select(Source.id, Source.name)).all())
            runs = {names[r.source_id]: r for r in s.scalars(select(CrawlRun))}
            captures = {c.url: c for c in s.scalars(select(Capture))}
            articles = {a.url: a for a in s.scalars(select(Article))}
        engine.dispose()
        yield {"result": result, "runs": runs, "captures": captures, "articles": articles,
               "site": site, "internal": internal, "base": base,
               "report": json.loads(result.stdout) if result.stdout.strip() else None}


def _errors(run: CrawlRun) -> dict[str, str]:
    return {e["url"]: e["error"] for e in run.counters.get("error_samples", [])}


def test_every_source_finishes(outcome: Any) -> None:
    assert outcome["result"].returncode == 0, outcome["result"].stderr
    assert {name: r.outcome for name, r in outcome["runs"].items()} == {
        "xxe": "finished", "bomb": "finished", "selfmap": "finished", "pages": "finished"}


def test_hostile_feeds_are_refused_and_recorded(outcome: Any) -> None:
    for name in ("xxe", "bomb"):
        run = outcome["runs"][name]
        assert run.counters["hostile_documents"] == 1
        assert "hostile XML" in next(iter(_errors(run).values()))


def test_sitemap_pointing_to_itself_is_read_once(outcome: Any) -> None:
    requested = outcome["site"].paths_requested()
    assert requested.count("/self-sitemap.xml") == 1
    assert normalise_url(outcome["base"] + "/good") in outcome["articles"]


def test_malformed_wrong_and_missing_charset_pages_are_archived(outcome: Any) -> None:
    articles = outcome["articles"]
    for path in ("/malformed", "/no-charset", "/wrong-charset"):
        assert normalise_url(outcome["base"] + path) in articles, path
    text = articles[normalise_url(outcome["base"] + "/wrong-charset")].text
    assert "été" in text and "Ã" not in text


def test_truncated_and_non_html_pages_stay_captures(outcome: Any) -> None:
    base, captures, articles = outcome["base"], outcome["captures"], outcome["articles"]
    for path in ("/report.pdf", "/image", "/data.json", "/truncated"):
        assert base + path in captures, f"{path} was not captured"
    for path in ("/report.pdf", "/image", "/data.json"):
        assert normalise_url(base + path) not in articles


def test_oversized_page_is_dropped_and_recorded(outcome: Any) -> None:
    errors = _errors(outcome["runs"]["pages"])
    assert outcome["base"] + "/huge" not in outcome["captures"]
    assert outcome["base"] + "/huge" in errors


def test_redirect_loop_is_cut_and_recorded(outcome: Any) -> None:
    errors = _errors(outcome["runs"]["pages"])
    looped = [url for url in errors if "/loop-" in url]
    assert looped and "redirect" in errors[looped[0]]
    assert outcome["site"].paths_requested().count("/loop-a") <= 11


def test_redirects_to_private_addresses_are_refused(outcome: Any) -> None:
    assert outcome["internal"].paths_requested() == []
    assert outcome["runs"]["pages"].counters["refused_addresses"] >= 2


def test_http_errors_and_timeouts_are_recorded(outcome: Any) -> None:
    errors = _errors(outcome["runs"]["pages"])
    base = outcome["base"]
    assert errors[base + "/gone"] == "HTTP 404"
    assert errors[base + "/broken"] == "HTTP 500"
    assert outcome["site"].paths_requested().count("/broken") == 2  # retried once
    assert "took longer than" in errors[base + "/stall"]
    assert outcome["captures"][base + "/gone"].status == 404


def test_robots_disallowed_page_is_never_fetched(outcome: Any) -> None:
    assert "/private/secret-article" not in outcome["site"].paths_requested()
    assert outcome["runs"]["pages"].counters["robots_forbidden"] == 1


def test_good_pages_survive_the_bad_ones(outcome: Any) -> None:
    assert normalise_url(outcome["base"] + "/good") in outcome["articles"]
    assert outcome["runs"]["pages"].counters["errors"] >= 5


@pytest.mark.parametrize("path", ["/feed-xxe.xml", "/feed-bomb.xml"])
def test_hostile_documents_are_captured_as_evidence(outcome: Any, path: str) -> None:
    assert outcome["base"] + path in outcome["captures"]


def test_crawl_refuses_private_start_url_without_allowlist(tmp_path: Path) -> None:
    with ScriptedSite({"/feed.xml": Route(body=b"<rss/>")}) as site:
        config = write_config(tmp_path / "c.toml", f"sqlite:///{tmp_path / 'a.sqlite3'}",
                              [{"name": "local", "outlet": "L", "kind": "feed",
                                "url": site.url("/feed.xml")}],
                              allow_private_addresses=False)
        assert healthwire("--config", str(config), "init", cwd=tmp_path).returncode == 0
        result = healthwire("--config", str(config), "crawl", "--json", cwd=tmp_path)
        assert site.paths_requested() == []
    runs = json.loads(result.stdout)["runs"]
    assert runs[0]["counters"]["refused_addresses"] >= 1


@pytest.mark.parametrize("robots", [Route(status=503, body=b"busy"),
                                    Route(delay=5, body=b"User-agent: *\nAllow: /\n")])
def test_unreadable_robots_txt_skips_the_site(tmp_path: Path, robots: Route) -> None:
    """A robots.txt that answers 5xx or times out must not open a disallowed section."""
    with ScriptedSite({"/robots.txt": robots, "/page": Route(body=GOOD)}) as site:
        config = write_config(tmp_path / "c.toml", f"sqlite:///{tmp_path / 'a.sqlite3'}",
                              [{"name": "s", "outlet": "S", "kind": "urls",
                                "urls": [site.url("/page")]}], retry_times=0)
        assert healthwire("--config", str(config), "init", cwd=tmp_path).returncode == 0
        result = healthwire("--config", str(config), "crawl", "--json", cwd=tmp_path)
        assert "/page" not in site.paths_requested()
    counters = json.loads(result.stdout)["runs"][0]["counters"]
    assert counters["robots_unavailable"] == 1
    assert "robots.txt unavailable" in counters["error_samples"][0]["error"]


def test_missing_robots_txt_allows_everything(tmp_path: Path) -> None:
    with ScriptedSite({"/page": Route(body=GOOD)}) as site:  # /robots.txt answers 404
        config = write_config(tmp_path / "c.toml", f"sqlite:///{tmp_path / 'a.sqlite3'}",
                              [{"name": "s", "outlet": "S", "kind": "urls",
                                "urls": [site.url("/page")]}])
        assert healthwire("--config", str(config), "init", cwd=tmp_path).returncode == 0
        assert healthwire("--config", str(config), "crawl", cwd=tmp_path).returncode == 0
        assert "/page" in site.paths_requested()
