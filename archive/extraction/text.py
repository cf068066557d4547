"""Main text: trafilatura finds the article body; these rules trim what it lets through.

trafilatura is the measured leader for body extraction, but its output still carries
subheadings, related-article lists, teaser links and newsletter or subscription prompts. The
linker compares bodies shingle by shingle, so each stray line is noise in every comparison;
the rules below are general (markup kind, link density, boilerplate phrasing), never per site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from .layout import in_chrome

_BOILERPLATE = re.compile(
    r"^(?:advertisement|anzeige|werbung|publicité|read more|more:|read next|related:|"
    r"see also|also read|lesen sie auch|mehr zum thema|les også|läs också|"
    r"click here|share this|follow us|sign up|subscribe|newsletter|all rights reserved|"
    r"copyright|©|\(c\) \d{4}|photo:|image:|credit:|getty images|"
    r"please enter your|leave a (?:comment|reply)|most popular|you may also like|"
    r"this content (?:is|was)|to continue reading|already a subscriber|"
    r"il vous reste|la suite est réservée|diesen artikel|jetzt abonnieren|"
    r"download the .{1,30} app|get the .{1,30} app)",
    re.I,
)
_BOILERPLATE_ANYWHERE = re.compile(
    r"sign up for (?:the|our) .{0,40}newsletter|subscribe to (?:our|the) .{0,40}newsletter|"
    r"all rights reserved|follow us on (?:twitter|facebook|instagram)|"
    r"(?:enable|turn on) javascript|use a more up to date browser|"
    r"please enter your (?:comment|name|email)|read the original article\.?$|"
    r"this article is republished from|originally published (?:by|in|on)|"
    r"first appeared (?:on|in)|story source:|note: content may be edited|"
    r"contributed to this (?:report|story)|newsletter|whatsapp|telegram-kanal|"
    r"\b(?:android|ios)\b.{0,40}\bapp\b|\bapp\b.{0,40}\b(?:android|ios)\b|"
    r"affiliate|comment policy|bookmark|\bpodcast\b.{0,60}\b(?:abonnieren|subscribe)\b|"
    r"[\w.+-]+@[\w-]+\.[\w.]+|in unserem (?:liveblog|newsblog|ticker)|"
    r"lesen sie (?:auch|hier|mehr)|\|\s*\d{1,2}:\d{2}\s*min",
    re.I,
)
# Time stamps, durations and "updated" lines: a short paragraph made of them is page furniture
# (a video's length, "Stand: 22.04.2024, 06:00 Uhr"), not prose.
_STAMP = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\d+年\d+月\d+日|\b\d+\s*min\b|"
    r"\bmin\.|\bupdated\b|\baktualisiert\b|\bstand:",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”»’)。！？」』）]\s*$")
_PROSE_END = re.compile(r"[.!?…\"”»’)。！？」』）]\s*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def word_count(text: str) -> int:
    """Words in text; for Chinese, Japanese and Korean, where spaces are rare, two characters
    count as one word so that length rules treat those languages like the others."""
    return max(len(text.split()), len(_CJK.findall(text)) // 2)


@dataclass
class MainText:
    """The article body as kept paragraphs, plus what was set aside and the body links."""

    paragraphs: list[str] = field(default_factory=list)
    raw_paragraphs: list[str] = field(default_factory=list)  # before trimming: credits live here
    subheadings: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    link_context: list[str] = field(default_factory=list)  # dropped lines whose links count


def _norm(text: str) -> str:
    return " ".join(text.split())


def _is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE.match(text) or _BOILERPLATE_ANYWHERE.search(text))


def _keep_paragraph(text: str) -> bool:
    """Keep a body paragraph unless it is a heading, a label, a stamp or a boilerplate prompt."""
    if not text or not re.search(r"\w", text):
        return False
    words = word_count(text)
    if words <= 25 and _is_boilerplate(text):
        return False
    if words <= 12 and _STAMP.search(text):
        return False
    if words < 4 and text.rstrip().endswith(":"):
        return False  # a label ("Sources:") whose list was not kept
    if words <= 8 and text.rstrip().endswith("?"):
        return False  # a question used as a subheading
    # Short lines without closing punctuation are headings or teaser headlines set as <p>:
    # subheadings are kept apart from the prose everywhere else too.
    return not (words <= 12 and not _PROSE_END.search(text))


def _list_items(el: etree._Element) -> list[str] | None:
    """Return a list's items when they read as prose (sentences), else None."""
    items = [_norm(" ".join(item.itertext())) for item in el.iter("item")]
    items = [i for i in items if i]
    if not items:
        return None
    sentence_like = sum(1 for i in items if word_count(i) >= 8 and _SENTENCE_END.search(i))
    if sentence_like / len(items) < 0.75:
        return None
    return items


