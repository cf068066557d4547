"""Detection quality of the syndication linker on a labelled world built from real articles.

The world (seeded, reproducible) takes the real text of ../shared/corpora/news-pages and makes
every kind of copy users meet: verbatim reposts in other sites' templates months later,
light edits, excerpts with "read more", partial reuse, spun copies (a fifth of the words
swapped), seed-like rewrites that keep two or three quotes and credit the outlet in prose
(some drawing on two reports: several parents), copies whose rel=canonical names the
original, reposts of reposts two and three hops deep, many pages of one aggregator sharing its
template, widgets, an in-text disclaimer and a newsletter prompt, copies with no date or only
the theme's header date, and independent reports that share only quotes. Paragraphs used as
"own text" of copies and independent reports come from a reserved pool of real articles, each
used once, so the truth is known exactly.

It inserts the world into a fresh archive (SQLite in a temporary folder, or --db), runs
``link_new``, and prints precision and recall per relation and overall, recall per kind of
copy, the share of copies whose roots are exactly their true originals, the share of links with
the right direction, and the links between independent reports (goal: none).

    python benchmarks/syndication.py [--db URL] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

import archive.linking.models  # noqa: E402,F401
from archive.db import make_engine  # noqa: E402
from archive.linking import LinkParams, link_new  # noqa: E402
from archive.models import Article, Citation, Link, Outlet  # noqa: E402
from archive.schema import upgrade  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news-pages" / "index.jsonl"
DERIVATION = ("duplicate", "near_duplicate", "excerpt", "partial_reuse", "cites")
#: Relations a kind of copy may rightly get (the first is the expected one).
EXPECTED = {
    "verbatim": ("duplicate", "near_duplicate"),
    "light_edit": ("near_duplicate", "duplicate"),
    "excerpt": ("excerpt",),
    "partial_reuse": ("partial_reuse",),
    "spun": ("partial_reuse", "near_duplicate"),
    "quote_rewrite": ("partial_reuse",),
    "canonical_copy": ("duplicate", "near_duplicate"),
    "repost_hop": ("duplicate", "near_duplicate"),
    "aggregator_copy": ("duplicate", "near_duplicate"),
}
PROMPT = "Sign up for the Health Digest newsletter and get the latest health news every morning"
DISCLAIMER = ("Disclaimer: this article is provided for general information only and does not "
              "replace professional medical advice. Health Digest republishes stories from its "
              "partners and is not responsible for their content.")
WIDGETS = ["Most read: Ten foods that help you sleep better tonight",
           "Trending now: Why doctors recommend walking after dinner",
           "Follow us on social media for daily health tips and news"]
SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Page:
    url: str
    outlet: str
    text: str
    kind: str  # original, independent, or a copy kind
    published_at: datetime | None
    source: str | None
    first_seen_at: datetime
    parents: list[str] = field(default_factory=list)
    canonical: str | None = None
    credits: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def load_corpus() -> list[dict[str, Any]]:
    records = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    # Two Taz pages in the corpus are one story twice: keep one, so the truth is exact.
    seen_titles: set[str] = set()
    out = []
    for r in records:
        paras = [p.strip() for p in r.get("paragraphs") or [] if p.strip()]
        key = (r.get("publisher"), (r.get("title") or "")[:40])
        if len(paras) < 6 or key in seen_titles:
            continue
        seen_titles.add(key)
        out.append({**r, "paragraphs": paras})
    return out


class WorldBuilder:
    """Makes the labelled world; every random choice comes from one seeded generator."""

    def __init__(self, records: list[dict[str, Any]], seed: int) -> None:
        self.rng = random.Random(seed)
        records = records[:]
        self.rng.shuffle(records)
        n_orig = int(len(records) * 0.55)
        self.originals_src = records[:n_orig]
        # Each pool paragraph is used once; the corpus repeats some site boilerplate (e.g. a
        # broadcaster's graphics-consent notice) across pages: keep one copy of anything
        # repeated, and nothing that an original also contains.
        def norm(p: str) -> str:
            return " ".join(p.casefold().split())[:200]

        counts = Counter(norm(p) for r in records for p in r["paragraphs"])
        in_originals = {norm(p) for r in self.originals_src for p in r["paragraphs"]}
        self.pool = [p for r in records[n_orig:] for p in r["paragraphs"]
                     if counts[norm(p)] == 1 and norm(p) not in in_originals]
        self.rng.shuffle(self.pool)
        self.vocab = sorted({w for r in records for p in r["paragraphs"]
                             for w in p.split() if w.isalpha() and len(w) > 3})
        self.pages: list[Page] = []
        self.counter = 0

    def own(self, n: int) -> list[str]:
        """n paragraphs of text nobody else has (from the reserved pool, used once)."""
        out, self.pool = self.pool[:n], self.pool[n:]
        if len(out) < n:
            raise RuntimeError("the reserved pool ran out: lower the copy counts")
        return out

    def url(self, outlet: str) -> str:
        self.counter += 1
        slug = re.sub(r"[^a-z0-9]+", "-", outlet.lower()).strip("-")
        return f"https://{slug}.example/story/{self.counter}"

    def quote_paragraphs(self, paras: list[str], k: int) -> tuple[list[str], list[str]]:
        """Turn k sentences of the original into quoted speech; return text and quotes."""
        paras = paras[:]
        quotes: list[str] = []
        order = list(range(1, len(paras)))
        self.rng.shuffle(order)
        for i in order:
            sentences = [s for s in SENTENCE.split(paras[i]) if 10 <= len(s.split()) <= 30]
            if not sentences:
                continue
            s = self.rng.choice(sentences)
            quoted = "\u201c" + s.rstrip(".!?") + "\u201d"
            paras[i] = paras[i].replace(s, f"{quoted}, the expert said.", 1)
            quotes.append(quoted)
            if len(quotes) == k:
                break
        return paras, quotes

    def build(self) -> list[Page]:
        rng = self.rng
        aggregators = [f"Aggregator {i}" for i in range(1, 9)]
        originals: list[tuple[Page, list[str], list[str]]] = []
        for rec in self.originals_src:
            paras, quotes = self.quote_paragraphs(rec["paragraphs"], 3)
            try:
                when = datetime.fromisoformat(rec["published_at"]).astimezone(UTC)
            except (TypeError, ValueError):
                when = datetime(2024, 5, 1, tzinfo=UTC)
            page = Page(self.url(rec["publisher"]), rec["publisher"], "\n\n".join(paras),
                        "original", when, "jsonld", when + timedelta(hours=2))
            self.pages.append(page)
            originals.append((page, paras, quotes))
        kinds = ["verbatim", "light_edit", "excerpt", "partial_reuse", "spun", "quote_rewrite",
                 "canonical_copy", "repost_hop", "aggregator_copy"]
        for idx, (orig, paras, quotes) in enumerate(originals):
            n_copies = rng.randint(1, 3)
            chosen = rng.sample(kinds, n_copies)
            for kind in chosen:
                self.copy(kind, orig, paras, quotes, rng.choice(aggregators), originals, idx)
        # Independent reports of the same events: their own text, the same quotes, no credit.
        for orig, _paras, quotes in rng.sample(originals, min(60, len(originals))):
            if not quotes:
                continue
            own = self.own(rng.randint(4, 8))
            pos = rng.randint(1, len(own) - 1)
            own.insert(pos, f"In a statement, the expert said {quotes[0]}.")
            when = orig.published_at + timedelta(hours=rng.uniform(-20, 20))  # type: ignore
            self.pages.append(Page(self.url(f"Independent desk {rng.randint(1, 20)}"),
                                   f"Independent desk {rng.randint(1, 20)}", "\n\n".join(own),
                                   "independent", when, "jsonld", when + timedelta(hours=1)))
        return self.pages

    def _dates(self, parent: Page, style: str) -> tuple[datetime | None, str | None, datetime]:
        assert parent.first_seen_at is not None
        base = parent.published_at or parent.first_seen_at
        when = base + timedelta(days=self.rng.uniform(0.2, 200))
        seen = when + timedelta(hours=self.rng.uniform(1, 48))
        if style == "none":
            return None, None, seen
        if style == "header":
            return seen.replace(hour=0, minute=0, second=0, microsecond=0), "text", seen
        return when, "jsonld", seen

    def _date_style(self) -> str:
        return self.rng.choices(["dated", "none", "header"], weights=[6, 2, 2])[0]

    def spin(self, paras: list[str], rate: float = 0.2) -> list[str]:
        out = []
        for p in paras:
            words = p.split()
            for i in range(len(words)):
                if self.rng.random() < rate:
                    words[i] = self.rng.choice(self.vocab)
            out.append(" ".join(words))
        return out

    def template(self, outlet: str, paras: list[str]) -> list[str]:
        """Another site's template: a standfirst and a related-links line of its own."""
        return ([f"{outlet} brings you this report from our partners."] + paras
                + [f"More from {outlet}: " + " ".join(self.own(1)[0].split()[:12])])

    def copy(self, kind: str, orig: Page, paras: list[str], quotes: list[str], outlet: str,
             originals: list, idx: int) -> None:
        rng = self.rng
        style = self._date_style()
        published, source, seen = self._dates(orig, style)
        page = Page(self.url(outlet), outlet, "", kind, published, source, seen,
                    parents=[orig.url])
        if kind == "verbatim":
            page.text = "\n\n".join(self.template(outlet, paras))
        elif kind == "light_edit":
            edited = paras[:]
            if len(edited) > 6:
                edited.pop(rng.randrange(1, len(edited)))
            for _ in range(3):
                i = rng.randrange(len(edited))
                words = edited[i].split()
                if len(words) > 3:
                    words[rng.randrange(len(words))] = rng.choice(self.vocab)
                edited[i] = " ".join(words)
            page.text = "\n\n".join([self.own(1)[0]] + edited)
        elif kind == "excerpt":
            # The opening paragraphs, at most about 40% of the report.
            budget = sum(len(p.split()) for p in paras) * rng.uniform(0.2, 0.4)
            n, words = 0, 0
            while n < len(paras) - 1 and (n == 0 or words + len(paras[n].split()) <= budget):
                words += len(paras[n].split())
                n += 1
            page.text = "\n\n".join(paras[:n] + [f"Read more at {orig.outlet}."])
            page.credits = [orig.outlet]
            if rng.random() < 0.5:
                page.links = [orig.url]
        elif kind == "partial_reuse":
            # A run of paragraphs (35-60% of the report) inside as much text of its own.
            k = max(2, int(len(paras) * rng.uniform(0.35, 0.6)))
            start = rng.randrange(0, len(paras) - k + 1)
            reused = paras[start : start + k]
            words = sum(len(p.split()) for p in reused)
            own: list[str] = []
            while sum(len(p.split()) for p in own) < words:
                own += self.own(1)
            cut = rng.randint(1, len(own))
            page.text = "\n\n".join(own[:cut] + reused + own[cut:])
        elif kind == "spun":
            page.text = "\n\n".join(self.spin(paras))
        elif kind == "quote_rewrite":
            if len(quotes) < 2:
                return
            own = self.own(rng.randint(4, 7))
            own.insert(1, f"As {orig.outlet} reported, {quotes[0]}.")
            own.insert(3, f"The expert told {orig.outlet}: {quotes[1]}.")
            page.credits = [orig.outlet]
            # Some draw on a second report at once (several parents).
            if rng.random() < 0.4:
                other, _, oquotes = originals[(idx + 1) % len(originals)]
                if len(oquotes) >= 2 and other.outlet != orig.outlet:
                    own.insert(5, f"Speaking to {other.outlet}, another expert said {oquotes[0]}.")
                    own.append(f"{oquotes[1]}, the expert explained to {other.outlet}.")
                    page.parents.append(other.url)
                    page.credits.append(other.outlet)
                    latest = max(orig.published_at, other.published_at)  # type: ignore
                    if page.published_at is not None and page.published_at <= latest:
                        page.published_at = latest + timedelta(days=3)
                    page.first_seen_at = max(page.first_seen_at, latest + timedelta(days=3))
            page.text = "\n\n".join(own)
        elif kind == "canonical_copy":
            page.text = "\n\n".join(paras)
            page.canonical = orig.url
            page.published_at, page.source = None, None
        elif kind == "repost_hop":
            hops = rng.randint(2, 3)
            parent, text_paras = orig, paras
            for hop in range(hops):
                hop_outlet = f"Repost site {rng.randint(1, 12)}"
                intro_words: list[str] = []
                while len(intro_words) < 15:
                    intro_words += self.own(1)[0].split()
                intro = f"Via {parent.outlet}: " + " ".join(intro_words[:15])
                text_paras = [intro] + text_paras
                published, source, seen = self._dates(parent, "dated")
                hop_page = Page(self.url(hop_outlet), hop_outlet, "\n\n".join(text_paras),
                                "repost_hop", published, source, seen, parents=[parent.url],
                                credits=[parent.outlet])
                self.pages.append(hop_page)
                parent = hop_page
                del hop
            return
        elif kind == "aggregator_copy":
            page.outlet = "Health Digest"
            page.url = self.url("Health Digest")
            body = paras[:]
            body.insert(min(3, len(body)), PROMPT)
            page.text = "\n\n".join(body + [DISCLAIMER] + WIDGETS)
        self.pages.append(page)


