"""One path from bytes to archive, whatever brought the bytes.

The crawler and ``healthwire import`` both go through the two steps here, in this order:

1. :func:`record_capture` writes the capture row for a response whose raw record is already in
   a WARC file (the crawler wrote it; an imported file is cited where it lies).
2. :func:`ingest_page` extracts the page and creates or updates its article, its versions and
   its citations.

:func:`ingest_exchange` does both in one transaction (WARC import). Nothing here raises for a
bad page: a page that cannot be an article stays a capture with the reason recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.db import session_scope
from archive.extraction import DateHint, ExtractedPage, extract_page
from archive.models import (
    Article,
    ArticleVersion,
    Capture,
    Citation,
    Outlet,
    OutletDomain,
    utcnow,
)
from archive.outlets import match_domain, match_outlet
from archive.warc import HttpExchange, WarcRef

T = TypeVar("T")
R = TypeVar("R")

#: Fewer words than this in the main text and a page is not taken for an article.
MIN_ARTICLE_WORDS = 60
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Date sources that are the page's own statement about itself (not a guess from its text).
PAGE_DATE_SOURCES = ("jsonld", "meta", "time-tag")


def normalise_url(url: str) -> str:
    """The form an article URL is stored in: no fragment, no tracking parameters, lower-case
    scheme and host, no default port. Anything else (path case, other parameters) is kept,
    because sites differ on what they mean."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else (
        f"{host}:{port}"
    )
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not k.lower().startswith(_TRACKING_PARAMS)]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def host_of(url: str) -> str:
    """The host (and non-default port) an outlet is recognised by."""
    return urlsplit(normalise_url(url)).netloc


def is_html(exchange: HttpExchange) -> bool:
    """Whether a response claims (or, lacking a type, looks) to be HTML."""
    content_type = (exchange.content_type or "").split(";")[0].strip().lower()
    if content_type:
        return content_type in HTML_TYPES
    head = exchange.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


@dataclass
class IngestResult:
    """What became of one response."""

    capture_id: int
    article_id: int | None = None
    #: new, new_version, unchanged, not_modified, not_article, skipped
    outcome: str = "skipped"
    reason: str | None = None
    #: Outbound links in the main text (absolute), for citation following.
    links: list[str] = field(default_factory=list)


def resolve_outlet(
    session: Session, url: str, *, name: str | None = None, role: str | None = None
) -> Outlet:
    """The outlet a page belongs to: by its host, else the configured name, else a known
    outlet matching the host, else a new outlet named after the host (role unknown).

    The host is recorded for the outlet so later pages of that host resolve directly.
    """
    host = host_of(url)
    bare = host.removeprefix("www.")
    domain_row = session.scalar(
        select(OutletDomain).where(OutletDomain.domain.in_([host, bare]))
    )
    if domain_row is not None:
        outlet = domain_row.outlet
        if role and outlet.role == "unknown":
            outlet.role = role
        return outlet
    known = match_outlet(name) if name else match_domain(bare)
    outlet_name = name or (known.name if known else bare)
    outlet = get_or_create(
        session, Outlet, {"name": outlet_name},
        {"role": role or (known.role if known else "unknown")},
    )
    claim_credits(session, outlet)
    if role and outlet.role == "unknown":
        outlet.role = role
    get_or_create(session, OutletDomain, {"domain": host}, {"outlet_id": outlet.id})
    return outlet


def outlet_name_variants(name: str) -> list[str]:
    """The names an outlet may be archived under: as written, and the known outlet's name
    and aliases ("Slate" credits the outlet configured as "Slate.fr")."""
    known = match_outlet(name)
    variants = [name]
    if known is not None:
        variants += [known.name, *known.aliases]
    return list(dict.fromkeys(variants))


def claim_credits(session: Session, outlet: Outlet) -> None:
    """Point earlier credits that name this outlet (by any of its names) at it."""
    session.execute(
        update(Citation)
        .where(Citation.outlet_id.is_(None),
               Citation.outlet_name.in_(outlet_name_variants(outlet.name)))
        .values(outlet_id=outlet.id)
    )


def get_or_create(session: Session, model: type[T], key: dict[str, object],
                  values: dict[str, object]) -> T:
    """The row with ``key``, inserted if missing, safe against a concurrent insert.

    Several crawl processes write the archive at once; two may meet the same new outlet. The
    insert runs in a savepoint, and on a unique-key conflict the other process's row is used.
    """
    query = select(model).filter_by(**key)
    row = session.scalar(query)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**key, **values)
            session.add(row)
    except IntegrityError:
        row = session.scalar(query)
        if row is None:
            raise
    return row


