"""The persistent LSH index: keys of an article, bucket lookups, and band parameters.

Two kinds of keys go into one table (``link_key``):

* **Document bands** (bands 0..b-1): the 128-value signature cut into ``b`` bands of ``r``
  rows, each band hashed to 32 bits. Two documents share a band with probability
  ``1 - (1 - J**r)**b``. With b=42, r=3 that is 0.996 at J=0.5 (datasketch's default for
  threshold 0.5, b=21 r=6... about 0.29-0.5 depending on its optimiser, finds far fewer).
* **Passage anchors** (bands 64..): each passage's minimum under the first few permutations,
  one row per band. Two passages share an anchor with probability equal to their Jaccard
  similarity, so a shared paragraph (J=1) or a shared quote always meets, and a spun paragraph
  (J about 0.2) meets often enough over the ten to thirty passages of an article.

A key is ``band << 32 | hash32``: one integer column, one primary-key probe per lookup.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from archive.fingerprint import Profile
from archive.linking.models import LinkBoilerplate, LinkKey
from archive.linking.params import LinkParams

PASSAGE_BAND0 = 64
_CHUNK = 5000


def s_curve(jaccard: float, bands: int, rows: int) -> float:
    """Probability that two sets with this Jaccard similarity share at least one band."""
    return 1.0 - (1.0 - jaccard**rows) ** bands


def anchor_recall(jaccard: float, anchors: int, passages: int = 1) -> float:
    """Probability that ``passages`` pairs of passages at this Jaccard share an anchor."""
    return 1.0 - (1.0 - jaccard) ** (anchors * passages)


@dataclass
class ArticleKeys:
    """An article's index keys: document bands, and per passage its anchor keys."""

    doc: list[int]
    passages: list[list[int]]

    def all(self) -> list[int]:
        seen: dict[int, None] = dict.fromkeys(self.doc)
        for keys in self.passages:
            seen.update(dict.fromkeys(keys))
        return list(seen)


_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _band_hashes(signature: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A 32-bit hash of each band's ``rows`` values (a 64-bit multiply-xorshift mix)."""
    values = signature[: bands * rows].astype(np.uint64).reshape(bands, rows)
    with np.errstate(over="ignore"):
        h = np.zeros(bands, dtype=np.uint64)
        for r in range(rows):
            h = (h ^ values[:, r]) * _GOLDEN
            h ^= h >> np.uint64(29)
        h *= _MIX1
        h ^= h >> np.uint64(32)
        h *= _MIX2
        h ^= h >> np.uint64(29)
    return h & np.uint64(0xFFFFFFFF)


def article_keys(prof: Profile, params: LinkParams) -> ArticleKeys:
    """The keys of a fingerprinted profile (no hashing of text happens here)."""
    assert prof.signature is not None and prof.anchors is not None
    doc: list[int] = []
    if prof.has_shingle.any():
        hashes = _band_hashes(prof.signature, params.bands, params.rows)
        bands = np.arange(params.bands, dtype=np.uint64) << np.uint64(32)
        doc = (bands | hashes).tolist()
    passages: list[list[int]] = []
    if prof.passages:
        rows_with = np.flatnonzero(prof.has_shingle)
        starts = np.array([p.start for p in prof.passages])
        ends = np.array([p.end for p in prof.passages])
        n_shingles = np.searchsorted(rows_with, ends) - np.searchsorted(rows_with, starts)
        count = np.where(n_shingles >= params.short_passage_shingles, params.anchors_long,
                         params.anchors_short)
        count[n_shingles == 0] = 0
        width = prof.anchors.shape[1]
        bands = (np.arange(width, dtype=np.uint64) + np.uint64(PASSAGE_BAND0)) << np.uint64(32)
        keys = (prof.anchors.astype(np.uint64) | bands).tolist()
        passages = [row[:c] for row, c in zip(keys, count.tolist(), strict=True)]
    return ArticleKeys(doc, passages)


def is_passage_key(key: int) -> bool:
    return (key >> 32) >= PASSAGE_BAND0


def lookup(conn: Connection, keys: Iterable[int]) -> list[tuple[int, int, int | None]]:
    """All (key, article_id, outlet_id) rows for ``keys`` (chunked to stay under parameter
    limits of both backends)."""
    keys = sorted(set(keys))
    out: list[tuple[int, int, int | None]] = []
    table = LinkKey.__table__
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i : i + _CHUNK]
        stmt = select(table.c.key, table.c.article_id, table.c.outlet_id).where(
            table.c.key.in_(chunk)
        )
        out.extend((int(k), int(a), o) for k, a, o in conn.execute(stmt))
    return out


def insert_keys(conn: Connection, rows: Sequence[tuple[int, int, int | None]]) -> None:
    """Add bucket entries (key, article_id, outlet_id): the driver's executemany directly,
    since SQLAlchemy's per-row parameter processing costs more than the insert itself."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO link_key (key, article_id, outlet_id) VALUES ({mark}, {mark}, {mark})"
    for i in range(0, len(rows), 20_000):
        conn.exec_driver_sql(sql, list(rows[i : i + 20_000]))


def delete_article_keys(conn: Connection, article_ids: Sequence[int]) -> None:
    """Drop the bucket entries of articles about to be fingerprinted again."""
    table = LinkKey.__table__
    for i in range(0, len(article_ids), _CHUNK):
        conn.execute(delete(table).where(table.c.article_id.in_(article_ids[i : i + _CHUNK])))


def load_boilerplate(conn: Connection) -> dict[int, set[int]]:
    """Every outlet's boilerplate keys (small: a few per template element and outlet)."""
    table = LinkBoilerplate.__table__
    result: dict[int, set[int]] = defaultdict(set)
    for outlet_id, key in conn.execute(select(table.c.outlet_id, table.c.key)):
        result[int(outlet_id)].add(int(key))
    return result


def boilerplate_mask(prof: Profile, keys: ArticleKeys, outlet_keys: set[int]) -> np.ndarray:
    """Tokens of the passages that are the outlet's boilerplate (most anchors recurring)."""
    mask = np.zeros(prof.n_tokens, dtype=bool)
    if not outlet_keys:
        return mask
    for passage, pkeys in zip(prof.passages, keys.passages, strict=True):
        if passage.kind == "quote" or not pkeys:
            continue
        hits = sum(1 for k in pkeys if k in outlet_keys)
        if hits * 2 > len(pkeys):
            mask[passage.start : passage.end] = True
    return mask