def insert_world(engine: Engine, pages: list[Page]) -> dict[str, int]:
    """Write outlets, articles and citations straight into the archive."""
    outlets = sorted({p.outlet for p in pages} | {c for p in pages for c in p.credits})
    with engine.begin() as conn:
        conn.execute(insert(Outlet.__table__), [{"name": o, "role": "unknown",
                                                  "created_at": datetime.now(UTC)}
                                                 for o in outlets])
        outlet_ids = {n: i for i, n in conn.execute(select(Outlet.id, Outlet.name))}
        rows = [{
            "url": p.url, "canonical_url": p.canonical or p.url, "outlet_id": outlet_ids[p.outlet],
            "title": p.text.split("\n", 1)[0][:120], "text": p.text, "authors": [],
            "language": None, "published_at": p.published_at, "published_at_source": p.source,
            "first_seen_at": p.first_seen_at, "last_seen_at": p.first_seen_at, "extra": {},
        } for p in pages]
        conn.execute(insert(Article.__table__), rows)
        ids = {u: i for i, u in conn.execute(select(Article.id, Article.url))}
        cites = []
        for p in pages:
            for name in p.credits:
                cites.append({"article_id": ids[p.url], "kind": "credit", "outlet_name": name,
                              "outlet_id": outlet_ids.get(name), "target_url": None})
            for target in p.links:
                cites.append({"article_id": ids[p.url], "kind": "link", "target_url": target,
                              "outlet_name": None, "outlet_id": None})
        if cites:
            conn.execute(insert(Citation.__table__), cites)
    return ids


