"""Fingerprints: normalised word 5-gram shingles, MinHash signatures, and passages.

Why it is built this way:

* **Normalisation** is Unicode NFKC, then case-folding, then word tokens (``\\w+``), so
  typography (curly quotes, ligatures, non-breaking spaces, capitals) never hides a copy.
* **Shingles never cross a paragraph boundary.** The document's shingle set is then the
  disjoint union of its passages' sets, so one pass over the text gives the document signature
  *and* every passage's anchors (an element-wise minimum over row segments), instead of hashing
  the text once per passage.
* **Hashing** uses xxhash (xxh3, 64 bits) per token and a vectorised polynomial over the five
  token hashes per shingle. The 64-bit shingle hashes are what exact verification compares
  (collisions are negligible); the MinHash input is their 32-bit fold, as datasketch's
  ``affine32`` scheme expects.
* **MinHash** is datasketch's ``affine32`` scheme with its own permutations (``seed``,
  ``num_perm``): ``fmix32(h) * a + b`` wrapping in 32 bits. We evaluate it as one numpy matrix
  per article, which is exactly what ``MinHash.update_batch`` computes (a test checks that the
  signatures are identical), and we store :class:`datasketch.LeanMinHash` bytes with the scheme
  and seed, so nothing is re-hashed to relink.
* **Passages** are paragraphs, cut into ~50-word windows when longer than 80 words, plus every
  quoted span of at least eight words (a quote-level rewrite keeps the quotes and nothing
  else, so quotes need to be passages of their own).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import xxhash
from datasketch import LeanMinHash, MinHash

SCHEME = "affine32"
DEFAULT_SEED = 1
DEFAULT_NUM_PERM = 128
SHINGLE_WORDS = 5
#: Paragraphs longer than this are cut into windows of WINDOW_WORDS.
LONG_PARAGRAPH_WORDS = 80
WINDOW_WORDS = 50
QUOTE_MIN_WORDS = 8

_TOKEN = re.compile(r"\w+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
#: Opening mark -> closing marks; straight quotes close themselves.
_QUOTE_PAIRS = {"\u201c": "\u201d\u201c\"", "\u201e": "\u201c\u201d\"", "\u00ab": "\u00bb",
                '"': '"\u201d', "\u00bb": "\u00ab"}
_QUOTE_SPAN = re.compile(
    "|".join(
        f"{re.escape(opening)}[^{re.escape(closing)}\n]{{10,2000}}[{re.escape(closing)}]"
        for opening, closing in _QUOTE_PAIRS.items()
    )
)
_U64 = np.uint64
_MULT = _U64(0x9E3779B97F4A7C15)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


@dataclass(frozen=True)
class Passage:
    """A run of tokens ``[start, end)`` that is indexed on its own."""

    start: int
    end: int
    kind: str  # "paragraph" | "window" | "quote"


@dataclass
class Profile:
    """Everything the linker needs about one text, computed in one pass.

    ``shingles[i]`` is the 64-bit hash of the shingle starting at token ``i`` (or ``0`` where no
    shingle starts: the last four tokens of a paragraph). ``segments`` are the (start, end)
    token ranges of the paragraph/window passages that partition the document's shingles.
    """

    text: str  # the NFKC text
    n: int  # number of tokens
    paragraph_of: np.ndarray  # paragraph number per token
    in_quote: np.ndarray  # bool per token
    shingles: np.ndarray  # uint64 per token, 0 = none
    has_shingle: np.ndarray  # bool per token
    passages: list[Passage] = field(default_factory=list)
    #: uint32 matrix (len(passages), anchors): the passage anchors.
    anchors: np.ndarray | None = None
    #: uint32 document signature (num_perm,).
    signature: np.ndarray | None = None

    _spans: np.ndarray | None = None

    @property
    def n_tokens(self) -> int:
        return self.n

    @property
    def token_spans(self) -> np.ndarray:
        """(n, 2) char offsets of the tokens in ``text``: only evidence excerpts need them,
        so they are found on first use."""
        if self._spans is None:
            self._spans = np.array([m.span() for m in _TOKEN.finditer(self.text)],
                                   dtype=np.int64).reshape(-1, 2)
        return self._spans

    def shingle_set(self, exclude: np.ndarray | None = None) -> np.ndarray:
        """Sorted unique shingle hashes, leaving out tokens where ``exclude`` is True."""
        mask = self.has_shingle if exclude is None else self.has_shingle & ~exclude
        return np.unique(self.shingles[mask])


def normalise(text: str) -> str:
    """NFKC; the case-fold happens per token (it can change lengths, NFKC offsets are kept)."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=200_000)
