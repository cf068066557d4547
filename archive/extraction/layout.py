"""Where an element sits on the page: the site's chrome, a sidebar, or the article.

Dates and links found outside the article (a theme's header, a "Most Popular" sidebar) belong
to the site or to other posts, not to the article; both the date rules and the link collection
need the same judgement.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

_CHROME = re.compile(
    r"header|topbar|top-bar|masthead|navbar|site-nav|menu|breaking|ticker", re.I
)
_SIDEBAR = re.compile(
    r"sidebar|widget|related|recent|popular|footer|teaser|recommend|trending|more-|comment",
    re.I,
)


def classes(el: lxml_html.HtmlElement) -> str:
    """An element's class and id, where themes name their blocks."""
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def in_chrome(el: lxml_html.HtmlElement) -> str | None:
    """Say whether an element sits in page chrome ("header") or a sidebar ("sidebar").

    An article's own <header> (title, byline, date) is not chrome: only headers and
    header-like blocks outside any <article> count as the site's.
    """
    ancestors = list(el.iterancestors())
    in_article = any(a.tag == "article" for a in ancestors)
    for node in [el, *ancestors]:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "article":
            break
        if tag in ("aside", "nav", "footer") or _SIDEBAR.search(classes(node)):
            return "sidebar"
        if not in_article and (tag == "header" or _CHROME.search(classes(node))):
            return "header"
    return None
