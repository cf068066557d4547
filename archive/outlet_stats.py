"""Per-outlet syndication statistics: who copies whom, how often, how late, with credit or not.

Everything is counted over :func:`archive.copies.copy_links` (direct copies only; that module
defines what counts as a copy, as *credited* and as *dated*), so ``healthwire outlets`` and
``healthwire export outlets`` agree. For each outlet:

* ``articles``: articles archived (dated inside the filter's range, when one is given);
* ``copied``: copies *of* its articles made by other outlets, and by whom (``copied_by``);
* ``copies``: copies it made of other outlets' articles, and from whom (``copies_from``);
* lags in days, median and 90th percentile (linear interpolation, as numpy's default), over
  *dated* copies only: for the copies it made (``copy_lag_*``: how late it republishes) and
  for the copies made of it (``copied_lag_*``: how late others pick it up);
* ``credit_share``: the share of its copies that credit their source; ``credited_share``: the
  share of the copies made of it that credit it.

A copy between two pages of one outlet (a site republishing itself) is a ``self_copies`` and
counts in neither direction: it is not syndication between outlets. Articles without an outlet
are grouped under ``(no outlet)``.

Memory: one pass over the copies, keeping per outlet and per outlet pair a counter and the
dated lags as packed doubles (8 bytes a copy), so a million copies cost about 16 MB, not a
million Python objects.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from archive.copies import CopyLink, copy_links
from archive.filters import Filters, article_date, resolve_outlet
from archive.models import Article, Outlet, OutletDomain

UNKNOWN = "(no outlet)"


def _percentile(values: array, q: float) -> float | None:
    """The q-th percentile (linear interpolation), rounded to 3 places, or None when empty."""
    if not values:
        return None
    return round(float(np.percentile(np.frombuffer(values, dtype=np.float64), q)), 3)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass
class _Side:
    """Copies seen from one side (made by an outlet, or made of it)."""

    count: int = 0
    credited: int = 0
    partners: Counter[str] = field(default_factory=Counter)
    lags: array = field(default_factory=lambda: array("d"))

    def add(self, link: CopyLink, partner: str) -> None:
        self.count += 1
        self.credited += link.credited
        self.partners[partner] += 1
        if link.dated and link.lag_seconds is not None:
            self.lags.append(link.lag_seconds / 86400)


@dataclass
class _Tally:
    made: _Side = field(default_factory=_Side)
    of_it: _Side = field(default_factory=_Side)
    self_copies: int = 0


@dataclass
class OutletStats:
    """The tallies of one pass over the copies, for outlet rows and the outlet graph."""

    outlets: list[dict[str, Any]]
    tallies: dict[str, _Tally]
    pairs: dict[tuple[str, str], _Side]

    @classmethod
    def collect(cls, conn: Connection, filters: Filters | None = None) -> OutletStats:
        """Count the copies dated inside ``filters``' range (its outlet is ignored here: an
        outlet's numbers are the same whichever outlet the copies were selected by)."""
        filters = Filters(filters.since, filters.until) if filters else Filters()
        tallies: dict[str, _Tally] = {}
        pairs: dict[tuple[str, str], _Side] = {}
        for link in copy_links(conn, filters):
            child, parent = link.child_outlet or UNKNOWN, link.parent_outlet or UNKNOWN
            if child == parent:
                tallies.setdefault(child, _Tally()).self_copies += 1
                continue
            tallies.setdefault(child, _Tally()).made.add(link, parent)
            tallies.setdefault(parent, _Tally()).of_it.add(link, child)
            pairs.setdefault((parent, child), _Side()).add(link, child)
        return cls(_outlets(conn, filters), tallies, pairs)

    def rows(self, names: Collection[str] | None = None) -> list[dict[str, Any]]:
        """One row per outlet with articles or copies (or exactly the outlets in ``names``),
        most copied first."""
        rows = []
        for outlet in self.outlets:
            if names is not None and outlet["outlet"] not in names:
                continue
            tally = self.tallies.get(outlet["outlet"], _Tally())
            if names is None and not (outlet["articles"] or tally.made.count
                                     or tally.of_it.count or tally.self_copies):
                continue
            made, of_it = tally.made, tally.of_it
            rows.append({
                **outlet,
                "copied": of_it.count, "copied_by_outlets": len(of_it.partners),
                "copied_by": dict(of_it.partners.most_common()),
                "copies": made.count, "copies_from_outlets": len(made.partners),
                "copies_from": dict(made.partners.most_common()),
                "self_copies": tally.self_copies,
                "copy_lag_median_days": _percentile(made.lags, 50),
                "copy_lag_p90_days": _percentile(made.lags, 90),
                "copy_lags_dated": len(made.lags),
                "copied_lag_median_days": _percentile(of_it.lags, 50),
                "copied_lag_p90_days": _percentile(of_it.lags, 90),
                "copied_lags_dated": len(of_it.lags),
                "credit_share": _share(made.credited, made.count),
                "credited_share": _share(of_it.credited, of_it.count),
            })
        return sorted(rows, key=lambda r: (-r["copied"], r["outlet"].casefold()))

    def pair_rows(self, touching: str | None = None) -> list[dict[str, Any]]:
        """One row per (source outlet, copying outlet) pair, most copies first; with
        ``touching``, only the pairs that outlet is part of."""
        rows = []
        for (source, copier), side in self.pairs.items():
            if touching is not None and touching not in (source, copier):
                continue
            rows.append({
                "source_outlet": source, "outlet": copier, "copies": side.count,
                "lag_median_days": _percentile(side.lags, 50),
                "lag_p90_days": _percentile(side.lags, 90), "lags_dated": len(side.lags),
                "credited": side.credited, "credit_share": _share(side.credited, side.count),
            })
        return sorted(rows, key=lambda r: (-r["copies"], r["source_outlet"], r["outlet"]))


def _outlets(conn: Connection, filters: Filters) -> list[dict[str, Any]]:
    """Every outlet with its role, domains and number of articles dated in range."""
    at, ot, dt = Article.__table__, Outlet.__table__, OutletDomain.__table__
    counts = dict(conn.execute(
        select(at.c.outlet_id, func.count()).where(*filters.date_clauses(article_date(at)))
        .group_by(at.c.outlet_id)).all())
    domains: dict[int, list[str]] = {}
    for oid, domain in conn.execute(select(dt.c.outlet_id, dt.c.domain).order_by(dt.c.domain)):
        domains.setdefault(oid, []).append(domain)
    out = [{"outlet": name, "role": role, "domains": domains.get(oid, []),
            "articles": int(counts.get(oid, 0))}
           for oid, name, role in conn.execute(select(ot.c.id, ot.c.name, ot.c.role))]
    out.append({"outlet": UNKNOWN, "role": "unknown", "domains": [],
                "articles": int(counts.get(None, 0))})
    return out


def outlet_rows(conn: Connection, filters: Filters | None = None) -> list[dict[str, Any]]:
    """One JSON-ready row per outlet that has articles or copies, most copied first (only
    ``filters.outlet``'s row when an outlet is given; its partners still appear in
    ``copied_by``/``copies_from``)."""
    filters = filters or Filters()
    only = None
    if filters.outlet:
        oid = resolve_outlet(conn, filters.outlet)
        only = {conn.execute(select(Outlet.__table__.c.name)
                             .where(Outlet.__table__.c.id == oid)).scalar_one()}
    return OutletStats.collect(conn, filters).rows(only)
