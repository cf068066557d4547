"""Credit lines: which outlets a text says it took its story, quotes or copy from.

Aggregators rarely link their sources; they name them in prose ("reports The Independent",
"told the New York Times") or in boilerplate ("This article is republished from ..."), and a
stray newsletter prompt can betray a middle hop. Each credit keeps the phrase that carries it.
Names are matched against archive.outlets; unknown names are kept raw only where the phrase
leaves no doubt that an outlet is meant, so that people ("told Dr. Smith") are not mistaken for
publishers.
"""

from __future__ import annotations

import re

from archive.outlets import KnownOutlet, match_outlet, normalize_name

from .model import Credit

_CAP = r"[A-Z][\w!&'’.-]*"
_NAME = rf"{_CAP}(?:(?:\s+(?:of|for|and|&|de|du|la|on))?\s+{_CAP}){{0,6}}"
_THE = r"(?P<the>[Tt]he\s+)?"
_MEDIA_WORDS = re.compile(
    r"\b(Times|News|Post|Journal|Press|Radio|TV|Television|Daily|Herald|Tribune|Magazine|"
    r"Guardian|Telegraph|Mail|Today|Wire|Network|Broadcasting|Agency|Gazette|Chronicle|"
    r"Observer|Insider|Review|Monitor|Courier|Star|Sun|Express|Standard|Economist|Weekly|"
    r"Médias?|Zeitung|Presse|Nachrichten|Media|Health)\b"
)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&!]{1,6}$")
_HONORIFICS = {"Dr", "Dr.", "Prof", "Prof.", "Professor", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.",
               "Doctor", "Sen.", "Rep.", "Gov.", "President", "Minister", "Chief"}
_ABBREVIATIONS = {"Inc.", "Co.", "Ltd.", "St.", "U.S.", "U.K.", "Corp."}
_SPEECH_VERBS = r"explain(?:s|ed)?|said|says|say|confirm(?:s|ed)?|confided|confides|reveal(?:s|ed)?"

# (kind, compiled pattern, strong): strong phrases name an outlet by construction.
_PATTERNS: list[tuple[str, re.Pattern[str], bool]] = [
    ("republished-from", re.compile(
        rf"\b(?:is|was|has been)\s+republished\s+from\s+{_THE}(?P<name>{_NAME})"), True),
    ("originally published by", re.compile(
        rf"\b(?:[Oo]riginally|[Ff]irst)\s+published\s+(?:by|in|on|at)\s+{_THE}(?P<name>{_NAME})"),
     True),
    ("first appeared on", re.compile(
        rf"\b(?:originally|first)\s+appeared\s+(?:on|in|at)\s+{_THE}(?P<name>{_NAME})"), True),
    ("materials provided by", re.compile(
        rf"\bMaterials\s+(?:provided\s+by|from)\s+{_THE}(?P<name>{_NAME})"), True),
    ("provided by", re.compile(rf"^\s*(?:Provided|Courtesy)\s+(?:by|of)\s+{_THE}(?P<name>{_NAME})"),
     True),
    ("with files from", re.compile(
        rf"\b(?:[Ww]ith\s+files\s+from|[Aa]dditional\s+reporting\s+by)\s+{_THE}(?P<name>{_NAME})"),
     False),
    ("contributed", re.compile(
        rf"(?:^|[—–-]\s*){_THE}(?P<name>{_NAME})\s+(?:writers?|reporters?|correspondents?|staff)\b"
        r"[^.]{0,120}\bcontributed\b"), False),
    ("source", re.compile(rf"^\s*(?:Source|Quelle|Fuente)\s*:\s*{_THE}(?P<name>{_NAME})\s*\.?$"),
     False),
    ("reports", re.compile(rf"\breport(?:s|ed)\s+{_THE}(?P<name>{_NAME})"), False),
    ("reports", re.compile(rf"(?:^|[,;.]\s+|\band\s+){_THE}(?P<name>{_NAME})\s+report(?:s|ed)\b"),
     False),
    ("told", re.compile(rf"\btold\s+{_THE}(?P<name>{_NAME})"), False),
    ("explains to", re.compile(rf"\b(?:{_SPEECH_VERBS})\s+to\s+{_THE}(?P<name>{_NAME})"), False),
    ("interview with", re.compile(
        rf"\b(?:in\s+an\s+)?interview\s+with\s+{_THE}(?P<name>{_NAME})"), False),
    ("according to", re.compile(
        rf"\b[Aa]ccording\s+to\s+(?:a\s+(?:report|story|article)\s+(?:by|in|from)\s+)?{_THE}"
        rf"(?P<name>{_NAME})"), False),
    ("trace", re.compile(
        rf"\b(?i:sign\s+up\s+for|subscribe\s+to|inscrivez-vous\s+à)\s+{_THE}(?P<name>{_NAME})"
        r"(?:['’]s)?\s+(?i:newsletters?|daily|weekly)"), True),
    ("trace", re.compile(
        rf"\b(?:Download|Get)\s+the\s+(?P<name>{_NAME})\s+app\b"), True),
]
# Words each kind's pattern cannot match without (lower-case), to skip most regex work.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "republished-from": ("republished",),
    "originally published by": ("published",),
    "first appeared on": ("appeared",),
    "materials provided by": ("materials",),
    "provided by": ("provided", "courtesy"),
    "with files from": ("files from", "additional reporting"),
    "contributed": ("contributed",),
    "source": ("source", "quelle", "fuente"),
    "reports": ("report",),
    "told": ("told",),
    "explains to": (" to ",),
    "interview with": ("interview",),
    "according to": ("according",),
    "trace": ("sign up", "subscribe", "inscrivez", "download", "get the"),
}
_DATELINE = re.compile(r"^.{0,60}?\((?P<name>[A-Z][\w!. ]{1,24}?)\)\s*(?:[—–-]|--)")
_WIRE_DATELINE = {"AP", "Reuters", "AFP", "PA Media", "HealthDay"}


