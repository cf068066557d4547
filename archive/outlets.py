"""Known outlets of health news, and matching of the names that texts use for them.

Credits in prose name outlets loosely ("the New York Times", "NYT", "Reuters Health"), so the
linker and the credit extractor need one place that maps those spellings to a canonical outlet
and its role in the syndication chain (original reporter, wire service, or aggregator).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Role = Literal["original", "wire", "aggregator", "unknown"]


@dataclass(frozen=True)
class KnownOutlet:
    """An outlet the archive knows by name: canonical name, other spellings, web domains, role."""

    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    role: Role


KNOWN_OUTLETS: tuple[KnownOutlet, ...] = (
    # Wire and licensed services.
    KnownOutlet("AP", ("Associated Press", "The Associated Press", "AP News"), ("apnews.com",),
                "wire"),
    KnownOutlet("Reuters", ("Reuters Health", "Thomson Reuters"), ("reuters.com",), "wire"),
    KnownOutlet("AFP", ("Agence France-Presse", "Agence France Presse"), ("afp.com",), "wire"),
    KnownOutlet("PA Media", ("Press Association", "PA", "PA Wire"), ("pamediagroup.com",),
                "wire"),
    KnownOutlet("HealthDay", ("HealthDay News",), ("healthday.com", "consumer.healthday.com"),
                "wire"),
    # Free to republish with credit.
    KnownOutlet("KFF Health News", ("Kaiser Health News", "KHN", "KFF"), ("kffhealthnews.org",
                "khn.org"), "original"),
    KnownOutlet("The Conversation", ("Conversation",), ("theconversation.com",), "original"),
    KnownOutlet("ProPublica", (), ("propublica.org",), "original"),
    # The press-release chain.
    KnownOutlet("EurekAlert!", ("EurekAlert",), ("eurekalert.org",), "wire"),
    KnownOutlet("Newswise", (), ("newswise.com",), "wire"),
    KnownOutlet("ScienceDaily", ("Science Daily",), ("sciencedaily.com",), "aggregator"),
    KnownOutlet("MedicalXpress", ("Medical Xpress", "Medical Xpress (Medicalxpress)"),
                ("medicalxpress.com",), "aggregator"),
    # Portals carrying syndicated copies.
    KnownOutlet("MSN", ("MSN News", "Microsoft Start"), ("msn.com",), "aggregator"),
    KnownOutlet("Yahoo News", ("Yahoo", "Yahoo! News", "Yahoo Life"), ("news.yahoo.com",
                "yahoo.com"), "aggregator"),
    # Newsrooms.
    KnownOutlet("The New York Times", ("NYT", "New York Times", "NY Times", "NYTimes"),
                ("nytimes.com",), "original"),
    KnownOutlet("The Independent", ("Independent",), ("independent.co.uk",), "original"),
    KnownOutlet("NPR", ("National Public Radio",), ("npr.org",), "original"),
    KnownOutlet("Slate", ("Slate.fr", "Slate France", "Slate Magazine"), ("slate.com", "slate.fr"),
                "original"),
    KnownOutlet("The Guardian", ("Guardian",), ("theguardian.com", "guardian.co.uk"),
                "original"),
    KnownOutlet("BBC", ("BBC News", "British Broadcasting Corporation"), ("bbc.co.uk", "bbc.com"),
                "original"),
    KnownOutlet("CNN", ("CNN Health",), ("cnn.com",), "original"),
    KnownOutlet("The Washington Post", ("Washington Post", "WaPo", "WashPost"),
                ("washingtonpost.com",), "original"),
    KnownOutlet("STAT", ("STAT News", "Stat News"), ("statnews.com",), "original"),
    # Journals: where the studies behind the stories appear.
    KnownOutlet("NEJM", ("New England Journal of Medicine", "N Engl J Med", "N. Engl. J. Med."),
                ("nejm.org",), "original"),
    KnownOutlet("JAMA", ("Journal of the American Medical Association",), ("jamanetwork.com",),
                "original"),
    KnownOutlet("The Lancet", ("Lancet",), ("thelancet.com",), "original"),
    KnownOutlet("BMJ", ("British Medical Journal", "The BMJ"), ("bmj.com",), "original"),
    KnownOutlet("Nature Medicine", ("Nat Med", "Nat. Med."), ("nature.com",), "original"),
)

JOURNALS: frozenset[str] = frozenset({"NEJM", "JAMA", "The Lancet", "BMJ", "Nature Medicine"})


def normalize_name(name: str) -> str:
    """Fold a name for comparison: case, accents, punctuation and a leading article ignored.

    Why: prose writes "the New York Times", titles write "The New York Times", and a line may
    end in "NPR." — all must land on the same key.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w.]+", " ", text)
    text = re.sub(r"\.(?!\w)", " ", text)  # keep dots inside names like slate.fr, drop trailing
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(the|la|le|les|el|die|der|das) ", "", text)
    return text


@lru_cache(maxsize=1)
def _index() -> dict[str, KnownOutlet]:
    """Map every folded spelling (name, aliases, domains) to its outlet, built once."""
    index: dict[str, KnownOutlet] = {}
    for outlet in KNOWN_OUTLETS:
        for spelling in (outlet.name, *outlet.aliases, *outlet.domains):
            index.setdefault(normalize_name(spelling), outlet)
    return index


def match_outlet(name: str | None) -> KnownOutlet | None:
    """Return the known outlet that `name` designates, or None when it names none we know.

    Matches the canonical name, an alias or a domain, ignoring case, accents and a leading
    article; a possessive ("NPR's") is accepted too. Never guesses on partial words.
    """
    if not name:
        return None
    key = normalize_name(name)
    index = _index()
    if key in index:
        return index[key]
    for suffix in (" s", "s"):
        if key.endswith(suffix) and key[: -len(suffix)] in index:
            return index[key[: -len(suffix)]]
    if key.startswith("www "):
        return index.get(key[4:])
    return None


def match_domain(host: str | None) -> KnownOutlet | None:
    """Return the known outlet that owns `host` (a hostname, subdomains allowed)."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    for outlet in KNOWN_OUTLETS:
        for domain in outlet.domains:
            if host == domain or host.endswith("." + domain):
                return outlet
    return None