def record_capture(
    session: Session,
    exchange: HttpExchange,
    ref: WarcRef,
    *,
    crawl_run_id: int | None = None,
    requested_url: str | None = None,
) -> Capture:
    """Write the capture row for a response already safe in a WARC file.

    For a redirect, ``final_url`` is where it points, so a later run can tell that a known
    old URL leads to an archived article without fetching it again.
    """
    final_url = exchange.url
    location = exchange.header("Location")
    if 300 <= exchange.status < 400 and location:
        final_url = urljoin(exchange.url, location)
    capture = Capture(
        crawl_run_id=crawl_run_id,
        url=requested_url or exchange.url,
        final_url=final_url[:2000],
        status=exchange.status,
        fetched_at=exchange.fetched_at,
        content_type=(exchange.content_type or None) and exchange.content_type[:200],
        content_length=len(exchange.body),
        sha256=exchange.sha256,
        warc_file=ref.file,
        warc_offset=ref.offset,
        warc_length=ref.length,
        warc_record_id=ref.record_id,
        etag=(exchange.header("ETag") or None),
        last_modified=(exchange.header("Last-Modified") or None),
    )
    session.add(capture)
    session.flush()
    return capture


def _text_sha(page: ExtractedPage) -> str:
    return hashlib.sha256(f"{page.title or ''}\n{page.text}".encode()).hexdigest()


def _citations(article_id: int, page: ExtractedPage, url: str) -> list[Citation]:
    """Everything the page points at, as citation rows."""
    rows: list[Citation] = []
    for link_url, anchor in page.links:
        rows.append(Citation(article_id=article_id, kind="link",
                             target_url=normalise_url(link_url)[:2000], phrase=anchor[:1000]))
    for credit in page.credits:
        kind = "trace" if credit.kind == "trace" else (
            "dateline" if credit.kind == "dateline" else "credit")
        rows.append(Citation(article_id=article_id, kind=kind,
                             outlet_name=(credit.outlet or credit.raw_name)[:200],
                             phrase=credit.phrase[:1000], value=credit.kind[:500]))
    if page.canonical_url and normalise_url(page.canonical_url) != url:
        rows.append(Citation(article_id=article_id, kind="canonical",
                             target_url=normalise_url(page.canonical_url)[:2000]))
    for reference in page.references:
        rows.append(Citation(article_id=article_id, kind=reference.kind[:20],
                             value=reference.value[:500], phrase=reference.phrase[:1000]))
    return rows


def _link_citation_targets(session: Session, article: Article) -> None:
    """Point citations at archived articles: this article's targets, and others' at it."""
    session.execute(
        update(Citation)
        .where(Citation.target_url == article.url, Citation.target_article_id.is_(None))
        .values(target_article_id=article.id)
    )
    if article.canonical_url:
        session.execute(
            update(Citation)
            .where(Citation.target_url == article.canonical_url,
                   Citation.target_article_id.is_(None), Citation.article_id != article.id)
            .values(target_article_id=article.id)
        )
    citations = session.scalars(select(Citation).where(Citation.article_id == article.id)).all()
    wanted = {c.target_url for c in citations if c.target_url}
    found = dict(session.execute(
        select(Article.url, Article.id).where(Article.url.in_(wanted))
    ).all()) if wanted else {}
    names: dict[int, list[str]] = {}
    for citation in citations:
        if citation.outlet_name:
            names[citation.id] = outlet_name_variants(citation.outlet_name)
    every = {name for variants in names.values() for name in variants}
    outlets = dict(session.execute(
        select(Outlet.name, Outlet.id).where(Outlet.name.in_(every))
    ).all()) if every else {}
    for citation in citations:
        target = found.get(citation.target_url) if citation.target_url else None
        if target is not None and target != article.id:
            citation.target_article_id = target
        if citation.id in names:
            citation.outlet_id = next(
                (outlets[n] for n in names[citation.id] if n in outlets), None)


def needs_extraction(exchange: HttpExchange) -> bool:
    """Whether ingest_page would extract this response (a 200 HTML page)."""
    return exchange.status == 200 and is_html(exchange)


