"""Quoted passages: the verbatim material a rewrite keeps from its sources.

A translated or rewritten repost shares few word sequences with the original, but it keeps the
quotes; they are evidence for partial reuse. Typographic sloppiness is common: closing quotes
run into the next word (“restraint”the study), straight and curly quotes mix.
"""

from __future__ import annotations

import re

from .model import Quote

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("curly", re.compile(r"“\s*([^“”]{2,2000}?)\s*”")),
    ("low-high", re.compile(r"„\s*([^„“”]{2,2000}?)\s*[“”]")),
    ("guillemets", re.compile(r"«\s*([^«»]{2,2000}?)\s*»")),
    ("guillemets", re.compile(r"»\s*([^«»]{2,2000}?)\s*«")),
    ("straight", re.compile(r'(?<![\w"])"\s*([^"]{2,2000}?)\s*"')),
    # Single curly quotes double as apostrophes: a closing ’ must not be followed by a letter.
    ("curly-single", re.compile(r"(?<!\w)‘([^‘’]{2,500}?)’(?!\w)")),
]


def find_quotes(paragraphs: list[str], limit: int = 200) -> list[Quote]:
    """Return the quoted passages in reading order, without duplicates."""
    found: list[tuple[int, int, Quote]] = []
    seen: set[str] = set()
    for p_index, para in enumerate(paragraphs):
        taken: list[tuple[int, int]] = []
        for style, pattern in _PATTERNS:
            for m in pattern.finditer(para):
                if any(s <= m.start() < e for s, e in taken):
                    continue
                text = " ".join(m.group(1).split()).strip(" ,")
                if not re.search(r"\w", text):
                    continue
                taken.append((m.start(), m.end()))
                key = text.casefold()
                if key in seen:
                    continue
                seen.add(key)
                found.append((p_index, m.start(), Quote(text, style)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [q for _, _, q in found[:limit]]
