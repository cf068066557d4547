"""Scholarly references in news text: DOIs, PubMed IDs, NCT numbers and named journals.

Health news reports studies; tying a story to its study lets the archive group coverage of the
same paper even when the outlets never cite each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from archive.outlets import JOURNALS, KNOWN_OUTLETS, match_outlet

from .model import Reference

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>'’”]+)", re.I)
_PMID = re.compile(r"\b(?:PMID|PubMed(?:\s+ID)?)\s*[:#]?\s*(\d{5,9})\b", re.I)
_PUBMED_URL = re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{5,9})|ncbi\.nlm\.nih\.gov/pubmed/(\d+)")
_NCT = re.compile(r"\bNCT\d{8}\b")


def _journal_pattern() -> re.Pattern[str]:
    names = [
        spelling
        for outlet in KNOWN_OUTLETS
        if outlet.name in JOURNALS
        for spelling in (outlet.name, *outlet.aliases)
        if len(spelling) > 3 or spelling.isupper()
    ]
    names.sort(key=len, reverse=True)
    known = "|".join(re.escape(n) for n in names)
    generic = (
        r"(?:[A-Z][a-z]+\s+){0,3}Journal\s+of\s+(?:the\s+)?[A-Z][a-z]+(?:\s+(?:and\s+)?[A-Z][a-z]+)*"
        r"|JAMA\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|Lancet\s+[A-Z][a-z]+|Annals\s+of\s+[A-Z][a-z]+"
        r"(?:\s+[A-Z][a-z]+)*|PLOS\s+(?:ONE|Medicine|Biology)|Nature\s+Medicine"
    )
    return re.compile(rf"\b(?:the\s+)?({generic}|{known})\b")


_JOURNAL = _journal_pattern()


def _clean_doi(doi: str) -> str:
    return doi.rstrip(".,;:)]}")


def find_references(paragraphs: list[str], links: Iterable[str] = ()) -> list[Reference]:
    """Scan text and link targets for references; each value once, in order of appearance."""
    out: list[Reference] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str, phrase: str) -> None:
        key = (kind, value.lower())
        if key not in seen:
            seen.add(key)
            out.append(Reference(kind, value, phrase))

    for para in paragraphs:
        for m in _DOI.finditer(para):
            add("doi", _clean_doi(m.group(1)), m.group(0))
        for m in _PMID.finditer(para):
            add("pmid", m.group(1), m.group(0))
        for m in _NCT.finditer(para):
            add("nct", m.group(0), m.group(0))
        for m in _JOURNAL.finditer(para):
            name = m.group(1)
            outlet = match_outlet(name)
            add("journal", outlet.name if outlet and outlet.name in JOURNALS else name, m.group(0))
    for target in links:
        m = _DOI.search(target)
        if m and "doi" in target.lower():
            add("doi", _clean_doi(m.group(1)), target)
        m = _PUBMED_URL.search(target)
        if m:
            add("pmid", m.group(1) or m.group(2), target)
        for nct in _NCT.findall(target):
            add("nct", nct, target)
    return out
