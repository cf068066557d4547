"""Fingerprints: normalisation, shingles, datasketch compatibility, passages."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash

from archive.fingerprint import (
    fold32,
    profile,
    signature_bytes,
    signature_from_bytes,
)
from archive.linking.index import s_curve
from tests.linkhelpers import join, prose, quote


def test_normalisation_ignores_case_typography_and_width() -> None:
    a = profile("The \uff21gency SAID: \u201cfine\u201d \u2014 and  ﬁnally left today")
    b = profile('the agency said: "fine" - and finally left today')
    assert np.array_equal(a.shingle_set(), b.shingle_set())


def test_signature_is_datasketch_affine32_update_batch() -> None:
    prof = profile(join(prose(3)))
    rows = np.flatnonzero(prof.has_shingle)
    reference = MinHash(num_perm=128, seed=1, hashfunc=int)
    reference.update_batch(fold32(prof.shingles[rows]).tolist())
    assert np.array_equal(reference.hashvalues, prof.signature)
    lean = signature_from_bytes(signature_bytes(prof.signature))
    assert lean.scheme == "affine32" and lean.seed == 1
    assert np.array_equal(lean.hashvalues, prof.signature)


def test_shingles_do_not_cross_paragraphs_and_short_paragraphs_count() -> None:
    prof = profile("one two three four five six\n\nseven eight")
    # 2 shingles in the first paragraph, 1 whole-paragraph shingle for the short one.
    assert prof.shingle_set().size == 3


def test_passages_windows_and_quotes() -> None:
    long_para = " ".join([f"word{i}" for i in range(130)])
    text = join([long_para, "He said " + quote(1) + " and left."])
    prof = profile(text)
    kinds = [p.kind for p in prof.passages]
    assert kinds.count("window") == 3  # 130 words: 50 + 50 + 30
    assert "quote" in kinds
    assert prof.in_quote.sum() == 14
    assert prof.anchors is not None and prof.anchors.shape == (len(prof.passages), 4)


def test_similar_texts_have_similar_signatures() -> None:
    paras = prose(5, 10)
    a = profile(join(paras))
    b = profile(join(paras[:9] + prose(6, 1)))
    c = profile(join(prose(8, 10)))
    agree_ab = float(np.mean(a.signature == b.signature))
    agree_ac = float(np.mean(a.signature == c.signature))
    assert agree_ab > 0.6 and agree_ac < 0.05


def test_band_choice_recall() -> None:
    assert s_curve(0.5, 42, 3) > 0.99
    assert s_curve(0.1, 42, 3) < 0.05


def test_empty_paragraphs_do_not_shift_passages() -> None:
    from archive.linking.verify import Side, shared_passages

    words = " ".join(f"w{i}" for i in range(20))
    text = f"{words}\n\n---\n\n{words} tail"
    prof = profile(text)
    side = Side(prof, np.zeros(prof.n_tokens, dtype=bool))
    found = shared_passages(side, side, 12)
    assert [p.words for p in found] == [20, 21]