def evaluate(engine: Engine, pages: list[Page], ids: dict[str, int]) -> dict[str, Any]:
    by_id = {ids[p.url]: p for p in pages}
    parents_true = {ids[p.url]: {ids[u] for u in p.parents} for p in pages}

    def ancestors(aid: int) -> set[int]:
        out: set[int] = set()
        stack = list(parents_true[aid])
        while stack:
            x = stack.pop()
            if x not in out:
                out.add(x)
                stack.extend(parents_true[x])
        return out

    anc = {aid: ancestors(aid) for aid in by_id}
    true_roots = {aid: ({a for a in anc[aid] if not parents_true[a]} or {aid}) for aid in by_id}
    with engine.connect() as conn:
        rows = conn.execute(select(Link.child_id, Link.parent_id, Link.relation,
                                   Link.evidence)).all()
    direct = [(c, p, r) for c, p, r, ev in rows
              if r in DERIVATION and not (ev or {}).get("redundant")]
    quotes_only = [(c, p) for c, p, r, _ in rows if r == "shares_quotes"]
    predicted = {(c, p): r for c, p, r in direct}
    correct = {k for k in predicted if k[1] in anc[k[0]]}
    reversed_ = {k for k in predicted if k[0] in anc[k[1]]}
    # Recall per kind: each true (copy, parent) edge found as a direct link.
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_relation_truth: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for aid, parents in parents_true.items():
        kind = by_id[aid].kind
        for parent in parents:
            found = (aid, parent) in predicted
            per_kind[kind][0] += found
            per_kind[kind][1] += 1
            expected = EXPECTED[kind][0]
            per_relation_truth[expected][1] += 1
            if found and predicted[(aid, parent)] in EXPECTED[kind]:
                per_relation_truth[expected][0] += 1
    per_relation_pred: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, relation in predicted.items():
        per_relation_pred[relation][1] += 1
        per_relation_pred[relation][0] += key in correct
    # Roots: walk predicted direct links upward.
    pred_parents: dict[int, set[int]] = defaultdict(set)
    for c, p, _ in direct:
        pred_parents[c].add(p)

    def pred_roots(aid: int) -> set[int]:
        out, stack, seen = set(), [aid], set()
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            if pred_parents[x] - seen or pred_parents[x]:
                stack.extend(pred_parents[x])
            else:
                out.add(x)
        return out or {aid}

    copies = [aid for aid, p in by_id.items() if p.kind not in ("original", "independent")]
    roots_ok = sum(1 for aid in copies if pred_roots(aid) == true_roots[aid])
    independents = {aid for aid, p in by_id.items() if p.kind == "independent"}
    indep_links = [k for k in predicted if k[0] in independents or k[1] in independents]
    digest = {ids[p.url] for p in pages if p.outlet == "Health Digest"}
    digest_links = [k for k in predicted if k[0] in digest and k[1] in digest
                    and k[1] not in anc[k[0]]]
    total_truth = sum(v[1] for v in per_kind.values())
    found_truth = sum(v[0] for v in per_kind.values())
    return {
        "articles": len(pages),
        "copies": len(copies),
        "true_edges": total_truth,
        "predicted_links": len(predicted),
        "precision": len(correct) / len(predicted) if predicted else 1.0,
        "recall": found_truth / total_truth if total_truth else 1.0,
        "direction_right": len(correct) / (len(correct) + len(reversed_))
        if (correct or reversed_) else 1.0,
        "roots_exact": roots_ok / len(copies) if copies else 1.0,
        "recall_per_kind": {k: {"found": v[0], "of": v[1], "recall": v[0] / v[1]}
                            for k, v in sorted(per_kind.items())},
        "per_relation": {
            r: {
                "precision": per_relation_pred[r][0] / per_relation_pred[r][1]
                if per_relation_pred[r][1] else None,
                "predicted": per_relation_pred[r][1],
                "recall": per_relation_truth[r][0] / per_relation_truth[r][1]
                if per_relation_truth[r][1] else None,
                "expected": per_relation_truth[r][1],
            } for r in sorted(set(per_relation_pred) | set(per_relation_truth))
        },
        "independent_derivation_links": len(indep_links),
        "shares_quotes_links": len(quotes_only),
        "aggregator_pages_linked_to_each_other": len(digest_links),
        "false_links_sample": [
            (by_id[c].kind, by_id[p].kind, r) for (c, p), r in predicted.items()
            if (c, p) not in correct][:10],
        "missed_sample": [
            (by_id[aid].kind, by_id[aid].source) for aid, ps in parents_true.items()
            for p in ps if (aid, p) not in predicted][:10],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        return 0
    pages = WorldBuilder(load_corpus(), args.seed).build()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='hw-synd-')}/world.sqlite3"
    engine = make_engine(url)
    upgrade(engine)
    ids = insert_world(engine, pages)
    started = time.perf_counter()
    report = link_new(engine, LinkParams())
    elapsed = time.perf_counter() - started
    result = evaluate(engine, pages, ids)
    result["link_seconds"] = round(elapsed, 2)
    result["kinds"] = dict(Counter(p.kind for p in pages))
    result["boilerplate_keys"] = report.boilerplate_keys
    engine.dispose()
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    print(f"world: {result['articles']} articles ({result['kinds']}), seed {args.seed}")
    print(f"linked in {elapsed:.1f} s; {result['predicted_links']} direct derivation links, "
          f"{result['true_edges']} true edges")
    print(f"overall precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
          f"direction right {result['direction_right']:.3f}  "
          f"roots exact {result['roots_exact']:.3f}")
    print("recall per kind of copy:")
    for kind, v in result["recall_per_kind"].items():
        print(f"  {kind:16s} {v['found']:4d}/{v['of']:<4d} {v['recall']:.3f}")
    print("per relation (precision of predicted links; recall of true edges given that "
          "relation):")
    for rel, v in result["per_relation"].items():
        p = "-" if v["precision"] is None else f"{v['precision']:.3f}"
        r = "-" if v["recall"] is None else f"{v['recall']:.3f}"
        print(f"  {rel:16s} precision {p} ({v['predicted']})  recall {r} ({v['expected']})")
    print(f"derivation links touching independent reports: "
          f"{result['independent_derivation_links']} (goal 0); shares_quotes links: "
          f"{result['shares_quotes_links']}")
    print(f"Health Digest pages linked to each other: "
          f"{result['aggregator_pages_linked_to_each_other']} (goal 0); "
          f"boilerplate keys found: {result['boilerplate_keys']}")
    if result["false_links_sample"]:
        print("false links (child kind, parent kind, relation):", result["false_links_sample"])
    if result["missed_sample"]:
        print("missed (kind, date source):", result["missed_sample"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
