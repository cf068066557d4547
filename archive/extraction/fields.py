"""Title, authors and language: choosing among what the page, its markup and trafilatura say.

The title must be the article's own headline, not the <title> with " | Site Name" appended,
because titles are compared across outlets; authors must be names, not "By X, Staff Writer".
"""

from __future__ import annotations

import re
import unicodedata

from lxml import html as lxml_html

from archive.outlets import match_outlet

_SEPARATORS = r"\s+[|\-–—·•:»/]\s+|\s+[|·•»]\s*|\s*[|·•»]\s+"
_BY = re.compile(r"^\s*(?:by|von|par|por|di|door|av|af|from)\s+", re.I)
_ROLE = re.compile(
    r",?\s*\b(?:staff|senior|chief|contributing|special)?\s*(?:writer|reporter|correspondent|"
    r"editor|journalist|columnist|contributor|redakteur(?:in)?|autor(?:in)?|photographer)\b.*$",
    re.I,
)
_NOT_PERSON = re.compile(r"https?://|@|\b(?:desk|staff|team)\b|^(?:red|dpa/red)$", re.I)


def norm_key(text: str) -> str:
    """Fold text for agreement tests: case, accents, punctuation and quotes ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def strip_site_suffix(title: str, site_names: list[str]) -> str:
    """Remove " | Site", " - Site" (or a leading "Site: ") when the part names the site."""
    title = " ".join(title.split())
    keys = {norm_key(s) for s in site_names if s}
    keys |= {k.replace(" ", "") for k in keys}
    parts = re.split(f"({_SEPARATORS})", title)
    if len(parts) < 3:
        return title
    pieces = parts[0::2]
    seps = parts[1::2]
    while len(pieces) > 1 and _is_site(pieces[-1], keys):
        pieces.pop()
        seps.pop()
    while len(pieces) > 1 and _is_site(pieces[0], keys):
        pieces.pop(0)
        seps.pop(0)
    out = pieces[0]
    for sep, piece in zip(seps, pieces[1:], strict=False):
        out += sep + piece
    return out.strip()


def _is_site(piece: str, keys: set[str]) -> bool:
    key = norm_key(piece)
    if not key:
        return True
    if key in keys or key.replace(" ", "") in keys:
        return True
    if match_outlet(piece) is not None and len(key.split()) <= 4:
        return True
    return any(k and (key.startswith(k) or k.startswith(key)) and len(key) >= 3 for k in keys)


def choose_title(
    og_title: str | None,
    jsonld_headline: str | None,
    h1: str | None,
    title_tag: str | None,
    traf_title: str | None,
    site_names: list[str],
) -> tuple[str | None, str | None]:
    """Pick the headline the article states, with its source.

    Why this order: an <h1> that agrees with og:title or the JSON-LD headline is the visible
    headline confirmed by the page's own markup; og:title and JSON-LD are stated metadata but
    often carry a site suffix or an SEO variant; <title> nearly always carries the site name.
    """
    cleaned = {
        "og": strip_site_suffix(og_title, site_names) if og_title else None,
        "jsonld": strip_site_suffix(jsonld_headline, site_names) if jsonld_headline else None,
        "h1": " ".join(h1.split()) if h1 else None,
        "title-tag": strip_site_suffix(title_tag, site_names) if title_tag else None,
        "trafilatura": strip_site_suffix(traf_title, site_names) if traf_title else None,
    }
    h1_key = norm_key(cleaned["h1"] or "")
    if h1_key:
        # Agreement: return the stated metadata's characters (the visible <h1> often loses the
        # punctuation between a kicker span and the headline, or typesets quotes differently).
        for other in ("og", "jsonld", "title-tag"):
            value = cleaned[other]
            if value and norm_key(value) == h1_key:
                return value, f"h1+{other}"
        # The <h1> inside a longer stated title: the stated one carries the kicker the page
        # shows above the headline, and is the fuller statement of the same headline.
        for other in ("og", "jsonld"):
            value = cleaned[other]
            if value and len(h1_key) > 15 and h1_key in norm_key(value):
                return value, f"{other}>h1"
        for other in ("title-tag",):
            value = cleaned[other]
            if value and len(h1_key) > 15 and h1_key in norm_key(value):
                return cleaned["h1"], f"h1~{other}"
    for source in ("og", "jsonld"):
        value = cleaned[source]
        if value and cleaned["title-tag"] and norm_key(value) == norm_key(cleaned["title-tag"]):
            return value, f"{source}+title-tag"
    for source in ("jsonld", "og", "h1", "trafilatura", "title-tag"):
        if cleaned[source]:
            return cleaned[source], source
    return None, None


def split_authors(raw: str | list[str] | None) -> list[str]:
    """Split bylines into names: drop "By", roles, agencies; split on commas, "and", ";"."""
    if not raw:
        return []
    chunks = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for chunk in chunks:
        chunk = _BY.sub("", " ".join(str(chunk).split()))
        for part in re.split(r"\s*(?:;|,|\band\b|\bund\b|\bet\b|\by\b|&|\|)\s*", chunk):
            if _ROLE.search(part) and re.search(r"\b[A-Z]{2,}\b", _ROLE.sub("", part)):
                continue  # "AP Health Writer": an agency and a role, not a name
            part = _BY.sub("", _ROLE.sub("", part)).strip(" .-–—")
            part = re.sub(r"\s*\([^()]{1,6}\)$", "", part)  # "Elena Oberholzer (obe)": initials
            if not part or len(part) > 60 or _NOT_PERSON.search(part):
                continue
            if len(part.split()) > 5 or not re.search(r"[^\W\d_]", part):
                continue
            if part.casefold() not in {n.casefold() for n in names}:
                names.append(part)
    return names[:20]


def normalise_language(code: str | None) -> str | None:
    """Reduce "en-US", "de_DE" or "EN" to an ISO 639-1 style primary tag ("en", "de")."""
    if not code:
        return None
    primary = re.split(r"[-_\s,;]", code.strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "with", "was"},
    "de": {"der", "die", "und", "das", "nicht", "ist", "mit", "den", "von", "sich"},
    "fr": {"le", "la", "les", "et", "des", "est", "une", "dans", "pour", "que"},
    "es": {"el", "la", "los", "que", "y", "en", "del", "las", "por", "una"},
    "it": {"il", "che", "della", "per", "non", "sono", "gli", "una", "con", "del"},
    "nl": {"de", "het", "een", "van", "en", "niet", "dat", "zijn", "voor", "met"},
    "pt": {"o", "que", "não", "uma", "os", "do", "da", "em", "para", "com"},
}


def guess_language(text: str) -> str | None:
    """Guess a language from stopwords when the page states none (a weak, labelled fallback)."""
    words = re.findall(r"[^\W\d_]+", text[:5000].lower())
    if len(words) < 20:
        return None
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPWORDS.items()}
    lang, score = max(scores.items(), key=lambda kv: kv[1])
    return lang if score / len(words) > 0.08 else None


_BYLINE_XPATH = (
    ".//*[@rel='author' or @itemprop='author' or contains(@class, 'byline') or "
    "contains(@class, 'author-name') or contains(@class, 'article-author')]"
)


def byline_names(tree: lxml_html.HtmlElement) -> list[str]:
    """Read a visible byline when no markup states the authors (first plausible one only)."""
    for el in tree.xpath(_BYLINE_XPATH)[:10]:
        text = " ".join(el.text_content().split())
        if 3 <= len(text) <= 120 and not re.search(r"\d{4}", text):
            names = split_authors(text)
            if names:
                return names
    return []


def not_the_site(names: list[str], site_names: list[str]) -> list[str]:
    """Drop author names that are the publishing site itself (name, domain or host stem)."""
    keys = {norm_key(s) for s in site_names if s}
    keys |= {k.replace(" ", "") for k in keys}
    keys.discard("")
    kept = []
    for name in names:
        key = norm_key(name)
        squashed = key.replace(" ", "")
        if key in keys or squashed in keys or any(
            len(k) >= 3 and (k in squashed or squashed in k) for k in keys
        ):
            continue
        kept.append(name)
    return kept