def extract_main_text(tree: lxml_html.HtmlElement, url: str) -> MainText:
    """Run trafilatura on the already parsed tree and trim its body.

    Metadata is read by this package's own readers (metadata.py, dates.py) from the same tree,
    and htmldate runs only when the page states no date: both cost time on every page when
    left to trafilatura, and the structured readers keep each value's source.
    """
    result = MainText()
    doc = trafilatura.bare_extraction(
        tree,
        url=url or None,
        with_metadata=False,
        include_comments=False,
        include_tables=False,
        include_links=False,
        include_images=False,
    )
    if doc is None or isinstance(doc, dict):
        return result
    body = doc.body
    if body is None:
        return result
    seen: set[str] = set()
    for tag, el, text in _blocks(body):
        if not text:
            continue
        if tag == "head":
            result.subheadings.append(text)
            result.raw_paragraphs.append(text)
            continue
        if tag == "list":
            items = [_norm(" ".join(i.itertext())) for i in el.iter("item")]
            result.raw_paragraphs.extend(i for i in items if i)
            kept = _list_items(el)
            candidates = kept or []
        elif tag == "table":
            continue
        else:
            result.raw_paragraphs.append(text)
            candidates = [text]
        for para in candidates:
            key = para.casefold()
            if key in seen:
                continue
            if not _keep_paragraph(para):
                # A credit line ("republished from <a>The Conversation</a>") leaves the text,
                # but its link is evidence: remember it for the link collection.
                if word_count(para) >= 8:
                    result.link_context.append(para)
                continue
            seen.add(key)
            result.paragraphs.append(para)
    result.links = body_links(tree, url, result.paragraphs + result.link_context)
    return result


# Anchors outside navigation, footers, asides and the site header, selected in C: pages carry
# hundreds of menu links, and only the body's matter.
_CONTENT_ANCHORS = etree.XPath(
    "//body//a[@href][not(ancestor::nav or ancestor::footer or ancestor::aside "
    "or ancestor::header[not(ancestor::article)])][string-length(normalize-space()) > 2]"
)


def _blocks(body: etree._Element):
    """Yield (tag, element, text) for each block of trafilatura's body, in reading order.

    Text can also sit loose in the body or in an element's tail (a paragraph following a
    heading without its own <p>): such text is yielded as a paragraph of its own.
    """
    if body.text and body.text.strip():
        yield "p", None, _norm(body.text)
    for el in body:
        yield el.tag, el, _norm(" ".join(el.itertext()))
        if el.tail and el.tail.strip():
            yield "p", None, _norm(el.tail)


def body_links(
    tree: lxml_html.HtmlElement, base: str, paragraphs: list[str]
) -> list[tuple[str, str]]:
    """Links of the main text: <a> outside site chrome whose anchor text is in a body paragraph.

    trafilatura is run without link output (measured faster and slightly more precise), so
    links are taken from the parsed page and kept when their anchor text occurs in the kept
    paragraphs (or in a dropped credit line).
    """
    haystack = "\n".join(_norm(p).casefold() for p in paragraphs)
    out: list[tuple[str, str]] = []
    if not haystack:
        return out
    for anchor_el in _CONTENT_ANCHORS(tree):
        href = (anchor_el.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        anchor = _norm(anchor_el.text_content())
        if len(anchor) < 3 or anchor.casefold() not in haystack:
            continue
        if in_chrome(anchor_el) is not None:
            continue
        try:
            absolute = urljoin(base, href) if base else href
            parts = urlsplit(absolute)
            _ = parts.hostname  # raises on a malformed netloc such as "[::1"
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        if (absolute, anchor) not in out:
            out.append((absolute, anchor))
        if len(out) >= 500:
            break
    return out
