"""Full-text search over the archive's articles: ``healthwire search QUERY``.

The index is migration 0003's: an FTS5 table on SQLite, a GIN expression index on PostgreSQL.
The query language lives in :mod:`archive.searchquery`, so both backends read a query alike;
ranking is each engine's own (FTS5 ``bm25``, PostgreSQL ``ts_rank_cd``), with a title match
worth more than a match in the text. Results come in two steps: first the ranked ids (the only
step that touches every match), then details, snippets and links for the page of hits shown,
because a snippet is costly and only a few are printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from archive.db import reader
from archive.errors import ArchiveError
from archive.filters import Filters, article_date, article_date_source, resolve_outlet
from archive.models import RELATIONS, Article, Link, Outlet, Story
from archive.searchquery import SYNTAX_HINT, SearchQuery, Term, parse_query

#: Most hits one search returns.
MAX_LIMIT = 1000
#: Markers around matched words in snippets (control characters: never in extracted text).
MARK_START, MARK_END = "\x02", "\x03"
#: Weight of a title match over a text match in SQLite's bm25 (title, text).
SQLITE_WEIGHTS = (5.0, 1.0)
#: ts_rank_cd weights for labels D, C, B, A: the title is A, the text D.
PG_WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'::float4[]"
#: Characters of text PostgreSQL indexes and highlights (see migration 0003).
PG_TEXT_CAP = 200000
# The indexed expression of migration 0003, repeated exactly so the planner uses the index.
_PG_DOCUMENT = literal_column(
    "(setweight(to_tsvector('english'::regconfig, left(coalesce(article.title, ''), 2000)), "
    "'A') || setweight(to_tsvector('english'::regconfig, left(coalesce(article.text, ''), "
    f"{PG_TEXT_CAP})), 'D'))"
)
_ENGLISH = literal_column("'english'::regconfig")

_article = Article.__table__
_link = Link.__table__


def search(engine: Engine, query: str, filters: Filters | None = None,
           relation: str | None = None, limit: int = 20) -> dict[str, Any]:
    """Articles matching ``query``, best first, as a JSON-ready dict.

    Raises :class:`ArchiveError` for a query with nothing to search for, an unknown relation
    or outlet, or a limit out of range; never passes the user's text to an engine unquoted.
    """
    parsed = parse_query(query)
    filters = filters or Filters()
    if relation is not None and relation not in RELATIONS:
        raise ArchiveError(f"unknown relation {relation!r}",
                           hint=f"use one of {', '.join(RELATIONS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ArchiveError(f"--limit {limit} is out of range",
                           hint=f"give a number from 1 to {MAX_LIMIT}")
    with reader(engine).connect() as conn:
        backend = _Sqlite(parsed) if conn.dialect.name == "sqlite" else _Postgres(parsed)
        backend.check(conn)
        clauses = _filter_clauses(conn, filters, relation)
        try:
            ranked = conn.execute(backend.ranked(clauses).limit(limit)).all()
            total = len(ranked) if len(ranked) < limit else conn.execute(
                backend.count(clauses)).scalar_one()
            ids = [row.id for row in ranked]
            snippets = backend.snippets(conn, ids)
        except DBAPIError as exc:  # a query the parser let through but the engine refused
            raise ArchiveError(f"the search engine could not read the query {query[:60]!r}",
                               hint=SYNTAX_HINT) from exc
        details = _details(conn, ids)
        relations = _relations(conn, ids)
    hits = []
    for rank, row in enumerate(ranked, start=1):
        hit = {"rank": rank, "score": round(float(row.score), 6), **details[row.id],
               "snippet": _marked(snippets.get(row.id)), "relations": relations.get(row.id, [])}
        hits.append(hit)
    return {"query": parsed.as_dict(), "backend": conn.dialect.name,
            "filters": {**filters.as_dict(), "relation": relation}, "limit": limit,
            "total": total, "hits": hits}


def _filter_clauses(conn: Connection, filters: Filters, relation: str | None
                    ) -> list[ColumnElement[bool]]:
    """WHERE clauses on ``article`` for --since/--until/--outlet/--relation."""
    clauses = list(filters.date_clauses(article_date(_article)))
    if filters.outlet:
        clauses.append(_article.c.outlet_id == resolve_outlet(conn, filters.outlet))
    if relation is not None:
        clauses.append(exists().where(
            _link.c.relation == relation,
            or_(_link.c.child_id == _article.c.id, _link.c.parent_id == _article.c.id)))
    return clauses


class _Sqlite:
    """FTS5: ``article_fts MATCH`` an expression of quoted strings, ranked by bm25."""

    fts = table("article_fts", column("rowid"))
    ref = literal_column("article_fts")

    def __init__(self, parsed: SearchQuery) -> None:
        self.match = self.ref.op("MATCH")(bindparam("fts_query", parsed.fts5()))

    def check(self, conn: Connection) -> None:
        """Nothing to check: the parser already refused queries without a term."""

    def _base(self, clauses: Sequence[ColumnElement[bool]], *columns: Any) -> Select[Any]:
        return (select(*columns)
                .select_from(self.fts.join(_article, _article.c.id == self.fts.c.rowid))
                .where(self.match, *clauses))

    def ranked(self, clauses: Sequence[ColumnElement[bool]]) -> Select[Any]:
        # bm25 is lower for better matches; the score shown is its negation.
        bm25 = func.bm25(self.ref, *SQLITE_WEIGHTS)
        return (self._base(clauses, _article.c.id, (-bm25).label("score"))
                .order_by(bm25, _article.c.id))

    def count(self, clauses: Sequence[ColumnElement[bool]]) -> Select[Any]:
        return self._base(clauses, func.count())

    def snippets(self, conn: Connection, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        snippet = func.snippet(self.ref, 1, MARK_START, MARK_END, "…", 24)
        rows = conn.execute(select(self.fts.c.rowid, snippet)
                            .where(self.match, self.fts.c.rowid.in_(ids)))
        return {int(rowid): text for rowid, text in rows}


class _Postgres:
    """A GIN index on the weighted tsvector, ``phraseto_tsquery`` per term, ts_rank_cd."""

    def __init__(self, parsed: SearchQuery) -> None:
        query: Any = None
        for group in parsed.groups:
            either = _pg_term(group[0])
            for term in group[1:]:
                either = func.tsquery_or(either, _pg_term(term))
            query = either if query is None else func.tsquery_and(query, either)
        for term in parsed.excluded:
            query = func.tsquery_and(query, func.tsquery_not(_pg_term(term)))
        self.query = query
        self.parsed = parsed

    def check(self, conn: Connection) -> None:
        """Refuse a query PostgreSQL reads as empty or as exclusions only (stop words of its
        own, or words its parser does not index)."""
        tree = conn.execute(select(func.querytree(self.query))).scalar_one()
        if tree in ("", "T"):
            raise ArchiveError(f"no word of the query {self.parsed.text[:60]!r} can be searched "
                               "on PostgreSQL", hint=SYNTAX_HINT)

    def _base(self, clauses: Sequence[ColumnElement[bool]], *columns: Any) -> Select[Any]:
        return select(*columns).select_from(_article).where(
            _PG_DOCUMENT.op("@@")(self.query), *clauses)

    def ranked(self, clauses: Sequence[ColumnElement[bool]]) -> Select[Any]:
        rank = func.ts_rank_cd(literal_column(PG_WEIGHTS), _PG_DOCUMENT, self.query)
        return (self._base(clauses, _article.c.id, rank.label("score"))
                .order_by(rank.desc(), _article.c.id))

    def count(self, clauses: Sequence[ColumnElement[bool]]) -> Select[Any]:
        return self._base(clauses, func.count())

    def snippets(self, conn: Connection, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        options = (f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
                   'MaxFragments=2, FragmentDelimiter=" … "')
        text = func.left(func.coalesce(_article.c.text, ""), PG_TEXT_CAP)
        headline = func.ts_headline(_ENGLISH, text, self.query, options)
        rows = conn.execute(select(_article.c.id, headline).where(_article.c.id.in_(ids)))
        return {int(row_id): snippet for row_id, snippet in rows}


def _pg_term(term: Term) -> Any:
    """One term as a tsquery: words in order (a lone word is a phrase of one)."""
    return func.phraseto_tsquery(_ENGLISH, bindparam(None, term.text))


def _details(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What each hit shows: URL, outlet, date and its source, title, story and its size."""
    if not ids:
        return {}
    a, o, s = _article, Outlet.__table__, Story.__table__
    rows = conn.execute(
        select(a.c.id, a.c.url, o.c.name.label("outlet"), article_date(a),
               article_date_source(a), a.c.title, a.c.story_id, s.c.size.label("story_size"))
        .select_from(a.outerjoin(o, o.c.id == a.c.outlet_id)
                     .outerjoin(s, s.c.id == a.c.story_id))
        .where(a.c.id.in_(ids)))
    return {row.id: {"article_id": row.id, "url": row.url, "outlet": row.outlet,
                     "date": row.date.isoformat() if row.date else None,
                     "date_source": row.date_source, "title": row.title,
                     "story_id": row.story_id,
                     "story_size": row.story_size if row.story_id is not None else 1}
            for row in rows}


def _relations(conn: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The links each hit takes part in: as the copy (``role: copy``) or as its source."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return out
    other, o = _article.alias("other"), Outlet.__table__
    for role, mine, theirs in (("copy", _link.c.child_id, _link.c.parent_id),
                               ("source", _link.c.parent_id, _link.c.child_id)):
        rows = conn.execute(
            select(mine.label("hit"), _link.c.relation, other.c.url, o.c.name.label("outlet"))
            .select_from(_link.join(other, other.c.id == theirs)
                         .outerjoin(o, o.c.id == other.c.outlet_id))
            .where(and_(mine.in_(ids)))
            .order_by(_link.c.id))
        for row in rows:
            out.setdefault(row.hit, []).append({"relation": row.relation, "role": role,
                                                "other_url": row.url,
                                                "other_outlet": row.outlet})
    return out


def _marked(snippet: str | None) -> str | None:
    """A snippet with matches between ``**`` (JSON output; the CLI bolds them instead)."""
    if snippet is None:
        return None
    return snippet.replace(MARK_START, "**").replace(MARK_END, "**")