def extract_for(exchange: HttpExchange, *, hints: Sequence[DateHint] = (),
                hint_title: str | None = None) -> ExtractedPage:
    """Extraction as ingest does it: pure CPU, no database, safe in another process."""
    return extract_page(
        exchange.body,
        exchange.url,
        content_type=exchange.content_type,
        fetched_at=exchange.fetched_at,
        hint_dates=list(hints),
        hint_title=hint_title,
    )


def ingest_page(
    session: Session,
    capture: Capture,
    exchange: HttpExchange,
    *,
    hints: Sequence[DateHint] = (),
    hint_title: str | None = None,
    outlet_name: str | None = None,
    outlet_role: str | None = None,
    recheck_after: timedelta = timedelta(hours=24),
    extracted: ExtractedPage | None = None,
) -> IngestResult:
    """Extract a captured page and record it as an article (new, new version, or unchanged).

    ``extracted`` is :func:`extract_for` already run on this exchange elsewhere (the crawler
    extracts in worker processes and writes here, in one process, to spare SQLite's lock).
    """
    result = IngestResult(capture_id=capture.id)
    url = normalise_url(exchange.url)
    now = utcnow()
    existing = session.scalar(select(Article).where(Article.url == url))
    if exchange.status == 304 and existing is not None:
        existing.last_seen_at = now
        existing.next_check_at = now + recheck_after
        capture.article_id = existing.id
        result.article_id, result.outcome = existing.id, "not_modified"
        return result
    if exchange.status != 200:
        result.outcome, result.reason = "skipped", f"HTTP status {exchange.status}"
        return result
    if not is_html(exchange):
        result.outcome = "skipped"
        result.reason = f"not HTML ({exchange.content_type or 'no content type'})"
        return result
    page = extracted or extract_for(exchange, hints=hints, hint_title=hint_title)
    result.links = [link for link, _anchor in page.links]
    listing = page.page_type == "listing" and page.published_at_source not in PAGE_DATE_SOURCES
    if listing or len(page.text.split()) < MIN_ARTICLE_WORDS:
        result.outcome = "not_article"
        result.reason = ("the page declares itself a listing (og:type/JSON-LD) and states no "
                         "publication date of its own" if listing else
                         "; ".join(page.problems) or "too little main text for an article")
        if existing is not None:
            existing.last_seen_at = now
            existing.next_check_at = now + recheck_after
        return result
    text_sha = _text_sha(page)
    extra = {
        "site_name": page.site_name,
        "description": page.description,
        "title_source": page.title_source,
        "language_source": page.language_source,
        "published_at_precision": page.published_at_precision,
        "encoding": page.encoding,
        "page_type": page.page_type,
        "subheadings": page.subheadings,
        "quotes": [{"text": q.text, "style": q.style} for q in page.quotes],
        "mentioned_dates": [
            {"date": m.value.isoformat(), "phrase": m.phrase} for m in page.mentioned_dates
        ],
        "date_candidates": [
            {"date": c.value.isoformat(), "source": c.source, "kind": c.kind, "detail": c.detail}
            for c in page.date_candidates
        ],
        "problems": page.problems,
    }
    if existing is not None and existing.text_sha256 == text_sha:
        existing.last_seen_at = now
        existing.next_check_at = now + recheck_after
        capture.article_id = existing.id
        result.article_id, result.outcome = existing.id, "unchanged"
        return result
    outlet = resolve_outlet(session, url, name=outlet_name, role=outlet_role)
    article = existing or Article(url=url, first_seen_at=exchange.fetched_at)
    article.canonical_url = normalise_url(page.canonical_url) if page.canonical_url else None
    article.outlet_id = outlet.id
    article.title = page.title
    article.authors = page.authors
    article.language = page.language
    article.text = page.text
    article.text_sha256 = text_sha
    # A later capture can lose a date (a redesign, a lying header) but should not erase the
    # one an earlier capture stated: keep the old date when the new capture states none.
    if page.published_at is not None or existing is None:
        article.published_at = page.published_at
        article.published_at_source = page.published_at_source
    article.modified_at = page.modified_at
    article.modified_at_source = page.modified_at_source
    article.extra = extra
    article.last_seen_at = now
    article.next_check_at = now + recheck_after
    # A changed text must be fingerprinted and linked again.
    article.minhash = None
    article.fingerprinted_at = None
    article.linked_at = None
    if existing is None:
        session.add(article)
    session.flush()
    version_no = 1 if existing is None else (session.scalar(
        select(func.max(ArticleVersion.version)).where(ArticleVersion.article_id == article.id)
    ) or 0) + 1
    session.add(ArticleVersion(article_id=article.id, version=version_no, capture_id=capture.id,
                               observed_at=exchange.fetched_at, title=page.title,
                               text=page.text, text_sha256=text_sha))
    session.execute(delete(Citation).where(Citation.article_id == article.id))
    session.add_all(_citations(article.id, page, url))
    session.flush()
    _link_citation_targets(session, article)
    capture.article_id = article.id
    result.article_id = article.id
    result.outcome = "new" if existing is None else "new_version"
    return result


