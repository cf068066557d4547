"""Speed and scale of the linker: 10k and 100k articles, SQLite and PostgreSQL.

Articles are generated from the real texts of ../shared/corpora/news-pages: a word-bigram
model of the corpus writes new articles with the corpus's paragraph and length statistics
(so common phrases recur as they do in news, but no two generated reports are copies), and a
controlled share of them are copies of earlier ones (verbatim, light edits, excerpts, partial
reuse). Each size runs in its own child process so peak memory is per run.

Printed, per backend and size: articles linked per second end to end (fingerprint, index,
candidates, exact verification, storage, stories), the cost of computing the MinHash
signatures alone with datasketch's batch API in the same run, their ratio, peak memory, and at
10k the recall of the LSH candidates against exact all-pairs similarity (a sparse matrix
product over the shingle sets). Then the time per article at the large size over the small.

    python benchmarks/link_scale.py [--sizes 10000 100000] [--postgres URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news-pages" / "index.jsonl"
COPY_SHARE = {"verbatim": 0.08, "light_edit": 0.04, "excerpt": 0.04, "partial_reuse": 0.04}


class BigramWriter:
    """Writes new text from the corpus's word bigrams (vectorised over many articles)."""

    def __init__(self, seed: int) -> None:
        records = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
        self.rng = np.random.default_rng(seed)
        vocab: dict[str, int] = {}
        pairs: list[tuple[int, int]] = []
        self.para_lengths: list[int] = []
        self.article_paras: list[int] = []
        for r in records:
            paras = [p for p in r.get("paragraphs") or [] if p.strip()]
            if not paras:
                continue
            self.article_paras.append(len(paras))
            for p in paras:
                words = p.split()
                self.para_lengths.append(len(words))
                ids = [vocab.setdefault(w, len(vocab)) for w in words]
                pairs.extend(zip(ids, ids[1:], strict=False))
        self.words = np.array(sorted(vocab, key=vocab.get), dtype=object)
        arr = np.array(pairs, dtype=np.int64)
        order = np.argsort(arr[:, 0], kind="stable")
        arr = arr[order]
        self.succ = arr[:, 1]
        counts = np.bincount(arr[:, 0], minlength=len(vocab))
        self.offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.counts = counts
        self.starts = np.flatnonzero(counts > 0)
        #: Every word occurrence with a successor: sampling it is sampling by frequency.
        self.unigram = arr[:, 0].copy()

    def walk(self, n: int, length: int, jump: float = 0.6) -> np.ndarray:
        """n word-id sequences of ``length`` words.

        A corpus of a few hundred articles has mostly unique bigrams, so a pure bigram walk
        would recite it; with probability ``jump`` the next word is drawn from the unigram
        distribution instead, so five-word runs recur about as rarely as in real news while
        frequent phrases still do.
        """
        out = np.empty((n, length), dtype=np.int64)
        cur = self.rng.choice(self.starts, n)
        for step in range(length):
            out[:, step] = cur
            dead = (self.counts[cur] == 0) | (self.rng.random(n) < jump)
            cur[dead] = self.unigram[self.rng.integers(0, self.unigram.size, int(dead.sum()))]
            pick = (self.rng.random(n) * self.counts[cur]).astype(np.int64)
            cur = self.succ[self.offsets[cur] + pick]
        return out

    def articles(self, n: int) -> list[list[str]]:
        """n articles as lists of paragraphs, lengths drawn from the corpus."""
        n_paras = self.rng.choice(self.article_paras, n)
        n_paras = np.clip(n_paras, 3, 40)
        lengths = self.rng.choice(self.para_lengths, int(n_paras.sum()))
        lengths = np.clip(lengths, 8, 150)
        total = int(lengths.sum())
        stream = self.walk(max(1, total // 200 + 1), 200).ravel()[:total]
        words = self.words[stream]
        out: list[list[str]] = []
        pos = 0
        li = 0
        for k in n_paras.tolist():
            paras = []
            for _ in range(k):
                ln = int(lengths[li])
                paras.append(" ".join(words[pos : pos + ln].tolist()))
                pos += ln
                li += 1
            out.append(paras)
        return out


def make_world(n: int, seed: int) -> list[dict[str, Any]]:
    """n articles, a controlled share of which copy an earlier one."""
    writer = BigramWriter(seed)
    rng = np.random.default_rng(seed + 1)
    n_copies = int(n * sum(COPY_SHARE.values()))
    bodies = writer.articles(n - n_copies + n_copies // 2)
    extra = iter(bodies[n - n_copies :])
    bodies = bodies[: n - n_copies]
    kinds = np.array(["original"] * (n - n_copies) + [
        k for k, share in COPY_SHARE.items() for _ in range(int(n * share))
    ] + ["verbatim"] * (n_copies - sum(int(n * s) for s in COPY_SHARE.values())))
    rng.shuffle(kinds[1:])
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    world: list[dict[str, Any]] = []
    originals: list[int] = []
    body_iter = iter(bodies)
    for i, kind in enumerate(kinds.tolist()):
        when = t0 + timedelta(minutes=10 * i)
        if kind == "original" or not originals:
            paras = next(body_iter, None) or next(extra)
            world.append({"paras": paras, "kind": "original", "parent": None, "when": when})
            originals.append(i)
            continue
        parent = int(rng.choice(originals[-5000:]))
        src = world[parent]["paras"]
        # Template lines belong to the copying site (every site has its own), as in life.
        site = i % 200
        if kind == "verbatim":
            paras = [f"Republished with permission by Outlet {site} for its readers."] + src
        elif kind == "light_edit":
            paras = src[:]
            if len(paras) > 4:
                paras.pop(int(rng.integers(1, len(paras))))
            paras = [next(extra, [f"An intro by Outlet {site} for this copy."])[0]] + paras
        elif kind == "excerpt":
            paras = src[: max(1, len(src) // 3)] + [f"Read more at the source, says Outlet {site}."]
        else:
            k = max(2, len(src) // 2)
            own = next(extra, None) or [f"Our own text at Outlet {site}."]
            paras = own[: max(2, len(own) // 2)] + src[:k]
        world.append({"paras": paras, "kind": kind, "parent": parent, "when": when})
    return world


def insert(engine: Any, world: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert as sql_insert
    from sqlalchemy import select

    from archive.models import Article, Outlet

    with engine.begin() as conn:
        conn.execute(sql_insert(Outlet.__table__), [
            {"name": f"Outlet {i}", "role": "unknown", "created_at": datetime.now(UTC)}
            for i in range(200)])
        outlet_ids = [i for (i,) in conn.execute(select(Outlet.id).order_by(Outlet.id))]
    rows = []
    for i, art in enumerate(world):
        rows.append({
            "url": f"https://outlet{i % 200}.example/a/{i}", "canonical_url": None,
            "outlet_id": outlet_ids[i % 200], "title": f"Article {i}",
            "text": "\n\n".join(art["paras"]), "authors": [], "extra": {},
            "published_at": art["when"], "published_at_source": "jsonld",
            "first_seen_at": art["when"] + timedelta(hours=1),
            "last_seen_at": art["when"] + timedelta(hours=1),
        })
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(sql_insert(Article.__table__), rows[i : i + 5000])


def minhash_only(texts: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds to compute the signatures alone: normalise, shingle, datasketch
    ``MinHash.bulk`` with xxh32 (the library's batch API)."""
    import xxhash
    from datasketch import MinHash

    from archive.fingerprint import normalise, word_tokens

    started, cpu = time.perf_counter(), time.process_time()
    batch: list[list[bytes]] = []
    for text in texts:
        tokens, _ = word_tokens(normalise(text))
        batch.append([" ".join(tokens[i : i + 5]).encode() for i in range(len(tokens) - 4)])
        if len(batch) == 500:
            MinHash.bulk(batch, num_perm=128, hashfunc=xxhash.xxh32_intdigest)
            batch = []
    if batch:
        MinHash.bulk(batch, num_perm=128, hashfunc=xxhash.xxh32_intdigest)
    return time.perf_counter() - started, time.process_time() - cpu


def candidate_recall(texts: list[str], candidates: set[tuple[int, int]], ids: list[int],
                     params: Any) -> dict[str, Any]:
    """Recall of the candidates on pairs with J >= 0.5 or containment >= 0.3, exactly."""
    from scipy import sparse

    from archive.fingerprint import profile

    sets = [profile(t, signature=False).shingle_set() for t in texts]
    universe, inverse = np.unique(np.concatenate(sets), return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), [s.size for s in sets])
    matrix = sparse.csr_matrix((np.ones(rows.size, dtype=np.int32), (rows, inverse)),
                               shape=(len(sets), universe.size))
    shared = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    sizes = np.array([s.size for s in sets], dtype=np.float64)
    a, b, inter = shared.row, shared.col, shared.data.astype(np.float64)
    jac = inter / (sizes[a] + sizes[b] - inter)
    cont = inter / np.minimum(sizes[a], sizes[b])
    want = (jac >= params.near_duplicate_jaccard) | (
        (cont >= params.partial_reuse_containment) & (inter >= params.min_shared_shingles))
    truth = {(ids[int(x)], ids[int(y)]) for x, y in zip(a[want], b[want], strict=True)}
    undirected = {(min(p), max(p)) for p in candidates}
    found = len(truth & undirected)
    return {"pairs_true": len(truth), "pairs_found": found,
            "recall": found / len(truth) if truth else 1.0,
            "candidates_per_article": len(undirected) / len(texts),
            "pairs_sharing_any_shingle": int(inter.size)}


def run_one(n: int, url: str | None, seed: int, recall: bool) -> dict[str, Any]:
    from sqlalchemy import select

    import archive.linking.models  # noqa: F401
    from archive.db import make_engine
    from archive.linking import LinkParams, link_new
    from archive.models import Article
    from archive.schema import downgrade, upgrade

    t0 = time.perf_counter()
    world = make_world(n, seed)
    gen_seconds = time.perf_counter() - t0
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='hw-scale-')}/scale.sqlite3"
        schema = None
    else:
        from sqlalchemy.engine import make_url

        schema = f"hw_scale_{uuid.uuid4().hex[:8]}"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        admin.dispose()
        url = make_url(url).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        insert(engine, world)
        texts = ["\n\n".join(a["paras"]) for a in world]
        baseline, baseline_cpu = minhash_only(texts)
        params = LinkParams(extra={"record_candidates": recall})
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu = time.perf_counter(), time.process_time()
        tail_marks: list[tuple[int, float]] = []
        report = link_new(engine, params, progress=lambda d, t: tail_marks.append(
            (d, time.perf_counter())))
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
        # Marginal cost on a full archive: the last 10% of the run.
        cut = next((m for m in tail_marks if m[0] >= 0.9 * n), tail_marks[-1])
        tail = (started + seconds - cut[1]) / max(1, n - cut[0]) if cut[0] < n else None
        result: dict[str, Any] = {
            "backend": engine.dialect.name, "articles": n,
            "words_per_article": float(np.mean([len(t.split()) for t in texts])),
            "generate_seconds": round(gen_seconds, 1),
            "link_seconds": round(seconds, 2),
            "articles_per_second": round(n / seconds, 1),
            "ms_per_article": round(1000 * seconds / n, 3),
            "ms_per_article_last_10pct": round(1000 * tail, 3) if tail else None,
            "minhash_only_seconds": round(baseline, 2),
            "ratio_to_minhash_only": round(seconds / baseline, 2),
            "link_cpu_seconds": round(cpu_seconds, 2),
            "minhash_only_cpu_seconds": round(baseline_cpu, 2),
            "cpu_ratio_to_minhash_only": round(cpu_seconds / baseline_cpu, 2),
            "timings": {k: round(v, 2) for k, v in report.timings.items()},
            "load_average": os.getloadavg()[0],
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_link_mib": round(rss_before / 1024, 1),
            "links": report.links_written, "pairs_verified": report.pairs_verified,
            "keys_indexed": report.keys_indexed,
            "copies_found": None,
        }
        with engine.connect() as conn:
            id_list = [int(i) for (i,) in conn.execute(select(Article.id).order_by(Article.id))]
            from archive.models import Link

            found = {(int(c), int(p)) for c, p in conn.execute(select(Link.child_id,
                                                                       Link.parent_id))}
        truth = {(id_list[i], id_list[a["parent"]]) for i, a in enumerate(world)
                 if a["parent"] is not None}
        result["copies_found"] = round(len(truth & found) / len(truth), 4) if truth else None
        if recall:
            result["candidate_recall"] = candidate_recall(
                texts, report.candidate_pairs or set(), id_list, params)
        return result
    finally:
        if schema is not None:
            downgrade(engine, "base")
            engine.dispose()
            admin = make_engine(url.split("?")[0])
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()
        else:
            engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres", default=os.environ.get("HEALTHWIRE_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (default: $HEALTHWIRE_TEST_POSTGRES_URL)")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("N", "URL", "RECALL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        return 0
    if args.child:
        n, url, recall = int(args.child[0]), args.child[1], args.child[2] == "1"
        result = run_one(n, None if url == "-" else url, args.seed, recall)
        # Also kept on disk, so a long series interrupted late keeps what it measured.
        with (Path(tempfile.gettempdir()) / "healthwire-link-scale.jsonl").open("a") as fh:
            fh.write(json.dumps(result) + "\n")
        print(json.dumps(result))
        return 0
    results = []
    for backend in args.backends:
        if backend == "postgresql" and not args.postgres:
            print("postgresql: skipped (no --postgres or $HEALTHWIRE_TEST_POSTGRES_URL)")
            continue
        for n in args.sizes:
            url = "-" if backend == "sqlite" else args.postgres
            recall = "1" if n == min(args.sizes) else "0"
            proc = subprocess.run(
                [sys.executable, __file__, "--seed", str(args.seed), "--child", str(n), url,
                 recall], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(result)
            if not args.json:
                print(f"{result['backend']:10s} n={n:>7,}  {result['articles_per_second']:7.1f} "
                      f"articles/s  {result['ms_per_article']:.2f} ms/article (last 10%: "
                      f"{result['ms_per_article_last_10pct']} ms)  minhash alone "
                      f"{1000 * result['minhash_only_seconds'] / n:.2f} ms/article  ratio "
                      f"{result['ratio_to_minhash_only']:.2f} (CPU time "
                      f"{result['cpu_ratio_to_minhash_only']:.2f})  peak RSS "
                      f"{result['peak_rss_mib']:.0f} MiB  copies found "
                      f"{result['copies_found']}")
                if "candidate_recall" in result:
                    cr = result["candidate_recall"]
                    print(f"           candidate recall vs exact all-pairs: {cr['recall']:.4f} "
                          f"({cr['pairs_found']}/{cr['pairs_true']} pairs with J>=0.5 or "
                          f"containment>=0.3); {cr['candidates_per_article']:.1f} candidates "
                          f"per article")
    by_backend: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_backend.setdefault(r["backend"], []).append(r)
    for backend, rows in by_backend.items():
        rows.sort(key=lambda r: r["articles"])
        if len(rows) >= 2:
            small, large = rows[0], rows[-1]
            growth = large["ms_per_article"] / small["ms_per_article"]
            print(f"{backend}: time per article at {large['articles']:,} / at "
                  f"{small['articles']:,} = {growth:.2f} (goal <= 1.3)")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
