"""The linking driver: ``link_new`` after every ingest, ``rebuild`` when parameters change.

Both walk articles in id order, in batches, one transaction per batch (a crash loses at most
the batch in flight, and a rerun redoes it). A pair of articles is verified exactly once per
run, when the later of the two (by id) is processed, against the earlier ones found through the
index or through citations, so incremental linking and a rebuild visit the same pairs and,
with the same parameters, store the same links.

Boilerplate is found as articles arrive: a passage key that reaches ``boilerplate_min_pages``
pages of one outlet becomes that outlet's boilerplate, and the links already stored for those
pages are verified again without it, so the end state does not depend on arrival order.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from archive.errors import ArchiveError
from archive.fingerprint import SCHEME, Profile, profile, signature_bytes
from archive.linking import redundancy
from archive.linking.credited import CREDIT_KINDS
from archive.linking.direction import ArticleMeta, decide
from archive.linking.index import (
    ArticleKeys,
    article_keys,
    boilerplate_mask,
    delete_article_keys,
    insert_keys,
    is_passage_key,
    load_boilerplate,
    lookup,
)
from archive.linking.models import LinkBoilerplate, LinkKey, LinkState
from archive.linking.params import LinkParams
from archive.linking.stories import update_stories
from archive.linking.verify import (
    Side,
    classify,
    scores,
    shared_passages,
    unquoted_containment,
)
from archive.models import Article, Citation, Link, Outlet, utcnow

#: How a link was found and checked (at most 40 characters with the "+via" suffix).
METHOD = "minhash-lsh/exact/1"
LINK_KINDS = ("link", "canonical")
_CHUNK = 5000
_PG_LOCK = 0x6877_6C6B  # "hwlk": one linker at a time per database

Progress = Callable[[int, int], None]
#: key -> [(article_id, outlet_id)]: the index rows of a batch's keys.
Buckets = dict[int, list[tuple[int, int | None]]]


@dataclass
class LinkReport:
    """What a linking run did (printed by ``healthwire link``, logged by the daemon)."""

    mode: str = "incremental"
    articles: int = 0
    fingerprinted: int = 0
    keys_indexed: int = 0
    candidates: int = 0
    pairs_verified: int = 0
    links_written: int = 0
    links_removed: int = 0
    boilerplate_keys: int = 0
    pairs_reverified: int = 0
    stories_updated: int = 0
    seconds: float = 0.0
    relations: Counter[str] = field(default_factory=Counter)
    #: Every (article, candidate) pair, kept only when ``params.extra["record_candidates"]``
    #: (the scale benchmark measures candidate recall with it).
    candidate_pairs: set[tuple[int, int]] | None = None
    #: Seconds spent per phase (fingerprint_index, candidates, verify_store, ...).
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "candidate_pairs"}
        data["relations"] = dict(self.relations)
        return data


@dataclass
class _Loaded:
    meta: ArticleMeta
    text: str | None
    prof: Profile | None = None
    keys: ArticleKeys | None = None
    side: Side | None = None
    #: Size of the outlet's boilerplate set the cached side was computed with.
    side_version: int = -1


class _Linker:
    """State of one run: parameters, caches of profiles and metadata, boilerplate keys."""

    def __init__(self, conn: Connection, params: LinkParams, report: LinkReport) -> None:
        self.conn = conn
        self.params = params
        self.report = report
        self.cache: dict[int, _Loaded] = {}
        self.boilerplate = load_boilerplate(conn)
        self.outlet_names = {
            int(i): n for i, n in conn.execute(select(Outlet.id, Outlet.name))
        }

    def attach(self, conn: Connection) -> None:
        """Continue on the next batch's transaction, keeping the caches.

        Boilerplate keys are re-read: another process may have added some.
        """
        self.conn = conn
        self.boilerplate = load_boilerplate(conn)

    # --- loading ---------------------------------------------------------------------

    def load(self, ids: Iterable[int]) -> None:
        """Fetch metadata, text and citations of articles not in the cache."""
        # Keep the most recently loaded articles (candidates are mostly recent ones) and
        # bound memory: a profile holds a few arrays per token. Evict before loading, so
        # what this call loads is there for the caller.
        if len(self.cache) > 6_000:
            for key in list(self.cache)[: len(self.cache) - 3_000]:
                del self.cache[key]
        missing = sorted({i for i in ids if i not in self.cache})
        if not missing:
            return
        at = Article.__table__
        for i in range(0, len(missing), _CHUNK):
            chunk = missing[i : i + _CHUNK]
            rows = self.conn.execute(select(
                at.c.id, at.c.url, at.c.canonical_url, at.c.outlet_id, at.c.text,
                at.c.published_at, at.c.published_at_source, at.c.first_seen_at,
            ).where(at.c.id.in_(chunk))).all()
            for r in rows:
                meta = ArticleMeta(
                    int(r.id), r.url, r.canonical_url, r.outlet_id,
                    self.outlet_names.get(r.outlet_id) if r.outlet_id is not None else None,
                    r.published_at, r.published_at_source, r.first_seen_at,
                )
                self.cache[meta.id] = _Loaded(meta, r.text)
            self._load_citations(chunk)

    def _load_citations(self, ids: Sequence[int]) -> None:
        ct = Citation.__table__
        rows = self.conn.execute(select(
            ct.c.article_id, ct.c.kind, ct.c.target_url, ct.c.target_article_id,
            ct.c.outlet_id, ct.c.outlet_name,
        ).where(ct.c.article_id.in_(ids))).all()
        urls = {r.target_url for r in rows if r.kind in LINK_KINDS and r.target_url}
        by_url = self.resolve_urls(urls)
        for r in rows:
            meta = self.cache[int(r.article_id)].meta
            if r.kind in LINK_KINDS:
                targets = set()
                if r.target_article_id is not None:
                    targets.add(int(r.target_article_id))
                if r.target_url:
                    targets |= by_url.get(_norm_url(r.target_url), set())
                meta.points_to |= targets - {meta.id}
            elif r.kind in CREDIT_KINDS:
                if r.outlet_id is not None:
                    meta.credited_outlets.add(int(r.outlet_id))
                if r.outlet_name:
                    meta.credited_names.add(r.outlet_name.casefold())

    def resolve_urls(self, urls: Iterable[str]) -> dict[str, set[int]]:
        """Archived articles at ``urls``: the page crawled there, else pages naming it
        canonical (a syndicated copy names its original as canonical: it is not that page)."""
        out, by_canonical = self.split_urls(urls)
        for url, aids in by_canonical.items():
            if url not in out:
                out[url] = aids
        return out

    def split_urls(self, urls: Iterable[str]) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
        """Articles whose URL is one of ``urls``, and articles whose canonical URL is."""
        wanted = sorted({u for url in urls for u in _url_variants(url)})
        wanted_norm = {_norm_url(u) for u in wanted}
        at = Article.__table__
        out: dict[str, set[int]] = defaultdict(set)
        by_canonical: dict[str, set[int]] = defaultdict(set)
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            for aid, url, canon in self.conn.execute(select(
                at.c.id, at.c.url, at.c.canonical_url
            ).where(or_(at.c.url.in_(chunk), at.c.canonical_url.in_(chunk)))):
                if url and _norm_url(url) in wanted_norm:
                    out[_norm_url(url)].add(int(aid))
                if canon and _norm_url(canon) in wanted_norm:
                    by_canonical[_norm_url(canon)].add(int(aid))
        return out, by_canonical

    def side(self, aid: int) -> Side:
        """The article's profile minus its outlet's boilerplate (cached per run).

        Passage keys (hence the MinHash matrix) are only needed when the outlet has
        boilerplate; otherwise verification needs the shingles alone.
        """
        loaded = self.cache[aid]
        outlet = loaded.meta.outlet_id
        bp = self.boilerplate.get(outlet) if outlet is not None else None
        version = len(bp) if bp else 0
        if loaded.side is not None and loaded.side_version == version:
            return loaded.side
        if loaded.prof is None or (bp and loaded.prof.signature is None):
            loaded.prof = profile(loaded.text, num_perm=self.params.num_perm,
                                  seed=self.params.seed, anchors=self.params.anchors_long,
                                  signature=bool(bp))
        prof = loaded.prof
        if bp:
            if loaded.keys is None:
                loaded.keys = article_keys(prof, self.params)
            mask = boilerplate_mask(prof, loaded.keys, bp)
        else:
            mask = np.zeros(prof.n_tokens, dtype=bool)
        loaded.side = Side(prof, mask)
        loaded.side_version = version
        return loaded.side

    # --- fingerprinting and indexing -------------------------------------------------

    def fingerprint(self, ids: Sequence[int]) -> tuple[list[int], Buckets]:
        """Fingerprint and index ``ids``.

        Returns the articles whose links must be verified again (a key of theirs just became
        their outlet's boilerplate) and the buckets of every key of the batch, read once
        before the batch's own rows went in and completed with them, for the candidates.
        """
        buckets: Buckets = defaultdict(list)
        if not ids:
            return [], buckets
        clock = _Clock(self.report)
        self.load(ids)
        delete_article_keys(self.conn, list(ids))
        clock.lap("index_load")
        at = Article.__table__
        now = utcnow()
        rows: list[tuple[int, int, int | None]] = []
        updates: list[dict[str, Any]] = []
        for aid in ids:
            loaded = self.cache[aid]
            loaded.prof = profile(loaded.text, num_perm=self.params.num_perm,
                                  seed=self.params.seed, anchors=self.params.anchors_long)
            loaded.keys = article_keys(loaded.prof, self.params)
            loaded.side = None
            assert loaded.prof.signature is not None
            updates.append({
                "b_id": aid, "minhash": signature_bytes(loaded.prof.signature, self.params.seed),
                "shingle_count": int(np.unique(loaded.prof.shingles[loaded.prof.has_shingle])
                                     .size),
            })
            outlet = loaded.meta.outlet_id
            bp = self.boilerplate.get(outlet, set()) if outlet is not None else set()
            rows.extend((key, aid, outlet) for key in loaded.keys.all() if key not in bp)
        clock.lap("fingerprint")
        self.conn.execute(
            update(at).where(at.c.id == bindparam("b_id")).values(
                minhash=bindparam("minhash"), shingle_count=bindparam("shingle_count"),
                minhash_scheme=SCHEME, minhash_seed=self.params.seed,
                minhash_num_perm=self.params.num_perm, fingerprinted_at=now,
            ),
            updates,
        )
        clock.lap("index_store_signatures")
        for key, aid, outlet in lookup(self.conn, {r[0] for r in rows}):
            buckets[key].append((aid, outlet))
        clock.lap("index_lookup")
        insert_keys(self.conn, rows)
        clock.lap("index_insert")
        for key, aid, outlet in rows:
            buckets[key].append((aid, outlet))
        self.report.fingerprinted += len(ids)
        self.report.keys_indexed += len(rows)
        return self._detect_boilerplate(rows, buckets), buckets

    def _detect_boilerplate(self, rows: list[tuple[int, int, int | None]],
                            buckets: Buckets) -> list[int]:
        """Promote passage keys now on enough pages of one outlet to boilerplate."""
        pairs = {(key, outlet) for key, _, outlet in rows
                 if outlet is not None and is_passage_key(key)}
        new_ids = {aid for _, aid, _ in rows}
        reverify: set[int] = set()
        promoted = []
        for key, outlet in pairs:
            aids = [a for a, o in buckets[key] if o == outlet]
            if len(aids) >= self.params.boilerplate_min_pages:
                promoted.append({"outlet_id": outlet, "key": key, "pages": len(aids),
                                 "detected_at": utcnow()})
                self.boilerplate[outlet].add(key)
                reverify.update(a for a in aids if a not in new_ids)
        if promoted:
            lk = LinkKey.__table__
            self.conn.execute(insert(LinkBoilerplate.__table__), promoted)
            self.conn.execute(
                delete(lk).where(lk.c.key == bindparam("b_key"),
                                 lk.c.outlet_id == bindparam("b_outlet")),
                [{"b_key": p["key"], "b_outlet": p["outlet_id"]} for p in promoted],
            )
            self.report.boilerplate_keys += len(promoted)
        return sorted(reverify)

    def stored_keys(self, ids: Sequence[int]) -> dict[int, list[int]]:
        """The keys of already indexed articles, read from the index (no hashing)."""
        lk = LinkKey.__table__
        out: dict[int, list[int]] = defaultdict(list)
        for i in range(0, len(ids), _CHUNK):
            chunk = list(ids[i : i + _CHUNK])
            for key, aid in self.conn.execute(
                select(lk.c.key, lk.c.article_id).where(lk.c.article_id.in_(chunk))
            ):
                out[int(aid)].append(int(key))
        return out

    # --- candidates ------------------------------------------------------------------

    def candidates(self, keys_by_article: dict[int, list[int]],
                   allowed: Callable[[int, int], bool], *,
                   skip_unlinked: bool = False,
                   buckets: Buckets | None = None) -> dict[int, dict[int, str]]:
        """For each article, the earlier articles sharing a key or a citation with it.

        ``skip_unlinked`` (incremental runs) leaves out articles outside this batch that are
        not linked yet: the pair is verified when their own turn comes.
        """
        if buckets is None:
            buckets = defaultdict(list)
            for key, aid, outlet in lookup(self.conn,
                                           {k for ks in keys_by_article.values() for k in ks}):
                buckets[key].append((aid, outlet))
        if skip_unlinked:
            outside = sorted({a for b in buckets.values() for a, _ in b} - set(keys_by_article))
            at = Article.__table__
            later: set[int] = set()
            for i in range(0, len(outside), _CHUNK):
                later |= {int(x) for (x,) in self.conn.execute(select(at.c.id).where(
                    at.c.id.in_(outside[i : i + _CHUNK]), at.c.linked_at.is_(None)))}
            if later:
                inner = allowed

                def allowed(aid: int, other: int) -> bool:
                    return other not in later and inner(aid, other)
        self.load(keys_by_article)
        result: dict[int, dict[int, str]] = {}
        for aid, keys in keys_by_article.items():
            own_outlet = self.cache[aid].meta.outlet_id
            own_bp = self.boilerplate.get(own_outlet, set()) if own_outlet is not None else set()
            shared: Counter[int] = Counter()
            for key in keys:
                if key in own_bp:
                    continue
                for other, outlet in buckets.get(key, ()):
                    if other == aid or not allowed(aid, other):
                        continue
                    if outlet is not None and key in self.boilerplate.get(outlet, ()):
                        continue
                    shared[other] += 1
            ranked = sorted(((o, n) for o, n in shared.items()
                             if n >= self.params.min_shared_keys),
                            key=lambda kv: (-kv[1], kv[0]))
            chosen = {other: "index" for other, _ in ranked[: self.params.max_candidates]}
            result[aid] = chosen
        self._citation_candidates(result, allowed)
        self.report.candidates += sum(len(c) for c in result.values())
        if self.params.extra.get("record_candidates"):
            if self.report.candidate_pairs is None:
                self.report.candidate_pairs = set()
            self.report.candidate_pairs.update((a, o) for a, c in result.items() for o in c)
        return result

    def _citation_candidates(self, result: dict[int, dict[int, str]],
                             allowed: Callable[[int, int], bool]) -> None:
        """Add pairs joined by a link, canonical URL or resolved citation, either way."""
        ids = list(result)
        metas = {aid: self.cache[aid].meta for aid in ids}
        for aid, meta in metas.items():
            for other in meta.points_to:
                if allowed(aid, other):
                    result[aid].setdefault(other, "citation")
        # Canonical URLs naming another archived page, and pages naming us.
        canon = {meta.canonical_url for meta in metas.values()
                 if meta.canonical_url and meta.canonical_url != meta.url}
        by_url, by_canonical = self.split_urls(canon | {m.url for m in metas.values()})
        for aid, meta in metas.items():
            related: set[int] = set()
            if meta.canonical_url and meta.canonical_url != meta.url:
                related |= by_url.get(_norm_url(meta.canonical_url), set())
            related |= by_canonical.get(_norm_url(meta.url), set())
            for other in related - {aid}:
                if allowed(aid, other):
                    result[aid].setdefault(other, "canonical")
        # Citations elsewhere that point at these articles.
        ct = Citation.__table__
        urls = sorted({u for m in metas.values() for u in _url_variants(m.url)})
        url_to_id = {u: aid for aid, m in metas.items() for u in _url_variants(m.url)}
        for i in range(0, max(len(ids), len(urls)), _CHUNK):
            id_chunk, url_chunk = ids[i : i + _CHUNK], urls[i : i + _CHUNK]
            stmt = select(ct.c.article_id, ct.c.target_article_id, ct.c.target_url).where(
                ct.c.kind.in_(LINK_KINDS),
                or_(ct.c.target_article_id.in_(id_chunk), ct.c.target_url.in_(url_chunk)),
            )
            for citing, target_id, target_url in self.conn.execute(stmt):
                target = target_id if target_id in result else url_to_id.get(target_url)
                citing = int(citing)
                if target is not None and citing != target and allowed(target, citing):
                    result[int(target)].setdefault(citing, "cited_by")

    # --- verification and storage ----------------------------------------------------

    def verify(self, a: int, b: int, via: str) -> dict[str, Any] | None:
        """Verify one pair exactly; return the link row to store, or None."""
        self.load((a, b))
        side_a, side_b = self.side(a), self.side(b)
        meta_a, meta_b = self.cache[a].meta, self.cache[b].meta
        sc = scores(side_a, side_b)
        self.report.pairs_verified += 1
        cites = b in meta_a.points_to or a in meta_b.points_to or (
            meta_a.names_as_canonical(meta_b) or meta_b.names_as_canonical(meta_a))
        credits = meta_a.credits(meta_b) or meta_b.credits(meta_a)
        # Fewer shared 5-grams than the shortest passage that can count: nothing to find.
        least = min(self.params.min_quote_words, self.params.min_passage_words) - 4
        if not cites and sc.shared < least and sc.jaccard < self.params.near_duplicate_jaccard:
            return None
        direction = decide(meta_a, meta_b, sc.containment_a, sc.containment_b, self.params)
        child_is_a = direction.child.id == a
        child_side, parent_side = (side_a, side_b) if child_is_a else (side_b, side_a)
        passages = shared_passages(child_side, parent_side, self.params.min_passage_words,
                                   self.params.min_quote_words)
        child_first = sc if child_is_a else type(sc)(
            sc.jaccard, sc.containment_b, sc.containment_a, sc.shared, sc.size_b, sc.size_a)
        share, shared = unquoted_containment(child_side, parent_side)
        verdict = classify(child_first, passages, cites=cites, credits=credits,
                           params=self.params, unquoted_share=share, unquoted_shared=shared)
        if verdict.relation is None:
            return None
        child, parent = direction.child, direction.parent
        evidence = {
            "rule": verdict.rule,
            "candidate_via": via,
            "shared_shingles": sc.shared,
            "child_shingles": child_first.size_a,
            "parent_shingles": child_first.size_b,
            "quoted_passages": sum(1 for p in passages if p.is_quote),
            "child_links_parent": parent.id in child.points_to,
            "child_credits_parent": child.credits(parent),
            "child_canonical_is_parent": child.names_as_canonical(parent),
            "examples": [
                {"text": p.text[:300], "chars": p.chars, "words": p.words, "quote": p.is_quote}
                for p in sorted(passages, key=lambda p: (-p.chars, p.start_char))[:3]
            ],
        }
        return {
            "child_id": child.id, "parent_id": parent.id, "relation": verdict.relation,
            "jaccard": round(verdict.jaccard, 6),
            "containment_child": round(verdict.containment_child, 6),
            "containment_parent": round(verdict.containment_parent, 6),
            "shared_passages": len(passages), "shared_chars": verdict.shared_chars,
            "lag_seconds": direction.lag_seconds(self.params),
            "confidence": direction.confidence, "direction_reason": direction.reason,
            "evidence": evidence, "method": METHOD if via == "index" else f"{METHOD}+{via}",
            "params": self.params.as_dict(), "created_at": utcnow(),
        }

    def store(self, rows: list[dict[str, Any]]) -> None:
        """Insert new links (callers removed whatever the pairs had before)."""
        if rows:
            self.conn.execute(insert(Link.__table__), rows)
        for r in rows:
            self.report.relations[r["relation"]] += 1
        self.report.links_written += len(rows)

    def link_pairs(self, cands: dict[int, dict[int, str]]) -> set[int]:
        """Verify and store every candidate pair; return the articles whose links changed.

        Each pair is verified once: the batch's old links were deleted first (incremental),
        or all links were (rebuild), or the re-verified ones were (boilerplate change).
        """
        rows: list[dict[str, Any]] = []
        touched: set[int] = set()
        self.load({o for c in cands.values() for o in c} | set(cands))
        for aid in sorted(cands):
            for other, via in sorted(cands[aid].items()):
                row = self.verify(aid, other, via)
                if row is not None:
                    rows.append(row)
                    touched.update((aid, other))
        self.store(rows)
        return touched

    def reverify(self, ids: Sequence[int]) -> set[int]:
        """Verify again every stored link of ``ids`` (their boilerplate changed)."""
        if not ids:
            return set()
        lt = Link.__table__
        pairs: set[tuple[int, int, str]] = set()
        link_ids: list[int] = []
        for i in range(0, len(ids), _CHUNK):
            chunk = list(ids[i : i + _CHUNK])
            for link_id, c, p, method in self.conn.execute(select(
                lt.c.id, lt.c.child_id, lt.c.parent_id, lt.c.method
            ).where(lt.c.child_id.in_(chunk) | lt.c.parent_id.in_(chunk))):
                via = method.split("+")[-1] if "+" in method else "index"
                later, earlier = (c, p) if c > p else (p, c)
                pairs.add((int(later), int(earlier), via))
                link_ids.append(int(link_id))
        for i in range(0, len(link_ids), _CHUNK):
            removed = self.conn.execute(delete(lt).where(lt.c.id.in_(link_ids[i : i + _CHUNK])))
            self.report.links_removed += removed.rowcount or 0
        self.report.pairs_reverified += len(pairs)
        cands: dict[int, dict[int, str]] = defaultdict(dict)
        for later, earlier, via in pairs:
            cands[later][earlier] = via
        return self.link_pairs(cands) | {n for p in pairs for n in p[:2]}


def _norm_url(url: str) -> str:
    """URLs compare without fragment or trailing slash."""
    url = url.split("#", 1)[0]
    return url[:-1] if url.endswith("/") else url


def _url_variants(url: str) -> list[str]:
    base = _norm_url(url)
    return [base, base + "/"]


# --- state and locking -------------------------------------------------------------------


def _lock(conn: Connection) -> None:
    """One linker at a time: SQLite's BEGIN IMMEDIATE already serialises writers.

    On SQLite the linker's connection also gets a larger page cache: bucket lookups probe
    the index B-tree at random, and the default 2 MiB cache makes each probe a read.
    """
    if conn.dialect.name == "postgresql":
        # Scoped to this archive's schema: archives sharing one database do not wait on each
        # other (advisory locks are database-wide).
        conn.exec_driver_sql(
            f"SELECT pg_advisory_xact_lock(hashtext(current_schema()), {_PG_LOCK % 2147483647})"
        )
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -262144")


def _get_state(conn: Connection, name: str) -> dict[str, Any] | None:
    value = conn.execute(select(LinkState.value).where(LinkState.name == name)).scalar()
    return dict(value) if value is not None else None


def _set_state(conn: Connection, name: str, value: dict[str, Any] | None) -> None:
    conn.execute(delete(LinkState.__table__).where(LinkState.name == name))
    if value is not None:
        conn.execute(insert(LinkState.__table__).values(name=name, value=value,
                                                         updated_at=utcnow()))


def _check_index(conn: Connection, params: LinkParams, *, allow_reset: bool) -> bool:
    """Record the index parameters; True if the stored index was built with others."""
    stored = _get_state(conn, "index")
    wanted = params.index_dict()
    if stored is None:
        _set_state(conn, "index", wanted)
        return False
    if stored == wanted:
        return False
    if not allow_reset:
        raise ArchiveError(
            "the link index was built with other parameters "
            f"({stored}); these need {wanted}",
            hint="run `healthwire link --rebuild` to re-index and relink everything",
        )
    return True


def _unlinked(conn: Connection, limit: int) -> list[int]:
    at = Article.__table__
    return [int(i) for (i,) in conn.execute(
        select(at.c.id).where(at.c.linked_at.is_(None)).order_by(at.c.id).limit(limit))]


# --- public API --------------------------------------------------------------------------


def link_new(engine: Engine, params: LinkParams | None = None,
             progress: Progress | None = None) -> LinkReport:
    """Fingerprint, index and link every article not linked yet (``linked_at`` is NULL).

    Safe to run from several processes: batches are serialised by the database (SQLite's
    write lock, a PostgreSQL advisory lock), and a crash loses only the batch in flight.
    """
    params = params or LinkParams()
    report = LinkReport(mode="incremental")
    started = time.perf_counter()
    with engine.begin() as conn:
        _lock(conn)
        _check_index(conn, params, allow_reset=False)
        total = int(conn.execute(select(func.count()).select_from(Article.__table__)
                                 .where(Article.__table__.c.linked_at.is_(None))).scalar() or 0)
    done = 0
    linker: _Linker | None = None
    while True:
        with engine.begin() as conn:
            _lock(conn)
            batch = _unlinked(conn, params.batch_size)
            if not batch:
                break
            if linker is None:
                linker = _Linker(conn, params, report)
            else:
                linker.attach(conn)
            _link_batch(linker, batch)
        done += len(batch)
        if progress is not None:
            progress(done, max(total, done))
    report.seconds = time.perf_counter() - started
    return report


def _link_batch(linker: _Linker, batch: list[int]) -> None:
    conn, params, report = linker.conn, linker.params, linker.report
    clock = _Clock(report)
    batch_set = set(batch)
    lt = Link.__table__
    at = Article.__table__
    # A new (or changed) article starts from no links; its old partners' stories change.
    touching = lt.c.child_id.in_(batch) | lt.c.parent_id.in_(batch)
    partners = {int(n) for row in conn.execute(select(lt.c.child_id, lt.c.parent_id)
                                              .where(touching)) for n in row}
    if partners:
        report.links_removed += conn.execute(delete(lt).where(touching)).rowcount or 0
    reverify, buckets = linker.fingerprint(batch)
    keys = {aid: linker.cache[aid].keys.all() for aid in batch}  # type: ignore[union-attr]
    clock.lap("fingerprint_index")

    def allowed(aid: int, other: int) -> bool:
        return other < aid if other in batch_set else True

    cands = linker.candidates(keys, allowed, skip_unlinked=True, buckets=buckets)
    clock.lap("candidates")
    touched = linker.link_pairs(cands) | partners
    touched |= linker.reverify(reverify)
    clock.lap("verify_store")
    conn.execute(update(at).where(at.c.id.in_(batch)).values(linked_at=utcnow()))
    # Only articles whose links changed can change a story or a redundancy flag (the
    # batch's articles start with no links, so those without a link now are alone).
    redundancy.refresh(linker, redundancy.children_around(conn, touched))
    clock.lap("redundancy")
    report.articles += len(batch)
    report.stories_updated += update_stories(conn, touched, params)
    clock.lap("stories")


class _Clock:
    """Seconds per phase, added to the report (the scale benchmark prints them)."""

    def __init__(self, report: LinkReport) -> None:
        self.report = report
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.report.timings[phase] = self.report.timings.get(phase, 0.0) + now - self.last
        self.last = now


def rebuild(engine: Engine, params: LinkParams | None = None,
            progress: Progress | None = None) -> LinkReport:
    """Recompute every link from the stored index with ``params``, in resumable batches.

    The run's progress (last article done, parameter digest) is committed with each batch; a
    rerun with the same parameters resumes there, with other parameters it starts over.
    Nothing is re-hashed unless the index parameters changed (then everything is re-indexed,
    which is the only way to change band settings).
    """
    params = params or LinkParams()
    report = LinkReport(mode="rebuild")
    started = time.perf_counter()
    at = Article.__table__
    with engine.begin() as conn:
        _lock(conn)
        reindex = _check_index(conn, params, allow_reset=True)
        state = _get_state(conn, "rebuild")
        if reindex:
            conn.execute(delete(LinkKey.__table__))
            conn.execute(delete(LinkBoilerplate.__table__))
            conn.execute(update(at).values(fingerprinted_at=None))
            _set_state(conn, "index", params.index_dict())
            state = None
        if state is None or state.get("digest") != params.digest():
            conn.execute(delete(Link.__table__))
            conn.execute(update(at).values(linked_at=None))
            state = {"digest": params.digest(), "last_id": 0, "phase": "index"}
            _set_state(conn, "rebuild", state)
        total = int(conn.execute(select(func.count()).select_from(at)).scalar() or 0)
    # Phase 1: index whatever is not indexed yet (new or re-indexed articles).
    while state["phase"] == "index":
        with engine.begin() as conn:
            _lock(conn)
            ids = [int(i) for (i,) in conn.execute(select(at.c.id).where(
                at.c.fingerprinted_at.is_(None)).order_by(at.c.id).limit(params.batch_size))]
            if not ids:
                state = {**state, "phase": "link"}
                _set_state(conn, "rebuild", state)
                break
            _Linker(conn, params, report).fingerprint(ids)
    # Phase 2: link every article against the earlier ones, batch by batch.
    done = 0
    with engine.connect() as conn:
        done = int(conn.execute(select(func.count()).select_from(at).where(
            at.c.id <= state["last_id"])).scalar() or 0)
    while True:
        with engine.begin() as conn:
            _lock(conn)
            ids = [int(i) for (i,) in conn.execute(select(at.c.id).where(
                at.c.id > state["last_id"]).order_by(at.c.id).limit(params.batch_size))]
            if not ids:
                break
            linker = _Linker(conn, params, report)
            keys = linker.stored_keys(ids)
            linker.load(ids)
            for aid in ids:
                keys.setdefault(aid, [])
            cands = linker.candidates(keys, lambda a, o: o < a)
            linker.link_pairs(cands)
            conn.execute(update(at).where(at.c.id.in_(ids)).values(linked_at=utcnow()))
            report.articles += len(ids)
            state = {**state, "last_id": ids[-1]}
            _set_state(conn, "rebuild", state)
        done += len(ids)
        if progress is not None:
            progress(done, total)
    with engine.begin() as conn:
        _lock(conn)
        report.stories_updated = update_stories(conn, (), params, everything=True)
        lt = Link.__table__
        children = {int(c) for (c,) in conn.execute(select(lt.c.child_id).distinct())}
        redundancy.refresh(_Linker(conn, params, report), children)
        _set_state(conn, "rebuild", None)
    report.seconds = time.perf_counter() - started
    return report
