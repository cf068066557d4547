"""Regenerate ``sites/`` and ``truth.json`` from ``content/`` and the plan.

Run ``python -m archive.sampleworld.generate`` after editing prose or the plan, and commit the
result: the server and the tests read only the generated files, and a test checks that they
are up to date, so truth and pages cannot drift apart.

Content files: ``key: value`` header lines, a blank line, then paragraphs separated by blank
lines (HTML fragments; ``## `` starts a subhead; ``@include SITE/NAME#N`` inserts paragraph N,
counted from 0, of another article verbatim, which is how partial reuse is built).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path

from archive.sampleworld import plan, render
from archive.sampleworld.plan import SITE_BY_NAME, SITES, Derived, Site
from archive.sampleworld.render import Page, site_url

PACKAGE_DIR = Path(__file__).resolve().parent
CONTENT_DIR = PACKAGE_DIR / "content"


def file_for(path: str, index: str = "index.html") -> str:
    """The file (relative to the site root) that serves a URL path: ``/a/`` -> ``a/index.html``."""
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += index
    return rel


def parse_content(path: Path) -> tuple[dict[str, str], list[str]]:
    """Split a content file into its header fields and its paragraphs."""
    text = path.read_text(encoding="utf-8")
    header_text, _, body = text.partition("\n\n")
    fields = {}
    for line in header_text.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    paragraphs = [" ".join(block.split("\n")).strip() for block in body.split("\n\n")]
    return fields, [p for p in paragraphs if p]


def load_authored() -> dict[str, Page]:
    """Every hand-written article, with ``@include`` lines resolved."""
    raw: dict[str, tuple[dict[str, str], list[str]]] = {}
    for file in sorted(CONTENT_DIR.glob("*/*.txt")):
        raw[f"{file.parent.name}/{file.stem}"] = parse_content(file)

    def resolve(pid: str, seen: tuple[str, ...] = ()) -> list[str]:
        if pid in seen:
            raise ValueError(f"@include cycle through {pid}")
        out = []
        for para in raw[pid][1]:
            if para.startswith("@include "):
                ref, _, num = para[len("@include "):].partition("#")
                out.append(resolve(ref, (*seen, pid))[int(num)])
            else:
                out.append(para)
        return out

    pages = {}
    for pid, (fields, _) in raw.items():
        site = SITE_BY_NAME[pid.split("/")[0]]
        date_value = fields.get("date", "none")
        pages[pid] = Page(
            id=pid, site=site.name, path=fields["path"], title=fields["title"],
            description=fields.get("description", ""),
            date=None if date_value == "none" else date_value,
            author=fields.get("author", site.outlet), author_role=fields.get("author_role", ""),
            section=fields.get("section", "Health"), lang=fields.get("lang", site.lang),
            paragraphs=resolve(pid), canonical=site_url(site.name, fields["path"]),
            doi=fields.get("doi"),
        )
    return pages


def derive(spec: Derived, parent: Page) -> Page:
    """Build a copy from its parent as the plan says, failing loudly on a stale edit."""
    paragraphs = list(parent.paragraphs)
    if spec.transform == "excerpt":
        paragraphs = paragraphs[:spec.keep]
    elif spec.transform == "edit":
        paragraphs = [p for i, p in enumerate(paragraphs) if i not in spec.drop]
        for old, new in spec.edits:
            hits = [i for i, p in enumerate(paragraphs) if old in p]
            if not hits:
                raise ValueError(f"{spec.id}: edit {old!r} matches nothing in {parent.id}")
            for i in hits:
                paragraphs[i] = paragraphs[i].replace(old, new)
    elif spec.transform != "verbatim":
        raise ValueError(f"{spec.id}: unknown transform {spec.transform}")
    site = SITE_BY_NAME[spec.id.split("/")[0]]
    own = site_url(site.name, spec.path)
    return Page(
        id=spec.id, site=site.name, path=spec.path, title=spec.title or parent.title,
        description=spec.description or parent.description, date=spec.date,
        author=spec.author or parent.author, author_role=parent.author_role,
        section=spec.section or parent.section, lang=parent.lang,
        paragraphs=[*spec.before, *paragraphs, *spec.after],
        canonical=parent.url if spec.canonical_to_parent else own, parent=parent.id,
        source_outlet=SITE_BY_NAME[parent.site].outlet if spec.canonical_to_parent else None,
    )


def revise(page: Page, rev: plan.Revision) -> Page:
    """The article as it reads after a correction or a stealth edit."""
    paragraphs = list(page.paragraphs)
    for old, new in rev.edits:
        hits = [i for i, p in enumerate(paragraphs) if old in p]
        if not hits:
            raise ValueError(f"revision of {page.id}: {old!r} matches nothing")
        for i in hits:
            paragraphs[i] = paragraphs[i].replace(old, new)
    return Page(**{**page.__dict__, "paragraphs": paragraphs + list(rev.append),
                   "title": rev.title or page.title, "modified": rev.modified})


def all_pages() -> dict[str, Page]:
    """Authored and derived articles, keyed by id."""
    pages = load_authored()
    for spec in plan.DERIVED:
        pages[spec.id] = derive(spec, pages[spec.parent])
    return pages


def is_disallowed(site: Site, path: str) -> bool:
    """Whether robots.txt forbids the path on this site."""
    return any(path.startswith(prefix) for prefix in site.disallow)


def sort_newest(pages: list[Page]) -> list[Page]:
    """Newest first, undated pages last (as feeds and front pages list them)."""
    dated = sorted((p for p in pages if p.when), key=lambda p: p.when, reverse=True)
    return dated + [p for p in pages if not p.when]


class SiteWriter:
    """Writes one site's files and remembers what went into its feeds, sitemaps and listings."""

    def __init__(self, site: Site, pages: dict[str, Page], out: Path) -> None:
        self.site = site
        self.all = pages
        self.pages = sort_newest([p for p in pages.values() if p.site == site.name])
        self.public = [p for p in self.pages if not is_disallowed(site, p.path)]
        self.root = out / site.name
        self.in_feed: set[str] = set()
        self.in_sitemap: set[str] = set()
        self.listed_on: dict[str, list[str]] = {}

    def write(self, path: str, text: str, index: str = "index.html") -> None:
        target = self.root / file_for(path, index)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def popular_extra(self) -> tuple[tuple[str, str, str | None], ...]:
        """Links the digest's Most Popular block adds besides real posts (a removed one)."""
        if self.site.theme != "digest":
            return ()
        return ((plan.HND_REMOVED, "Miracle berry cures diabetes, say researchers",
                 "2022-10-14T08:00:00+00:00"),)

    def run(self) -> None:
        site = self.site
        for page in self.pages:
            extra = self.popular_extra() if page.when else ()
            sidebar = self.pages if page.when or site.theme != "digest" else [
                Page(**{**p.__dict__, "date": None}) for p in self.pages]
            self.write(page.path, render.article_html(page, site, sidebar, extra))
        titles: dict[str, str] = {}
        for listing in site.listings:
            for path, html in render.listing_pages(site, listing, self.all, titles):
                self.write(path, html)
                for item in listing.items:
                    if isinstance(item, str) and self.all[item].url in html:
                        self.listed_on.setdefault(item, []).append(path)
        self.write("/", render.home_html(site, self.public))
        for extra_path, label in (("/about/", "About us"), ("/privacy/", "Privacy policy")):
            main = f"<main><h1>{label}</h1><p>{site.title}: {site.tagline}.</p></main>"
            head = render.head(site, label, label, site_url(site.name, extra_path))
            self.write(extra_path, render.document(site, head, main))
        self.write("/static/site.css", render.css(site))
        self.write("/robots.txt", render.robots(site))
        self.write_feeds()
        self.write_sitemaps()
        self.write_routes()

    def write_feeds(self) -> None:
        site = self.site
        for path, fmt in ((site.feed_path, site.feed_format), *site.extra_feeds):
            if fmt == "rss":
                text = render.rss(site, self.public, path, full_content=site.theme == "digest")
            elif fmt == "atom":
                text = render.atom(site, self.public, path)
            else:
                text = render.json_feed(site, self.public, path)
            self.write(path, text, "index.xml" if fmt != "json" else "index.json")
        self.in_feed = {p.id for p in self.public}

    def write_sitemaps(self) -> None:
        site = self.site
        newest = max((p.when for p in self.public if p.when), default=None)
        lastmod = newest.isoformat() if newest else site.last_modified
        listing_urls = [site_url(site.name, lst.path) for lst in site.listings]
        for sm in site.sitemaps:
            if sm.kind == "index":
                text = render.sitemap_index(site, sm.children, lastmod)
            elif sm.kind == "news":
                text = render.sitemap_news(site, self.public)
                self.in_sitemap |= {p.id for p in self.public if p.date}
            else:
                text = render.sitemap_urlset(self.public, listing_urls)
                self.in_sitemap |= {p.id for p in self.public}
            self.write(sm.path, text)

    def write_revisions(self) -> list[dict[str, object]]:
        """Later versions of articles, under ``_versions/EPOCH/`` (never served directly)."""
        routes: dict[str, dict[str, object]] = {}
        for rev in plan.REVISIONS:
            page = self.all[rev.id]
            if page.site != self.site.name:
                continue
            revised = revise(page, rev)
            rel = f"_versions/{rev.epoch}/{file_for(page.path)}"
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render.article_html(revised, self.site, self.pages), "utf-8")
            route = routes.setdefault(page.path, {
                "path": page.path, "action": "versions", "kind": "revision", "versions": [],
                "note": "Serves a later version once the world's epoch reaches it."})
            versions = route["versions"]
            assert isinstance(versions, list)
            versions.append({"epoch": rev.epoch, "file": rel, "kind": rev.kind,
                             "last_modified": rev.last_modified})
        return list(routes.values())

    def write_routes(self) -> None:
        routes = self.write_revisions()
        for trouble in plan.TROUBLES:
            if trouble.site == self.site.name:
                routes.append({"path": trouble.path, "action": trouble.action,
                               "kind": trouble.kind, **trouble.params, "note": trouble.note})
        doc = {"last_modified": self.site.last_modified, "routes": routes}
        (self.root / "routes.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")


