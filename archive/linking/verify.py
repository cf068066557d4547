"""Exact verification of a candidate pair on its shingle sets, and the relation it earns.

Signatures only nominate candidates; every link is decided on the real shingle sets,
recomputed from the stored text, with each outlet's own boilerplate taken out first (a
newsletter prompt shared by two pages of one site is their template, not a copy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from archive.fingerprint import SHINGLE_WORDS, Profile
from archive.linking.params import LinkParams


@dataclass
class Side:
    """One article's text as verification sees it: its profile minus its boilerplate."""

    profile: Profile
    boilerplate: np.ndarray  # bool per token
    shingle_set: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.shingle_set = self.profile.shingle_set(self.boilerplate)


@dataclass
class SharedPassage:
    """A run of at least ``min_passage_words`` words of the child found in the parent."""

    start_char: int
    end_char: int
    words: int
    quote_share: float
    text: str

    @property
    def chars(self) -> int:
        return self.end_char - self.start_char

    @property
    def is_quote(self) -> bool:
        return self.quote_share >= 0.5


@dataclass
class Scores:
    """Symmetric similarity of two texts (a and b in the caller's order)."""

    jaccard: float
    containment_a: float  # share of a's shingles found in b
    containment_b: float
    shared: int
    size_a: int
    size_b: int


def scores(a: Side, b: Side) -> Scores:
    """Jaccard and containment both ways, exactly, on the shingle sets."""
    sa, sb = a.shingle_set, b.shingle_set
    if sa.size == 0 or sb.size == 0:
        return Scores(0.0, 0.0, 0.0, 0, int(sa.size), int(sb.size))
    shared = int(np.intersect1d(sa, sb, assume_unique=True).size)
    union = sa.size + sb.size - shared
    return Scores(shared / union, shared / sa.size, shared / sb.size, shared,
                  int(sa.size), int(sb.size))


def unquoted_containment(child: Side, parent: Side) -> tuple[float, int]:
    """Share and number of the child's unquoted shingles that the parent has (quotes are
    left out: two reports quoting one person share them without copying each other)."""
    prof = child.profile
    base = prof.has_shingle & ~child.boilerplate & ~prof.in_quote
    own = np.unique(prof.shingles[base])
    if own.size == 0 or parent.shingle_set.size == 0:
        return 0.0, 0
    shared = int(np.isin(own, parent.shingle_set, assume_unique=True).sum())
    return shared / own.size, shared


def shared_passages(child: Side, parent: Side, min_words: int,
                    min_quote_words: int | None = None) -> list[SharedPassage]:
    """Maximal runs of the child's words covered by shingles that the parent also has.

    Runs mostly inside quotation marks count from ``min_quote_words`` (quotes are short);
    other runs from ``min_words``.
    """
    if min_quote_words is None:
        min_quote_words = min_words
    prof = child.profile
    n = prof.n_tokens
    if n == 0 or parent.shingle_set.size == 0:
        return []
    hit = prof.has_shingle & ~child.boilerplate & np.isin(prof.shingles, parent.shingle_set)
    starts = np.flatnonzero(hit)
    if starts.size == 0:
        return []
    # A shingle starting at i covers tokens i .. i+k-1, never past its paragraph's end.
    para = prof.paragraph_of
    boundaries = np.flatnonzero(np.diff(para)) + 1
    segment = np.concatenate(([0], np.cumsum(np.diff(para) != 0)))
    para_end = np.concatenate((boundaries, [n]))[segment]
    ends = np.minimum(starts + SHINGLE_WORDS, para_end[starts])
    delta = np.zeros(n + 1, dtype=np.int32)
    np.add.at(delta, starts, 1)
    np.add.at(delta, ends, -1)
    covered = np.cumsum(delta[:n]) > 0
    # Runs of covered tokens that stay in one paragraph.
    edges = np.flatnonzero(np.diff(np.concatenate(([0], covered.astype(np.int8), [0]))))
    result: list[SharedPassage] = []
    for lo, hi in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        run_start = lo
        for cut in [*np.flatnonzero(np.diff(para[lo:hi])).tolist(), hi - lo - 1]:
            run_end = lo + cut + 1
            words = run_end - run_start
            quote_share = float(prof.in_quote[run_start:run_end].mean())
            if words >= (min_quote_words if quote_share >= 0.5 else min_words):
                s_char = int(prof.token_spans[run_start, 0])
                e_char = int(prof.token_spans[run_end - 1, 1])
                result.append(SharedPassage(s_char, e_char, words, quote_share,
                                            prof.text[s_char:e_char]))
            run_start = run_end
    return result


@dataclass
class Verdict:
    """The relation a pair earns (None: not linked) and the evidence for it."""

    relation: str | None
    jaccard: float
    containment_child: float
    containment_parent: float
    passages: list[SharedPassage]
    rule: str

    @property
    def shared_chars(self) -> int:
        return sum(p.chars for p in self.passages)


def classify(sc_child_first: Scores, passages: list[SharedPassage], *, cites: bool,
             credits: bool, params: LinkParams, unquoted_share: float = 0.0,
             unquoted_shared: int = 0) -> Verdict:
    """The strongest relation the evidence supports, child first in ``sc_child_first``.

    Order: duplicate; excerpt (the child lies inside the parent and covers at most
    ``excerpt_max_coverage`` of it); near_duplicate (also a page that wraps all of its
    parent); partial_reuse (containment, enough shared unquoted text, a rewrite that keeps
    ``rewrite_containment`` of its unquoted 5-grams, or shared quotes *with* a credit or link
    to the other); cites (a link to the other, little shared text); and shares_quotes (only
    quoted speech in common: two outlets quoting one person is not a copy).
    ``unquoted_share`` and ``unquoted_shared`` are the child's unquoted containment in the
    parent and its number of shingles; containment-based relations need
    ``min_shared_shingles`` of them.
    """
    j = sc_child_first.jaccard
    cc = sc_child_first.containment_a
    cp = sc_child_first.containment_b
    unquoted = [p for p in passages if not p.is_quote]
    quoted = [p for p in passages if p.is_quote]
    unquoted_chars = sum(p.chars for p in unquoted)

    def verdict(relation: str | None, rule: str) -> Verdict:
        return Verdict(relation, j, cc, cp, passages, rule)

    substantial = unquoted_shared >= params.min_shared_shingles
    if j >= params.duplicate_jaccard:
        return verdict("duplicate", "jaccard")
    if substantial and cc >= params.excerpt_containment and cp <= params.excerpt_max_coverage:
        return verdict("excerpt", "containment")
    if j >= params.near_duplicate_jaccard:
        return verdict("near_duplicate", "jaccard")
    if substantial and cp >= params.excerpt_containment:
        return verdict("near_duplicate", "wraps_parent")
    if substantial and cc >= params.excerpt_containment:
        return verdict("excerpt", "containment")
    if substantial and max(cc, cp) >= params.partial_reuse_containment:
        return verdict("partial_reuse", "containment")
    if len(unquoted) >= params.min_shared_passages and unquoted_chars >= params.min_reuse_chars:
        return verdict("partial_reuse", "shared_passages")
    if substantial and unquoted_share >= params.rewrite_containment:
        return verdict("partial_reuse", "rewrite")
    if quoted and (credits or cites):
        return verdict("partial_reuse", "quotes_with_credit")
    if cites:
        return verdict("cites", "citation")
    if quoted:
        return verdict("shares_quotes", "quotes_only")
    return verdict(None, "below_thresholds")
