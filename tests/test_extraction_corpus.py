"""Real pages from the shared corpora: extraction must hold up on pages nobody here wrote.

Skipped when the corpora are absent (a user's machine). Quality figures are the benchmark's
job (benchmarks/extraction.py); this test guards against crashes and gross regressions.
"""

import gzip
import json
import os
from pathlib import Path

import pytest

from archive.extraction import extract_page, to_dict


def _corpus() -> Path:
    env = os.environ.get("HEALTHWIRE_CORPORA")
    base = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
    return base / "news-pages"


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(not (CORPUS / "index.jsonl").exists(),
                                reason="shared corpora not available")


def _sample(step: int = 8) -> list[dict]:
    rows = [json.loads(line) for line in (CORPUS / "index.jsonl").open(encoding="utf-8")]
    return rows[::step]


def test_corpus_sample_extracts_without_failures() -> None:
    rows = _sample()
    titled = dated = texted = 0
    for row in rows:
        page = extract_page(gzip.decompress((CORPUS / row["file"]).read_bytes()), row["url"])
        json.dumps(to_dict(page))
        assert not any(p.startswith("extraction failed") for p in page.problems), row["file"]
        titled += page.title is not None
        dated += page.published_at is not None
        texted += len(page.text.split()) > 50
    # Loose floors: a regression that loses a field on many pages must fail here.
    assert titled / len(rows) > 0.95
    assert dated / len(rows) > 0.9
    assert texted / len(rows) > 0.9