def _trim(name: str) -> str:
    """Cut a captured name at an honorific or a following person's name; drop trailing dots."""
    words = name.split()
    for i, word in enumerate(words):
        if word in _HONORIFICS and i > 0:
            words = words[:i]
            break
        if word.endswith(".") and i < len(words) - 1 and word not in _ABBREVIATIONS:
            words = words[: i + 1]  # a sentence ended inside the capture
            break
    name = " ".join(words)
    name = re.sub(r"['’]s$", "", name)
    return name.rstrip(".,;:!?'’") if not name.endswith("!") or len(name) < 3 else name


def _resolve(name: str) -> tuple[str, str | None]:
    """Return (raw name, canonical outlet or None), trying shorter prefixes of the capture.

    Why prefixes: "told the New York Times Dr. Luis Diaz" captures more than the outlet.
    """
    name = _trim(name)
    words = name.split()
    for end in range(len(words), 0, -1):
        candidate = " ".join(words[:end]).rstrip(".,;:'’")
        outlet = match_outlet(candidate)
        if outlet:
            return candidate, outlet.name
    return name, None


def _looks_like_outlet(name: str) -> bool:
    """For unknown names in weak phrases: accept only media-like names or short acronyms."""
    return bool(_MEDIA_WORDS.search(name) or _ACRONYM.match(name) or re.search(r"\.\w{2,3}$",
                                                                                 name))


def _verb_kind(kind: str, phrase: str) -> str:
    if kind != "explains to":
        return kind
    verb = phrase.split()[0].lower()
    return "explains to" if verb.startswith("explain") else f"{verb} to"


def _is_own(raw: str, outlet: str | None, own_site: str | None, own: KnownOutlet | None) -> bool:
    """Whether a credited name is the publishing site itself (by outlet, or by its name)."""
    if own is not None and outlet == own.name:
        return True
    return bool(own_site) and normalize_name(raw) == normalize_name(own_site)


def find_credits(paragraphs: list[str], own_site: str | None = None) -> list[Credit]:
    """Find credit phrases in the paragraphs; the page's own site (`own_site`) is never credited.
    """
    out: list[Credit] = []
    seen: set[tuple[str, str]] = set()
    own = match_outlet(own_site) if own_site else None

    def keep(raw: str, outlet: str | None, kind: str, phrase: str) -> None:
        key = ((outlet or raw).lower(), kind)
        if key in seen or not raw:
            return
        seen.add(key)
        out.append(Credit(raw, outlet, kind, phrase.strip()))

    for index, para in enumerate(paragraphs):
        if index < 3:
            m = _DATELINE.match(para)
            if m:
                raw, outlet = _resolve(m.group("name"))
                if (outlet in _WIRE_DATELINE or (outlet is None and _ACRONYM.match(raw))) and (
                    not _is_own(raw, outlet, own_site, own)
                ):
                    keep(raw, outlet, "dateline", m.group(0))
        folded = para.casefold()
        for kind, pattern, strong in _PATTERNS:
            if not any(needle in folded for needle in _NEEDLES[kind]):
                continue  # cheap test first: most paragraphs credit no one
            for m in pattern.finditer(para):
                raw, outlet = _resolve(m.group("name"))
                if (m.group("the") or "").startswith("The") and not raw.startswith("The "):
                    raw = f"The {raw}"
                if outlet is None and not strong and not _looks_like_outlet(raw):
                    continue
                if outlet is None and len(raw.split()) > 8:
                    continue
                if _is_own(raw, outlet, own_site, own):
                    continue  # "told the BBC" on the BBC's page credits no one else
                keep(raw, outlet, _verb_kind(kind, m.group(0)), m.group(0))
    return out