def ref(pages: dict[str, Page], pid: str) -> dict[str, str]:
    """A page reference as truth.json writes it."""
    return {"id": pid, "site": pages[pid].site, "path": pages[pid].path}


def body_links(page: Page, by_url: dict[str, str]) -> list[dict[str, str | None]]:
    """Links in the article body that leave the page's own site: the citations to follow."""
    out = []
    for para in page.paragraphs:
        for site, path in re.findall(r'href="\{\{site:([a-z0-9-]+)\}\}([^"]*)"', para):
            if site != page.site:
                out.append({"site": site, "path": path,
                            "id": by_url.get(site_url(site, path)),
                            "url": site_url(site, path)})
    return out


def lag_days(child: Page, parent: Page) -> int | None:
    """Whole days between two publication dates, when both are known."""
    if not (child.when and parent.when):
        return None
    return (child.when.date() - parent.when.date()).days


def build_truth(pages: dict[str, Page], writers: dict[str, SiteWriter]) -> dict[str, object]:
    """Everything a test or benchmark needs to know about the world, as templates."""
    parents_of: dict[str, list[str]] = {}
    for rel in plan.RELATIONS:
        parents_of.setdefault(rel.child, []).extend(rel.parents)
    by_url = {p.url: p.id for p in pages.values()}
    articles = []
    for site in SITES:
        writer = writers[site.name]
        for page in writer.pages:
            charset = next((t.params for t in plan.TROUBLES
                            if t.kind == "wrong_charset" and t.site == site.name
                            and t.path == page.path), None)
            evidence = ["jsonld", "meta", "time"] if page.date else []
            if page.date and page.id in writer.in_feed:
                evidence.append("feed")
            if page.date and page.id in writer.in_sitemap:
                evidence.append("sitemap")
            articles.append({
                "id": page.id, "site": site.name, "path": page.path, "url": page.url,
                "outlet": site.outlet, "role": site.role, "language": page.lang,
                "title": page.title, "author": page.author, "published": page.date,
                "date_evidence": evidence,
                "date_traps": list(plan.DATE_TRAPS.get(page.id, ())),
                "header_date_only": site.theme == "digest" and not page.date,
                "canonical": page.canonical, "syndicated_from": page.parent
                if page.canonical != page.url else None,
                "derived_from": sorted(set(parents_of.get(page.id, []))),
                "credits": [{"phrase": ph, "outlet": o} for ph, o in plan.CREDITS.get(page.id, ())],
                "traces": [{"phrase": ph, "outlet": o} for ph, o in plan.TRACES.get(page.id, ())],
                "body_links": body_links(page, by_url),
                "doi": page.doi,
                "in_feed": page.id in writer.in_feed,
                "in_sitemap": page.id in writer.in_sitemap,
                "listed_on": writer.listed_on.get(page.id, []),
                "disallowed": is_disallowed(site, page.path),
                "served_encoding": charset["encoding"] if charset else "utf-8",
                "declared_charset": charset["declared"] if charset else "utf-8",
            })
    relations = []
    for rel in plan.RELATIONS:
        child = pages[rel.child]
        relations.append({
            "child": ref(pages, rel.child), "parents": [ref(pages, p) for p in rel.parents],
            "kind": rel.kind, "expected_relation": rel.expected, "evidence": list(rel.evidence),
            "child_published": child.date,
            "lag_days": {p: lag_days(child, pages[p]) for p in rel.parents}, "note": rel.note,
        })
    non_copies = [{"a": ref(pages, nc.a), "b": ref(pages, nc.b), "kind": nc.kind,
                   "shared_quote": nc.shared_quote, "note": nc.note} for nc in plan.NON_COPIES]
    trouble = []
    for t in plan.TROUBLES:
        entry = {"site": t.site, "path": t.path, "url": site_url(t.site, t.path),
                 "kind": t.kind, "action": t.action, **t.params, "note": t.note}
        if t.action == "redirect":
            entry["target"] = site_url(t.site, str(t.params["location"]))
        trouble.append(entry)
    for site in SITES:
        for page in writers[site.name].pages:
            if is_disallowed(site, page.path):
                trouble.append({"site": site.name, "path": page.path, "url": page.url,
                                "kind": "disallowed", "action": "robots",
                                "rule": next(d for d in site.disallow
                                             if page.path.startswith(d)),
                                "note": "Served (200) but robots.txt forbids it."})
    seed, root = pages[plan.STORY_SEED], pages["nytimes/rectal-cancer-trial"]
    story = {
        "seed": ref(pages, plan.STORY_SEED), "seed_published": seed.date,
        "root": ref(pages, root.id), "root_published": root.date,
        "lag_days": lag_days(seed, root),
        "members": sorted({plan.STORY_SEED, "slate-fr/rectal-cancer-trial",
                           "independent/rectal-cancer-trial", "nytimes/rectal-cancer-trial",
                           "npr/rectal-cancer-trial"}),
        "note": "Root = earliest archived report; the three English reports are independent "
                "of each other; Slate.fr is the translated middle hop.",
    }
    revisions = []
    for rev in plan.REVISIONS:
        page = pages[rev.id]
        revisions.append({**ref(pages, rev.id), "url": page.url, "epoch": rev.epoch,
                          "kind": rev.kind, "title_before": page.title,
                          "title_after": rev.title or page.title, "modified": rev.modified,
                          "edits": [{"before": b, "after": a} for b, a in rev.edits],
                          "appended": list(rev.append), "last_modified": rev.last_modified})
    sites = {}
    for site in SITES:
        sites[site.name] = {
            "outlet": site.outlet, "role": site.role, "language": site.lang,
            "robots": "/robots.txt", "disallow": list(site.disallow),
            "sitemap": site.sitemap_root,
            "sitemaps": [{"path": s.path, "kind": s.kind} for s in site.sitemaps],
            "feeds": [{"path": p, "format": f}
                      for p, f in ((site.feed_path, site.feed_format), *site.extra_feeds)],
            "listings": [lst.path for lst in site.listings],
            "header_date_line": render.HEADER_DATE_LINE if site.theme == "digest" else None,
        }
    sources = [{**s, "url": site_url(str(s["site"]), str(s["path"])),
                "outlet": SITE_BY_NAME[str(s["site"])].outlet,
                "role": SITE_BY_NAME[str(s["site"])].role} for s in plan.SOURCES]
    return {"generated_for": "healthwire sample world", "captured_on": date(2022, 12, 2)
            .isoformat(), "sites": sites, "sources": sources, "articles": articles,
            "relations": relations, "non_copies": non_copies, "trouble": trouble,
            "revisions": revisions,
            "story": story}


def generate(out_dir: Path, truth_path: Path) -> None:
    """Write every site under ``out_dir`` (replacing it) and the truth file."""
    pages = all_pages()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    writers = {}
    for site in SITES:
        writer = SiteWriter(site, pages, out_dir)
        writer.run()
        writers[site.name] = writer
    truth = build_truth(pages, writers)
    truth_path.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: regenerate in place (or elsewhere, for the up-to-date test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PACKAGE_DIR / "sites")
    parser.add_argument("--truth", type=Path, default=PACKAGE_DIR / "truth.json")
    args = parser.parse_args(argv)
    generate(args.out, args.truth)
    print(f"wrote {args.out} and {args.truth} ({datetime.now():%H:%M:%S})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
