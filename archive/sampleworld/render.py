"""Render the sample world's pages, feeds and sitemaps as text templates.

Every URL in the output is written as ``{{site:NAME}}/path`` so the server can substitute the
ports it bound at start. The themes differ on purpose: an extractor that only works on one
kind of page chrome should fail here, not in production. The "digest" theme copies the
boilerplate of the seed aggregator page (date line of the day, breadcrumbs, share buttons,
comment form, "Most Popular" with other posts' dates), because those are the traps the design
names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from archive.sampleworld.plan import Listing, Site

# The seed page was captured on this day; the digest theme prints it in every page header.
HEADER_DATE_LINE = "Friday, December 2, 2022"

FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")


@dataclass
class Page:
    """One article page, authored or derived, with everything the templates need."""

    id: str
    site: str
    path: str
    title: str
    description: str
    date: str | None
    author: str
    author_role: str
    section: str
    lang: str
    paragraphs: list[str]
    canonical: str  # a template URL, the page's own unless it is a syndicated copy
    parent: str | None = None
    source_outlet: str | None = None  # the outlet a syndicated copy names as its provider
    doi: str | None = None
    modified: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The page's own URL as a template."""
        return site_url(self.site, self.path)

    @property
    def when(self) -> datetime | None:
        """The publication time as an aware datetime, or None for an undated page."""
        return datetime.fromisoformat(self.date) if self.date else None


def site_url(site: str, path: str) -> str:
    """A URL template resolved by the server to the running site's base URL."""
    return f"{{{{site:{site}}}}}{path}"


# Dates --------------------------------------------------------------------------------------


def display_date(dt: datetime, style: str) -> str:
    """A date as the given theme prints it for readers."""
    if style == "fr":
        return f"{dt.day} {FR_MONTHS[dt.month - 1]} {dt.year} à {dt.hour}h{dt.minute:02d}"
    if style == "uk":
        return dt.strftime("%A %d %B %Y %H:%M")
    return f"{dt.strftime('%B')} {dt.day}, {dt.year}"


def date_style(site: Site) -> str:
    """Which display style a site uses for dates."""
    if site.lang.startswith("fr"):
        return "fr"
    if site.lang == "en-GB":
        return "uk"
    return "us"


def time_tag(dt: datetime, style: str, cls: str = "published") -> str:
    """A ``<time>`` element with a machine-readable datetime."""
    return f'<time class="{cls}" datetime="{dt.isoformat()}">{display_date(dt, style)}</time>'


# HTML ---------------------------------------------------------------------------------------


def body_html(paragraphs: list[str]) -> str:
    """Paragraph fragments to HTML: ``## `` lines become subheads, the rest paragraphs."""
    out = []
    for para in paragraphs:
        if para.startswith("## "):
            out.append(f"<h2>{para[3:]}</h2>")
        else:
            out.append(f"<p>{para}</p>")
    return "\n".join(out)