def ingest_exchange(
    engine: Engine,
    exchange: HttpExchange,
    ref: WarcRef,
    *,
    crawl_run_id: int | None = None,
    requested_url: str | None = None,
    **page_options: object,
) -> IngestResult:
    """Capture and ingest one response in one transaction (used by WARC import)."""
    def attempt() -> IngestResult:
        with session_scope(engine) as session:
            capture = record_capture(session, exchange, ref, crawl_run_id=crawl_run_id,
                                     requested_url=requested_url)
            return ingest_page(session, capture, exchange, **page_options)  # type: ignore[arg-type]

    return retry_on_conflict(attempt)


def retry_on_conflict(work: Callable[[], R], attempts: int = 3) -> R:
    """Run a transaction again when another writer won a race for the same new row.

    Two crawls can meet one new article at the same moment; on PostgreSQL the second insert
    fails on the unique URL. Rerun, it finds the first one's row and records a capture of it.
    """
    for attempt in range(attempts):
        try:
            return work()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def recheck_due(session: Session, url: str, now: datetime | None = None) -> bool:
    """Whether ``url`` should be fetched now: unknown, or its re-check time has come.

    A URL that redirected to an archived article (a moved page) counts as that article.
    """
    now = now or utcnow()
    for _hop in range(5):
        row = session.execute(
            select(Article.next_check_at).where(Article.url == normalise_url(url))
        ).first()
        if row is not None:
            return row[0] is None or row[0] <= now
        redirect = session.scalar(
            select(Capture.final_url)
            .where(Capture.url.in_([url, normalise_url(url)]), Capture.status.in_(
                [301, 302, 303, 307, 308]))
            .order_by(Capture.fetched_at.desc())
            .limit(1)
        )
        if redirect is None or redirect == url:
            return True
        url = redirect
    return True


def fetch_plan(session: Session, urls: Sequence[str], now: datetime | None = None
               ) -> dict[str, dict[str, str] | None]:
    """For each URL: None if it is not due for fetching, else the conditional-GET headers to
    send (empty for a URL never captured). URLs are looked up in batches, not one query each,
    so scheduling a sitemap of thousands of URLs stays cheap."""
    now = now or utcnow()
    redirects = (301, 302, 303, 307, 308)
    plan: dict[str, dict[str, str] | None] = {}
    for start in range(0, len(urls), 500):
        chunk = list(urls[start:start + 500])
        normal = {url: normalise_url(url) for url in chunk}
        targets = set(normal.values())
        known = dict(session.execute(
            select(Article.url, Article.next_check_at).where(Article.url.in_(targets))
        ).all())
        moved = set(session.scalars(
            select(Capture.url).where(Capture.url.in_(targets | set(chunk)),
                                      Capture.status.in_(redirects))
        ))
        validators: dict[str, tuple[datetime, str | None, str | None]] = {}
        for final_url, fetched_at, etag, last_modified in session.execute(
            select(Capture.final_url, Capture.fetched_at, Capture.etag, Capture.last_modified)
            .where(Capture.final_url.in_(targets), Capture.status == 200)
        ):
            if final_url not in validators or fetched_at > validators[final_url][0]:
                validators[final_url] = (fetched_at, etag, last_modified)
        for url in chunk:
            target = normal[url]
            if target in known:
                due = known[target] is None or known[target] <= now
            elif url in moved or target in moved:
                due = recheck_due(session, url, now)  # a moved page: follow where it went
            else:
                due = True
            if not due:
                plan[url] = None
                continue
            headers: dict[str, str] = {}
            if target in validators:
                _, etag, last_modified = validators[target]
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
            plan[url] = headers
    return plan
