"""Measure archive.extraction against plain trafilatura and htmldate on real, checked pages.

Run: python benchmarks/extraction.py [--corpus DIR] [--repeat N] [--limit N]

Body quality follows the Scrapinghub article-extraction benchmark: per page, word tokens
(lower-cased \\w+ runs), sets of 4-gram shingles, P = |pred & true| / |pred|,
R = |pred & true| / |true|, F1 from those; all three averaged over pages. The truth body is the
corpus's lead (summary) paragraphs followed by its body paragraphs. Title: exact match after
whitespace normalisation. Authors: per-page F1 of case-folded name sets, averaged over pages
that have true authors. Dates: day-level; a prediction with a stated offset is compared with the
truth converted to that offset (the page's own offset), a date-only or offset-less prediction
(and htmldate's date-only output) with the truth's own calendar day. Speed: the median over
`--repeat` passes, the extractors interleaved page by page, on pages already in memory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402
from htmldate import find_date  # noqa: E402

from archive.extraction import extract_page  # noqa: E402


def default_corpus() -> Path:
    """The shared corpora folder beside the repository, or $HEALTHWIRE_CORPORA."""
    env = os.environ.get("HEALTHWIRE_CORPORA")
    base = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
    return base / "news-pages"


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def body_prf(pred: str, true: str) -> tuple[float, float, float]:
    p, t = shingles(pred), shingles(true)
    inter = len(p & t)
    precision = inter / len(p) if p else 0.0
    recall = inter / len(t) if t else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def author_f1(pred: list[str], true: list[str]) -> float:
    p = {" ".join(a.casefold().split()) for a in pred}
    t = {" ".join(a.casefold().split()) for a in true}
    if not p and not t:
        return 1.0
    inter = len(p & t)
    if not inter:
        return 0.0
    precision, recall = inter / len(p), inter / len(t)
    return 2 * precision * recall / (precision + recall)


def parse_truth_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def date_ok(pred: datetime | None, precision: str | None, truth: datetime) -> bool:
    if pred is None:
        return False
    if precision == "exact" and truth.tzinfo is not None:
        return truth.astimezone(pred.tzinfo).date() == pred.date()
    return truth.date() == pred.date()


def norm_title(t: str | None) -> str:
    return " ".join((t or "").split())


def load(corpus: Path, limit: int | None) -> list[tuple[dict, bytes]]:
    rows = [json.loads(line) for line in (corpus / "index.jsonl").open(encoding="utf-8")]
    if limit:
        rows = rows[:limit]
    return [(row, gzip.decompress((corpus / row["file"]).read_bytes())) for row in rows]


def timed(fns: dict, pages, repeat: int) -> dict[str, float]:
    """Median seconds per full pass for each extractor, interleaved page by page.

    Interleaving exposes every extractor to the same machine load: on a shared 2-core machine
    a burst of load during one extractor's separate pass would otherwise decide the ratio.
    """
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        totals = dict.fromkeys(fns, 0.0)
        for row, body in pages:
            for name, fn in fns.items():
                start = time.perf_counter()
                fn(row, body)
                totals[name] += time.perf_counter() - start
        for name, total in totals.items():
            runs[name].append(total)
    return {name: statistics.median(values) for name, values in runs.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=default_corpus())
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--show-misses", action="store_true", help="list title and date misses")
    args = ap.parse_args()
    if not (args.corpus / "index.jsonl").exists():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    pages = load(args.corpus, args.limit)

    ours = {}
    base_text = {}
    base_date = {}
    for row, body in pages:
        ours[row["file"]] = extract_page(body, row["url"])
        base_text[row["file"]] = trafilatura.extract(body, url=row["url"]) or ""
        base_date[row["file"]] = find_date(body, url=row["url"], original_date=True)
        # trafilatura's own title, for the title baseline (metadata only)
    base_title = {
        row["file"]: (trafilatura.extract_metadata(body, default_url=row["url"]).title or "")
        for row, body in pages
    }

    def avg(values: list[float]) -> float:
        return statistics.mean(values) if values else 0.0

    o_body = [body_prf(ours[r["file"]].text, "\n".join(r["summary"] + r["paragraphs"]))
              for r, _ in pages]
    b_body = [body_prf(base_text[r["file"]], "\n".join(r["summary"] + r["paragraphs"]))
              for r, _ in pages]
    o_title = avg([norm_title(ours[r["file"]].title) == norm_title(r["title"]) for r, _ in pages])
    b_title = avg([norm_title(base_title[r["file"]]) == norm_title(r["title"]) for r, _ in pages])
    with_authors = [r for r, _ in pages if r["authors"]]
    o_auth = avg([author_f1(ours[r["file"]].authors, r["authors"]) for r in with_authors])
    dated = [(r, parse_truth_date(r["published_at"])) for r, _ in pages]
    dated = [(r, d) for r, d in dated if d is not None]
    o_date = avg([
        date_ok(ours[r["file"]].published_at, ours[r["file"]].published_at_precision, d)
        for r, d in dated
    ])
    b_date = avg([base_date[r["file"]] == d.date().isoformat() for r, d in dated])

    times = timed(
        {
            "ours": lambda r, b: extract_page(b, r["url"]),
            "trafilatura": lambda r, b: trafilatura.extract(b, url=r["url"]),
            "htmldate": lambda r, b: find_date(b, url=r["url"], original_date=True),
        },
        pages,
        args.repeat,
    )
    t_ours, t_traf, t_hd = times["ours"], times["trafilatura"], times["htmldate"]
    n = len(pages)

    def col(values, i):
        return avg([v[i] for v in values])

    print(f"pages: {n} (dated: {len(dated)}, with authors: {len(with_authors)}); "
          f"timing: median of {args.repeat} passes")
    print()
    print("| measure | healthwire | trafilatura.extract | htmldate.find_date | goal |")
    print("|---|---|---|---|---|")
    print(f"| body precision | {col(o_body, 0):.3f} | {col(b_body, 0):.3f} | - | >= 0.95 |")
    print(f"| body recall | {col(o_body, 1):.3f} | {col(b_body, 1):.3f} | - | - |")
    print(f"| body F1 | {col(o_body, 2):.3f} | {col(b_body, 2):.3f} | - | >= 0.95 |")
    print(f"| title exact match | {o_title:.3f} | {b_title:.3f} (metadata) | - | >= 0.90 |")
    print(f"| author F1 | {o_auth:.3f} | - | - | - |")
    print(f"| date accuracy (day) | {o_date:.3f} | - | {b_date:.3f} | >= 0.98 |")
    print(f"| pages per second | {n / t_ours:.1f} | {n / t_traf:.1f} | {n / t_hd:.1f} | "
          f">= {n / (t_traf + t_hd):.1f} (both baselines) |")
    print()
    print(f"speed ratio ours / (trafilatura + htmldate) in time: {t_ours / (t_traf + t_hd):.2f}")
    if args.show_misses:
        for r, _ in pages:
            page = ours[r["file"]]
            if norm_title(page.title) != norm_title(r["title"]):
                print("TITLE", r["file"], repr(r["title"]), "|", repr(page.title),
                      page.title_source)
        for r, d in dated:
            page = ours[r["file"]]
            if not date_ok(page.published_at, page.published_at_precision, d):
                print("DATE", r["file"], d, "|", page.published_at, page.published_at_source,
                      page.published_at_precision)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