def json_ld(page: Page, site: Site) -> str:
    """The schema.org NewsArticle block; undated pages carry no date in it."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title,
        "description": page.description,
        "url": page.url,
        "mainEntityOfPage": page.canonical,
        "inLanguage": page.lang,
        "author": [{"@type": "Person", "name": page.author}],
        "publisher": {"@type": "Organization", "name": site.outlet},
    }
    if page.date:
        data["datePublished"] = page.date
        data["dateModified"] = page.modified or page.date
    if page.source_outlet:
        data["sourceOrganization"] = {"@type": "Organization", "name": page.source_outlet}
        data["isBasedOn"] = page.canonical
    return json.dumps(data, ensure_ascii=False, indent=1)


def head(site: Site, title: str, description: str, canonical: str,
         page: Page | None = None, extra: str = "") -> str:
    """The ``<head>`` element: charset, canonical, OpenGraph, feeds, JSON-LD for articles."""
    lines = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} | {escape(site.title)}</title>",
        f'<meta name="description" content="{escape(description)}">',
        f'<link rel="canonical" href="{canonical}">',
        f'<meta property="og:site_name" content="{escape(site.outlet)}">',
        f'<meta property="og:title" content="{escape(title)}">',
        f'<meta property="og:description" content="{escape(description)}">',
        f'<meta property="og:url" content="{canonical}">',
        f'<meta property="og:type" content="{"article" if page else "website"}">',
        f'<meta property="og:locale" content="{site.lang.replace("-", "_")}">',
        f'<link rel="stylesheet" href="{site_url(site.name, "/static/site.css")}">',
    ]
    feed_types = {"rss": "application/rss+xml", "atom": "application/atom+xml",
                  "json": "application/feed+json"}
    for path, fmt in ((site.feed_path, site.feed_format), *site.extra_feeds):
        lines.append(f'<link rel="alternate" type="{feed_types[fmt]}" '
                     f'title="{escape(site.title)}" href="{site_url(site.name, path)}">')
    if page is not None:
        lines.append(f'<meta name="author" content="{escape(page.author)}">')
        lines.append(f'<meta property="article:section" content="{escape(page.section)}">')
        if page.date:
            lines.append(f'<meta property="article:published_time" content="{page.date}">')
        if page.modified:
            lines.append(f'<meta property="article:modified_time" content="{page.modified}">')
        if page.doi:
            lines.append(f'<meta name="citation_doi" content="{page.doi}">')
        lines.append('<script type="application/ld+json">\n' + json_ld(page, site)
                     + "\n</script>")
    if extra:
        lines.append(extra)
    return "<head>\n" + "\n".join(lines) + "\n</head>"


def site_header(site: Site) -> str:
    """The masthead and navigation; the digest theme adds its date-of-the-day line."""
    nav = [f'<a href="{site_url(site.name, "/")}">Home</a>']
    for listing in site.listings:
        nav.append(f'<a href="{site_url(site.name, listing.path)}">{escape(listing.title)}</a>')
    top = ""
    if site.theme == "digest":
        top = (f'<div class="td-header-top-menu"><span class="td_data_time">'
               f"{HEADER_DATE_LINE}</span> <a href=\"#\">Sign in / Join</a></div>\n")
    return (f'<header class="site-header theme-{site.theme}">\n{top}'
            f'<a class="logo" href="{site_url(site.name, "/")}">{escape(site.title)}</a>\n'
            f'<p class="tagline">{escape(site.tagline)}</p>\n'
            f'<nav class="main-nav">{" ".join(nav)}</nav>\n</header>')


def site_footer(site: Site) -> str:
    """Footer boilerplate, including a newsletter prompt in each site's language."""
    if site.theme == "slate":
        news = "Inscrivez-vous à la newsletter de Slate"
        rights = "© Slate.fr 2022. Tous droits réservés."
    else:
        news = f"Sign up for the {site.title} newsletter"
        rights = f"© 2022 {site.outlet}. All rights reserved."
    return (f'<footer class="site-footer">\n<div class="newsletter-signup"><p>{news}</p>'
            '<form><input type="email" name="email" placeholder="Email">'
            '<button>Subscribe</button></form></div>\n'
            f'<p><a href="{site_url(site.name, site.feed_path)}">RSS</a> · '
            f'<a href="{site_url(site.name, "/about/")}">About</a> · '
            f'<a href="{site_url(site.name, "/privacy/")}">Privacy</a></p>\n'
            f"<p>{escape(rights)}</p>\n</footer>")


def document(site: Site, head_html: str, main: str) -> str:
    """A complete HTML document for a site."""
    return (f'<!DOCTYPE html>\n<html lang="{site.lang}">\n{head_html}\n<body>\n'
            f"{site_header(site)}\n{main}\n{site_footer(site)}\n</body>\n</html>\n")