def _token_hash(token: str) -> int:
    return xxhash.xxh3_64_intdigest(token.encode("utf-8"))


@lru_cache(maxsize=8)
def permutations(num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED) -> np.ndarray:
    """datasketch's own affine32 permutation parameters (2, num_perm) for ``seed``."""
    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations


def fold32(values: np.ndarray) -> np.ndarray:
    """The 32-bit MinHash input for 64-bit shingle hashes."""
    return ((values ^ (values >> _U64(32))) & _U64(0xFFFFFFFF)).astype(np.uint32)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s1)


def permuted(hashes32: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """The (n, num_perm) matrix datasketch's affine32 ``update_batch`` minimises over."""
    a, b = permutations(num_perm, seed)
    hv = _fmix32(hashes32.astype(np.uint32)).reshape(-1, 1)
    with np.errstate(over="ignore"):
        return hv * a + b


def tokenize(text: str) -> tuple[str, list[str], np.ndarray, np.ndarray]:
    """NFKC text, case-folded tokens, their char spans and paragraph numbers."""
    norm = normalise(text)
    tokens, paragraphs = word_tokens(norm)
    spans = np.array([m.span() for m in _TOKEN.finditer(norm)], dtype=np.int64).reshape(-1, 2)
    return norm, tokens, spans, paragraphs


def word_tokens(norm: str) -> tuple[list[str], np.ndarray]:
    """Case-folded word tokens of NFKC text and the paragraph number of each.

    One ``findall`` per paragraph and one ``casefold`` for the whole text (joined on NUL,
    which case-folding never creates) keep this to a few C calls per paragraph.
    """
    raw: list[str] = []
    counts: list[int] = []
    for para in _PARAGRAPH_BREAK.split(norm):
        found = _TOKEN.findall(para)
        raw.extend(found)
        counts.append(len(found))
    tokens = "\x00".join(raw).casefold().split("\x00") if raw else []
    paragraphs = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    return tokens, paragraphs


def _quote_mask(norm: str, n: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Tokens inside quotation marks, and the quoted token ranges [lo, hi)."""
    mask = np.zeros(n, dtype=bool)
    ranges: list[tuple[int, int]] = []
    if not any(q in norm for q in _QUOTE_PAIRS):
        return mask, ranges
    for m in _QUOTE_SPAN.finditer(norm):
        lo = len(_TOKEN.findall(norm, 0, m.start() + 1))
        hi = lo + len(_TOKEN.findall(norm, m.start() + 1, m.end()))
        if hi > lo:
            mask[lo:hi] = True
            ranges.append((lo, hi))
    return mask, ranges


def _shingle_hashes(tokens: list[str], paragraph_of: np.ndarray, k: int) -> tuple[
    np.ndarray, np.ndarray
]:
    """64-bit hash per shingle start; paragraphs shorter than k give one shorter shingle."""
    n = len(tokens)
    out = np.zeros(n, dtype=np.uint64)
    has = np.zeros(n, dtype=bool)
    if n == 0:
        return out, has
    th = np.array(list(map(_token_hash, tokens)), dtype=np.uint64)
    # Paragraph boundaries: a shingle starting at i is valid when i+k-1 is in the same paragraph.
    with np.errstate(over="ignore"):
        acc = th.copy()
        for j in range(1, k):
            nxt = np.zeros(n, dtype=np.uint64)
            nxt[: n - j] = th[j:]
            acc = acc * _MULT + nxt
    if n >= k:
        same = np.zeros(n, dtype=bool)
        same[: n - k + 1] = paragraph_of[: n - k + 1] == paragraph_of[k - 1 :]
    else:
        same = np.zeros(n, dtype=bool)
    out[same] = acc[same]
    has |= same
    # Short paragraphs (fewer than k tokens): one shingle of all their tokens.
    boundaries = np.flatnonzero(np.diff(paragraph_of)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [n]))
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if e - s < k:
            h = 0
            for t in range(s, e):
                h = (h * int(_MULT) + int(th[t])) & 0xFFFFFFFFFFFFFFFF
            out[s] = np.uint64(h or 1)
            has[s] = True
    return out, has


def _passages(paragraph_of: np.ndarray, quote_ranges: list[tuple[int, int]]) -> list[Passage]:
    n = paragraph_of.shape[0]
    result: list[Passage] = []
    if n == 0:
        return result
    boundaries = np.flatnonzero(np.diff(paragraph_of)) + 1
    starts = np.concatenate(([0], boundaries)).tolist()
    ends = np.concatenate((boundaries, [n])).tolist()
    for s, e in zip(starts, ends, strict=True):
        if e - s <= LONG_PARAGRAPH_WORDS:
            result.append(Passage(s, e, "paragraph"))
            continue
        cuts = list(range(s, e, WINDOW_WORDS))
        # Fold a short tail into the previous window.
        if len(cuts) > 1 and e - cuts[-1] < WINDOW_WORDS // 2:
            cuts.pop()
        for i, lo in enumerate(cuts):
            hi = cuts[i + 1] if i + 1 < len(cuts) else e
            result.append(Passage(lo, hi, "window"))
    for lo, hi in quote_ranges:
        if hi - lo >= QUOTE_MIN_WORDS:
            result.append(Passage(lo, hi, "quote"))
    return result


def profile(text: str | None, *, num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED,
            anchors: int = 4, k: int = SHINGLE_WORDS, signature: bool = True) -> Profile:
    """Tokenise, shingle and fingerprint ``text`` (document signature and passage anchors).

    Anchors of a passage are its minima under the first ``anchors`` permutations: two passages
    share anchor ``j`` with probability equal to their Jaccard similarity (LSH with one row per
    band), which is what finds excerpts, spun paragraphs and shared quotes.
    """
    norm = normalise(text or "")
    tokens, para = word_tokens(norm)
    in_quote, quote_ranges = _quote_mask(norm, len(tokens))
    shingles, has = _shingle_hashes(tokens, para, k)
    prof = Profile(norm, len(tokens), para, in_quote, shingles, has)
    prof.passages = _passages(para, quote_ranges)
    if not signature:
        return prof
    rows = np.flatnonzero(has)
    maxv = np.uint32(0xFFFFFFFF)
    if rows.size == 0:
        prof.signature = np.full(num_perm, maxv, dtype=np.uint32)
        prof.anchors = np.zeros((0, anchors), dtype=np.uint32)
        return prof
    matrix = permuted(fold32(shingles[rows]), num_perm, seed)
    prof.signature = matrix.min(axis=0)
    # Row ranges of every passage in one searchsorted; quotes keep only the shingles wholly
    # inside them.
    starts = np.array([p.start for p in prof.passages], dtype=np.int64)
    ends = np.array([p.end if p.kind != "quote" else max(p.start, p.end - k + 1)
                     for p in prof.passages], dtype=np.int64)
    lo = np.searchsorted(rows, starts)
    hi = np.searchsorted(rows, ends)
    head = matrix[:, :anchors]
    result = np.full((len(prof.passages), anchors), maxv, dtype=np.uint32)
    quote = np.array([p.kind == "quote" for p in prof.passages], dtype=bool)
    body = np.flatnonzero(~quote & (hi > lo))
    if body.size:
        # Paragraphs and windows partition the rows in order: one reduceat gives them all.
        result[body] = np.minimum.reduceat(head, lo[body], axis=0)
    for i in np.flatnonzero(quote & (hi > lo)).tolist():
        result[i] = head[lo[i] : hi[i]].min(axis=0)
    prof.anchors = result
    return prof


def signature_bytes(signature: np.ndarray, seed: int = DEFAULT_SEED) -> bytes:
    """LeanMinHash bytes (datasketch's own format, with its scheme code) for storage."""
    lean = LeanMinHash(seed=seed, hashvalues=signature, scheme=SCHEME)
    buf = bytearray(lean.bytesize())
    lean.serialize(buf)
    return bytes(buf)


def signature_from_bytes(data: bytes) -> LeanMinHash:
    """The stored signature back as a LeanMinHash (scheme and seed travel inside the bytes)."""
    return LeanMinHash.deserialize(data)
