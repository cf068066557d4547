"""The filters every research command shares: ``--since``, ``--until``, ``--outlet``.

One definition, so that ``search``, ``stories``, ``outlets``, ``export`` and ``plot`` agree on
what "an article from June 2022 by NPR" means:

* An article's **date** is its publication date when that date came from trusted evidence
  (``link.trusted_date_sources``: structured data, the URL, a feed or sitemap), else the time
  the archive first saw it. This is the same date the linker uses for lags.
* ``--since D`` keeps dates on or after D; ``--until D`` keeps dates on or before D. A bare
  day (``2022-06-05``) means that whole day in UTC, so ``--since X --until X`` is one day.
* ``--outlet O`` matches an outlet's name without regard to case, or one of its domains
  (``npr.org``). An unknown outlet is an error that names the closest known ones, never an
  empty result that looks like "no copies".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import FromClause

from archive.errors import ArchiveError
from archive.linking.params import TRUSTED_DATE_SOURCES
from archive.models import Outlet, OutletDomain, UTCDateTime


@dataclass(frozen=True)
class Filters:
    """Date range (half-open: ``since <= date < until``) and an outlet name as typed."""

    since: datetime | None = None
    until: datetime | None = None
    outlet: str | None = None

    @classmethod
    def parse(cls, since: str | None = None, until: str | None = None,
              outlet: str | None = None) -> Filters:
        start = parse_date(since, "--since") if since else None
        end = parse_date(until, "--until", end_of_day=True) if until else None
        if start is not None and end is not None and end <= start:
            raise ArchiveError(f"--until {until} is not after --since {since}",
                               hint="give an --until on or after the --since date")
        name = outlet.strip() if outlet else None
        if outlet is not None and not name:
            raise ArchiveError("--outlet is empty", hint="give an outlet name or domain; "
                               "`healthwire outlets` lists them")
        return cls(start, end, name)

    def as_dict(self) -> dict[str, Any]:
        return {"since": _iso(self.since), "until": _iso(self.until), "outlet": self.outlet}

    def date_clauses(self, date_column: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        """WHERE clauses that keep ``date_column`` inside the range."""
        out: list[ColumnElement[bool]] = []
        if self.since is not None:
            out.append(date_column >= literal(self.since, UTCDateTime()))
        if self.until is not None:
            out.append(date_column < literal(self.until, UTCDateTime()))
        return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_date(value: str, option: str, *, end_of_day: bool = False) -> datetime:
    """A day or an ISO 8601 timestamp, in UTC when no offset is given.

    With ``end_of_day``, a bare day becomes the start of the next day (the end of a half-open
    range), so ``--until 2022-06-05`` includes everything published that day.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ArchiveError(f"{option} {value!r} is not a date",
                           hint="use YYYY-MM-DD or an ISO 8601 timestamp such as "
                           "2022-06-05T09:00:00+00:00") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed + timedelta(microseconds=1) if end_of_day else parsed


def has_trusted_date(article: FromClause) -> ColumnElement[bool]:
    """SQL: the article's publication date came from trusted evidence."""
    c = article.c
    return and_(c.published_at.is_not(None), c.published_at_source.in_(TRUSTED_DATE_SOURCES))


def article_date(article: FromClause) -> ColumnElement[datetime]:
    """SQL for an article's date: trusted publication date, else first seen."""
    c = article.c
    return case((has_trusted_date(article), c.published_at), else_=c.first_seen_at).label(
        "date")


def article_date_source(article: FromClause) -> ColumnElement[str]:
    """SQL for where :func:`article_date` came from (a date source, or ``first-seen``)."""
    c = article.c
    return case((has_trusted_date(article), c.published_at_source),
                else_=literal("first-seen")).label("date_source")


def resolve_outlet(conn: Connection, name: str) -> int:
    """The id of the outlet called ``name`` (any case) or owning the domain ``name``."""
    ot, dt = Outlet.__table__, OutletDomain.__table__
    wanted = name.strip()
    host = wanted.lower().removeprefix("www.")
    found = conn.execute(
        select(ot.c.id).where(func.lower(ot.c.name) == wanted.lower()).order_by(ot.c.id)
    ).scalar()
    if found is None:
        found = conn.execute(
            select(dt.c.outlet_id).where(or_(dt.c.domain == host, dt.c.domain == "www." + host))
        ).scalar()
    if found is not None:
        return int(found)
    known = list(conn.execute(select(ot.c.name).order_by(ot.c.name)).scalars())
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5) or [
        k for k in known if wanted.lower() in k.lower()][:3]
    hint = (f"did you mean {', '.join(repr(c) for c in close)}? " if close else "") + (
        "`healthwire outlets` lists the outlets in the archive" if known
        else "the archive has no outlets yet: crawl or import first")
    raise ArchiveError(f"no outlet named {name!r} in the archive", hint=hint)


def filter_options(func_: Any) -> Any:
    """Add ``--since``, ``--until`` and ``--outlet`` to a click command."""
    func_ = click.option("--outlet", metavar="OUTLET",
                         help="Only this outlet (name, any case, or a domain).")(func_)
    func_ = click.option("--until", metavar="DATE",
                         help="Only dates on or before DATE (YYYY-MM-DD or ISO 8601).")(func_)
    func_ = click.option("--since", metavar="DATE",
                         help="Only dates on or after DATE (YYYY-MM-DD or ISO 8601).")(func_)
    return func_