SHARE = ('<div class="td-post-sharing"><span>Share</span> '
         '<a class="share facebook" href="#">Facebook</a> '
         '<a class="share twitter" href="#">Twitter</a> '
         '<a class="share pinterest" href="#">Pinterest</a> '
         '<a class="share whatsapp" href="#">WhatsApp</a></div>')

COMMENT_FORM = """<div class="comments" id="comments">
<h4 class="block-title"><span>LEAVE A REPLY</span></h4>
<form class="comment-form" action="#" method="post">
<textarea name="comment" placeholder="Comment:"></textarea>
<div class="td-warning-comment">Please enter your comment!</div>
<input name="author" placeholder="Name:*" type="text">
<div class="td-warning-author">Please enter your name here</div>
<input name="email" placeholder="Email:*" type="text">
<div class="td-warning-email-error">You have entered an incorrect email address!</div>
<div class="td-warning-email">Please enter your email address here</div>
<p class="comment-form-cookies-consent"><input type="checkbox"> Save my name, email, and website
in this browser for the next time I comment.</p>
<input type="submit" value="Post Comment">
</form>
</div>"""


def byline(page: Page, site: Site) -> str:
    """Author line and, when the page has one, its publication time."""
    role = f' <span class="role">{escape(page.author_role)}</span>' if page.author_role else ""
    when = page.when
    stamp = time_tag(when, date_style(site)) if when else ""
    by = "Par" if site.lang.startswith("fr") else "By"
    return (f'<div class="byline"><span class="author">{by} '
            f'<a rel="author" href="#">{escape(page.author)}</a></span>{role} {stamp}</div>')


def related(pages: list[Page], site: Site, current: Page, heading: str,
            with_dates: bool, extra_links: tuple[tuple[str, str, str | None], ...] = ()) -> str:
    """A sidebar of other posts; the digest's version carries their dates (a trap)."""
    items = []
    for other in pages:
        if other.id == current.id or other.site != site.name:
            continue
        stamp = ""
        if with_dates and other.when:
            stamp = " " + time_tag(other.when, date_style(site), "entry-date")
        items.append(f'<li><a href="{other.url}">{escape(other.title)}</a>{stamp}</li>')
    for href, title, date in extra_links:
        stamp = ""
        if with_dates and date:
            stamp = " " + time_tag(datetime.fromisoformat(date), date_style(site), "entry-date")
        items.append(f'<li><a href="{site_url(site.name, href)}">{escape(title)}</a>{stamp}</li>')
    return (f'<aside class="sidebar"><h4 class="block-title"><span>{heading}</span></h4>\n<ul>\n'
            + "\n".join(items) + "\n</ul></aside>")


