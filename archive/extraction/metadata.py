"""What a page says about itself: JSON-LD, OpenGraph and other <meta> tags, <link>, <html lang>.

Pages state their own title, dates and authors in structured markup more reliably than any
heuristic can infer them from layout, but that markup is often malformed or wrong; this module
reads it tolerantly and leaves the judging to the callers (dates.py, the title choice).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "backgroundnewsarticle", "scholarlyarticle", "medicalscholarlyarticle",
    "socialmediaposting", "liveblogposting", "webpage", "posting", "report", "techarticle",
    "reviewnewsarticle", "askpublicnewsarticle", "satiricalarticle", "creativework",
}
_ARTICLE_RANK = {"webpage": 1, "creativework": 1}  # generic types lose to specific ones

MAX_JSONLD_CHARS = 500_000


@dataclass
class PageMeta:
    """Metadata as stated by the page, unjudged."""

    jsonld: dict[str, Any] | None = None
    jsonld_publisher: str | None = None
    meta: dict[str, list[str]] = field(default_factory=dict)
    canonical: str | None = None
    html_lang: str | None = None
    title_tag: str | None = None
    #: Every JSON-LD @type on the page (lower-case), e.g. newsarticle, collectionpage.
    jsonld_types: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def first(self, *keys: str) -> str | None:
        """Return the first non-empty meta value among `keys` (lower-case names/properties)."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value and value.strip():
                    return value.strip()
        return None


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if v}


def _walk(node: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    """Collect every JSON object with an @type, looking into @graph, lists and mainEntity."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node[:200]:
            _walk(item, out, depth + 1)
    elif isinstance(node, dict):
        if "@type" in node:
            out.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in node:
                _walk(node[key], out, depth + 1)


def _loads_tolerant(raw: str) -> Any:
    """Parse JSON, repairing the usual breakage (trailing commas, raw newlines, HTML comments)."""
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        pass
    fixed = re.sub(r"^\s*<!--|-->\s*$", "", raw.strip())
    fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
    fixed = re.sub(r"[\x00-\x1f]", " ", fixed)
    return json.loads(fixed, strict=False)


def _name_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _name_of(value.get("name"))
    if isinstance(value, list) and value:
        return _name_of(value[0])
    return None


def read_jsonld(tree: lxml_html.HtmlElement, meta: PageMeta) -> None:
    """Find the JSON-LD object that describes the article itself (if any) and its publisher."""
    objects: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = script.text or ""
        if not raw.strip():
            continue
        if len(raw) > MAX_JSONLD_CHARS:
            meta.problems.append("jsonld block too large; ignored")
            continue
        try:
            data = _loads_tolerant(raw)
        except ValueError as err:
            meta.problems.append(f"jsonld malformed ({str(err)[:60]}); ignored")
            continue
        _walk(data, objects)
    for obj in objects:
        meta.jsonld_types |= _types(obj)
    best: tuple[int, dict[str, Any]] | None = None
    for obj in objects:
        types = _types(obj)
        hits = types & ARTICLE_TYPES
        if not hits:
            continue
        rank = min(_ARTICLE_RANK.get(t, 2) for t in hits) + (1 if "headline" in obj else 0)
        if "datePublished" in obj:
            rank += 1
        if best is None or rank > best[0]:
            best = (rank, obj)
    if best:
        meta.jsonld = best[1]
        meta.jsonld_publisher = _name_of(best[1].get("publisher"))
    if not meta.jsonld_publisher:
        for obj in objects:
            if _types(obj) & {"organization", "newsmediaorganization", "website"}:
                meta.jsonld_publisher = _name_of(obj.get("name"))
                if meta.jsonld_publisher:
                    break


#: JSON-LD types of pages that list other pages rather than being one article.
LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "website", "webpage"}


def declared_page_type(meta: PageMeta) -> str | None:
    """What the page says it is: "article", "listing", or None when it does not say.

    A section front (``/news/health/``) often has enough teaser text to pass for an article;
    its own markup (og:type website, a CollectionPage) usually says otherwise.
    """
    og_type = (meta.first("og:type") or "").lower()
    if meta.jsonld is not None or og_type.startswith("article"):
        return "article"
    if meta.jsonld_types & {"collectionpage", "itemlist", "searchresultspage"}:
        return "listing"
    if og_type == "website" or meta.jsonld_types & LISTING_TYPES:
        return "listing"
    return None


def read_meta(tree: lxml_html.HtmlElement, base_url: str) -> PageMeta:
    """Read <meta>, <link rel=canonical>, <html lang>, <title> and JSON-LD from a parsed page."""
    meta = PageMeta()
    for el in tree.iterfind(".//meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        value = el.get("content")
        if key and value is not None:
            meta.meta.setdefault(key.strip().lower(), []).append(value)
    for el in tree.iterfind(".//link"):
        rel = (el.get("rel") or "").lower().split()
        if "canonical" in rel and el.get("href") and not meta.canonical:
            meta.canonical = el.get("href").strip()
    root = tree.getroottree().getroot()
    meta.html_lang = (root.get("lang") or root.get("xml:lang") or "").strip() or None
    title_el = tree.find(".//title")
    if title_el is not None:
        meta.title_tag = " ".join(title_el.text_content().split()) or None
    read_jsonld(tree, meta)
    return meta


def jsonld_authors(obj: dict[str, Any] | None) -> list[str]:
    """Return the author names a JSON-LD article object states (persons or plain strings)."""
    if not obj:
        return []
    raw = obj.get("author") or obj.get("creator")
    items = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for item in items[:20]:
        name = _name_of(item.get("name")) if isinstance(item, dict) else _name_of(item)
        if name:
            names.append(name)
    return names