def article_html(page: Page, site: Site, site_pages: list[Page],
                 popular_extra: tuple[tuple[str, str, str | None], ...] = ()) -> str:
    """An article page in its site's theme."""
    head_html = head(site, page.title, page.description, page.canonical, page)
    text = body_html(page.paragraphs)
    if site.theme == "digest":
        crumb = page.title if len(page.title) <= 60 else page.title[:60].rsplit(" ", 1)[0] + "..."
        main = (
            '<div class="td-crumb-container"><div class="entry-crumbs">'
            f'<a href="{site_url(site.name, "/")}">Home</a> <i class="td-icon-right">›</i> '
            f'<a href="{site_url(site.name, "/category/health/")}">Health</a> '
            f'<i class="td-icon-right">›</i> <span>{escape(crumb)}</span></div></div>\n'
            f'<main class="td-main-content"><article class="post type-post">\n'
            f'<header class="td-post-title"><h1 class="entry-title">{escape(page.title)}</h1>\n'
            f'<div class="td-module-meta-info"><div class="td-post-author-name">By '
            f'<a href="#">{escape(page.author)}</a></div>'
            + (f' <span class="td-post-date">{time_tag(page.when, "us", "entry-date updated")}'
               "</span>" if page.when else "")
            + f"</div></header>\n{SHARE}\n"
            f'<div class="td-post-content">\n{text}\n</div>\n{SHARE}\n'
            '<div class="td-a-rec">Subscribe to our newsletter and get the day\'s health '
            "news in your inbox.</div>\n"
            f"{COMMENT_FORM}\n</article>\n"
            + related(site_pages, site, page, "Most Popular", True, popular_extra)
            + "\n</main>"
        )
    elif site.theme == "portal":
        main = (
            f'<main class="portal-article"><div class="provider">'
            f'<span class="provider-name">{escape(page.source_outlet or site.outlet)}</span>'
            + (f" · {time_tag(page.when, 'us')}" if page.when else "")
            + f'</div>\n<h1>{escape(page.title)}</h1>\n'
            f'<div class="byline">Story by {escape(page.author)}</div>\n'
            f'<div class="article-body">\n{text}\n</div>\n'
            f'<p class="continue"><a href="{page.canonical}">'
            f"View on {escape(page.source_outlet or site.outlet)}</a></p>\n"
            + related(site_pages, site, page, "More for you", False) + "\n</main>"
        )
    elif site.theme == "releases":
        meta = []
        if page.when:
            meta.append(f"<dt>Date:</dt><dd>{time_tag(page.when, 'us')}</dd>")
        meta.append(f"<dt>Source:</dt><dd>{escape(page.author)}</dd>")
        meta.append(f"<dt>Summary:</dt><dd>{escape(page.description)}</dd>")
        main = (
            f'<main class="release"><h1 id="headline">{escape(page.title)}</h1>\n'
            f'<dl class="release-meta">{"".join(meta)}</dl>\n'
            f'<div id="text">\n{text}\n</div>\n'
            + related(site_pages, site, page, "Related Stories", False) + "\n</main>"
        )
    else:
        label = "Partager" if site.lang.startswith("fr") else "Share"
        main = (
            f'<main class="article-page"><article>\n'
            f'<p class="section-label">{escape(page.section)}</p>\n'
            f'<h1 class="headline">{escape(page.title)}</h1>\n'
            f'<p class="standfirst">{escape(page.description)}</p>\n'
            f"{byline(page, site)}\n"
            f'<div class="article-body">\n{text}\n</div>\n'
            f'<div class="share-tools"><span>{label}</span> <a href="#">Facebook</a> '
            f'<a href="#">Twitter</a> <a href="#">Email</a></div>\n</article>\n'
            + related(site_pages, site, page, "More in " + escape(page.section), False)
            + "\n</main>"
        )
    return document(site, head_html, main)


def listing_pages(site: Site, listing: Listing, pages: dict[str, Page],
                  titles: dict[str, str]) -> list[tuple[str, str]]:
    """The paginated section pages: ``[(path, html), ...]``."""
    items = list(listing.items)
    chunks = [items[i:i + listing.per_page] for i in range(0, len(items), listing.per_page)]
    paths = [listing.path] + [f"{listing.path}page/{n}/" for n in range(2, len(chunks) + 1)]
    out = []
    for number, (path, chunk) in enumerate(zip(paths, chunks, strict=True), start=1):
        entries = []
        for item in chunk:
            if isinstance(item, tuple):
                href, title = item
                entries.append(f'<li class="teaser"><h3><a href="{site_url(site.name, href)}">'
                               f"{escape(title)}</a></h3></li>")
                continue
            page = pages[item]
            stamp = f" {time_tag(page.when, date_style(site))}" if page.when else ""
            entries.append(f'<li class="teaser"><h3><a href="{page.url}">{escape(page.title)}'
                           f"</a></h3><p>{escape(page.description)}</p>{stamp}</li>")
        links = []
        head_links = []
        if number > 1:
            prev = site_url(site.name, paths[number - 2])
            links.append(f'<a rel="prev" class="prev" href="{prev}">‹ Previous</a>')
            head_links.append(f'<link rel="prev" href="{prev}">')
        if number < len(paths):
            nxt = site_url(site.name, paths[number])
            links.append(f'<a rel="next" class="next" href="{nxt}">Next ›</a>')
            head_links.append(f'<link rel="next" href="{nxt}">')
        suffix = f" – Page {number}" if number > 1 else ""
        head_html = head(site, listing.title + suffix, f"{listing.title} news from {site.title}",
                         site_url(site.name, path), extra="\n".join(head_links))
        main = (f'<main class="listing"><h1>{escape(listing.title)}{suffix}</h1>\n'
                f'<ul class="teasers">\n' + "\n".join(entries) + "\n</ul>\n"
                f'<nav class="pagination">{" ".join(links)} '
                f'<span class="page-count">Page {number} of {len(paths)}</span></nav>\n</main>')
        out.append((path, document(site, head_html, main)))
    titles.update({p: listing.title for p in paths})
    return out


def home_html(site: Site, site_pages: list[Page]) -> str:
    """The front page: the latest articles (newest first, undated last) and the sections."""
    dated = sorted((p for p in site_pages if p.when), key=lambda p: p.when, reverse=True)
    ordered = dated + [p for p in site_pages if not p.when]
    items = [f'<li><a href="{p.url}">{escape(p.title)}</a></li>' for p in ordered]
    sections = [f'<li><a href="{site_url(site.name, lst.path)}">{escape(lst.title)}</a></li>'
                for lst in site.listings]
    head_html = head(site, site.tagline or site.title, site.tagline, site_url(site.name, "/"))
    main = (f'<main class="home"><h1>{escape(site.title)}</h1>\n<h2>Latest</h2>\n<ul>\n'
            + "\n".join(items) + "\n</ul>\n<h2>Sections</h2>\n<ul>\n"
            + "\n".join(sections) + "\n</ul>\n</main>")
    return document(site, head_html, main)


def css(site: Site) -> str:
    """A little style so the pages look like somebody's website."""
    accent = {"news": "#c00", "digest": "#4db2ec", "portal": "#0067b8", "releases": "#336",
              "press": "#4b2e83", "slate": "#e5004b"}[site.theme]
    return (f"body{{font-family:Georgia,serif;max-width:60rem;margin:auto;color:#222}}\n"
            f"a{{color:{accent}}}\n.site-header{{border-bottom:3px solid {accent}}}\n"
            ".sidebar{font-size:.9em}\n.byline,.td-module-meta-info{color:#666}\n")


# Feeds --------------------------------------------------------------------------------------


def rss(site: Site, pages: list[Page], feed_path: str, full_content: bool = False) -> str:
    """An RSS 2.0 feed; undated items carry no pubDate."""
    items = []
    for p in pages:
        parts = [f"<title>{xml_escape(p.title)}</title>", f"<link>{p.url}</link>",
                 f'<guid isPermaLink="true">{p.url}</guid>',
                 f"<description>{xml_escape(p.description)}</description>",
                 f"<dc:creator>{xml_escape(p.author)}</dc:creator>",
                 f"<category>{xml_escape(p.section)}</category>"]
        if p.when:
            parts.insert(3, f"<pubDate>{format_datetime(p.when)}</pubDate>")
        if full_content:
            parts.append(f"<content:encoded><![CDATA[{body_html(p.paragraphs)}]]>"
                         "</content:encoded>")
        items.append("<item>\n" + "\n".join(parts) + "\n</item>")
    newest = max((p.when for p in pages if p.when), default=None)
    build = f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n" if newest else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
            f"<title>{xml_escape(site.title)} - {xml_escape(site.tagline)}</title>\n"
            f"<link>{site_url(site.name, '/')}</link>\n"
            f'<atom:link href="{site_url(site.name, feed_path)}" rel="self" '
            'type="application/rss+xml"/>\n'
            f"<description>{xml_escape(site.tagline)}</description>\n"
            f"<language>{site.lang}</language>\n{build}"
            + "\n".join(items) + "\n</channel>\n</rss>\n")


def atom(site: Site, pages: list[Page], feed_path: str) -> str:
    """An Atom 1.0 feed."""
    newest = max((p.when for p in pages if p.when), default=None)
    entries = []
    for p in pages:
        stamp = (f"<published>{p.date}</published>\n<updated>{p.date}</updated>\n"
                 if p.date else "")
        entries.append(f"<entry>\n<id>{p.url}</id>\n<title>{xml_escape(p.title)}</title>\n"
                       f'<link rel="alternate" type="text/html" href="{p.url}"/>\n{stamp}'
                       f"<author><name>{xml_escape(p.author)}</name></author>\n"
                       f"<summary>{xml_escape(p.description)}</summary>\n</entry>")
    updated = newest.isoformat() if newest else "2022-12-02T00:00:00+00:00"
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{site.lang}">\n'
            f"<id>{site_url(site.name, feed_path)}</id>\n"
            f"<title>{xml_escape(site.title)}</title>\n<updated>{updated}</updated>\n"
            f'<link rel="self" href="{site_url(site.name, feed_path)}"/>\n'
            f'<link rel="alternate" href="{site_url(site.name, "/")}"/>\n'
            + "\n".join(entries) + "\n</feed>\n")


def json_feed(site: Site, pages: list[Page], feed_path: str) -> str:
    """A JSON Feed 1.1 document."""
    items = []
    for p in pages:
        item: dict[str, object] = {"id": p.url, "url": p.url, "title": p.title,
                                   "summary": p.description,
                                   "authors": [{"name": p.author}], "language": p.lang}
        if p.date:
            item["date_published"] = p.date
        if p.canonical != p.url:
            item["external_url"] = p.canonical
        items.append(item)
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": site.title,
           "home_page_url": site_url(site.name, "/"),
           "feed_url": site_url(site.name, feed_path), "language": site.lang, "items": items}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# Sitemaps -----------------------------------------------------------------------------------


def sitemap_urlset(pages: list[Page], extra: list[str]) -> str:
    """A plain sitemap with lastmod where the page has a date."""
    entries = []
    for p in pages:
        lastmod = f"<lastmod>{p.date}</lastmod>" if p.date else ""
        entries.append(f"<url><loc>{p.url}</loc>{lastmod}</url>")
    entries += [f"<url><loc>{u}</loc></url>" for u in extra]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(entries) + "\n</urlset>\n")


def sitemap_news(site: Site, pages: list[Page]) -> str:
    """A Google News sitemap: publication name, language, date and title for every entry."""
    lang = site.lang.split("-")[0]
    entries = []
    for p in pages:
        if not p.date:
            continue
        entries.append(
            f"<url>\n<loc>{p.url}</loc>\n<news:news>\n<news:publication>\n"
            f"<news:name>{xml_escape(site.outlet)}</news:name>\n"
            f"<news:language>{lang}</news:language>\n</news:publication>\n"
            f"<news:publication_date>{p.date}</news:publication_date>\n"
            f"<news:title>{xml_escape(p.title)}</news:title>\n</news:news>\n</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            + "\n".join(entries) + "\n</urlset>\n")


def sitemap_index(site: Site, children: tuple[str, ...], lastmod: str) -> str:
    """A sitemap index pointing at the site's other sitemaps."""
    entries = [f"<sitemap><loc>{site_url(site.name, c)}</loc><lastmod>{lastmod}</lastmod>"
               "</sitemap>" for c in children]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(entries) + "\n</sitemapindex>\n")


def robots(site: Site) -> str:
    """robots.txt: the site's disallowed sections and its sitemap."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in site.disallow] or ["Disallow:"]
    if site.theme == "digest":
        lines.append("Allow: /wp-admin/admin-ajax.php")
    lines += ["", f"Sitemap: {site_url(site.name, site.sitemap_root)}", ""]
    return "\n".join(lines)
