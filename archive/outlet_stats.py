"""Per-outlet syndication statistics: who copies whom, how often, how late, with credit or not.

Built from :func:`archive.copies.copy_links` (direct copies only; see that module for what
counts as a copy, as credited and as dated). For each outlet:

* ``articles``: articles archived (dated inside the filter's range, when one is given);
* ``copied``: copies *of* its articles made by other outlets, and by whom;
* ``copies``: copies it made of other outlets' articles, and from whom;
* lags in days (median and 90th percentile, linear interpolation) over *dated* copies only,
  both for the copies it made (``copy_lag_*``: how late it republishes) and for the copies
  made of it (``copied_lag_*``: how late others pick it up);
* ``credit_share``: the share of its copies that credit their source, and ``credited_share``:
  the share of copies made of it that credit it.

A copy between two pages of the same outlet (a site republishing itself) is counted under
``self_copies`` and in neither direction above: it is not syndication between outlets.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from archive.copies import CopyLink, copy_links
from archive.filters import Filters, article_date, resolve_outlet
from archive.models import Article, Outlet

OUTLET_FIELDS = (
    "outlet", "role", "articles", "copied", "copied_by_outlets", "copied_by",
    "copies", "copies_from_outlets", "copies_from", "self_copies",
    "copy_lag_median_days", "copy_lag_p90_days", "copy_lags_dated",
    "copied_lag_median_days", "copied_lag_p90_days", "copied_lags_dated",
    "credit_share", "credited_share",
)
SORT_KEYS = ("copied", "copies", "articles", "lag", "name")
UNKNOWN = "(no outlet)"


@dataclass
class _Tally:
    copied: int = 0
    copies: int = 0
    self_copies: int = 0
    copied_by: Counter[str] = field(default_factory=Counter)
    copies_from: Counter[str] = field(default_factory=Counter)
    # array('d'): 8 bytes a lag, so a million copies cost megabytes, not a list of floats.
    copy_lags: array[float] = field(default_factory=lambda: array("d"))
    copied_lags: array[float] = field(default_factory=lambda: array("d"))
    credits_given: int = 0
    credits_received: int = 0

    def add_copy(self, link: CopyLink, source: str) -> None:
        self.copies += 1
        self.copies_from[source] += 1
        self.credits_given += link.credited
        if link.dated and link.lag_days is not None:
            self.copy_lags.append(link.lag_days)

    def add_copied(self, link: CopyLink, copier: str) -> None:
        self.copied += 1
        self.copied_by[copier] += 1
        self.credits_received += link.credited
        if link.dated and link.lag_days is not None:
            self.copied_lags.append(link.lag_days)


def _percentile(values: array[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def outlet_rows(conn: Connection, filters: Filters | None = None, *,
                sort: str = "copied") -> list[dict[str, Any]]:
    """One JSON-ready row per outlet that has articles or copies (only ``filters.outlet``'s
    row when an outlet is given; its partners still appear in ``copied_by``/``copies_from``)."""
    filters = filters or Filters()
    only = resolve_outlet(conn, filters.outlet) if filters.outlet else None
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for link in copy_links(conn, filters):
        child, parent = link.child_outlet or UNKNOWN, link.parent_outlet or UNKNOWN
        if child == parent:
            tallies[child].self_copies += 1
            continue
        tallies[child].add_copy(link, parent)
        tallies[parent].add_copied(link, child)

    at, ot = Article.__table__, Outlet.__table__
    counts = select(at.c.outlet_id, func.count().label("n")).where(
        *filters.date_clauses(article_date(at))).group_by(at.c.outlet_id).subquery()
    outlets = conn.execute(
        select(ot.c.id, ot.c.name, ot.c.role, func.coalesce(counts.c.n, 0))
        .select_from(ot.outerjoin(counts, counts.c.outlet_id == ot.c.id))
    ).all()
    unattributed = conn.execute(select(counts.c.n).where(counts.c.outlet_id.is_(None))).scalar()

    rows: list[dict[str, Any]] = []
    entries = [(oid, name, role, int(n)) for oid, name, role, n in outlets]
    if unattributed or UNKNOWN in tallies:
        entries.append((None, UNKNOWN, "unknown", int(unattributed or 0)))
    for oid, name, role, articles in entries:
        if only is not None and oid != only:
            continue
        tally = tallies.get(name, _Tally())
        if not articles and not (tally.copied or tally.copies or tally.self_copies):
            continue
        rows.append({
            "outlet": name, "role": role, "articles": articles,
            "copied": tally.copied, "copied_by_outlets": len(tally.copied_by),
            "copied_by": dict(tally.copied_by.most_common()),
            "copies": tally.copies, "copies_from_outlets": len(tally.copies_from),
            "copies_from": dict(tally.copies_from.most_common()),
            "self_copies": tally.self_copies,
            "copy_lag_median_days": _percentile(tally.copy_lags, 50),
            "copy_lag_p90_days": _percentile(tally.copy_lags, 90),
            "copy_lags_dated": len(tally.copy_lags),
            "copied_lag_median_days": _percentile(tally.copied_lags, 50),
            "copied_lag_p90_days": _percentile(tally.copied_lags, 90),
            "copied_lags_dated": len(tally.copied_lags),
            "credit_share": _share(tally.credits_given, tally.copies),
            "credited_share": _share(tally.credits_received, tally.copied),
        })
    return sort_rows(rows, sort)


def sort_rows(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Order outlet rows: most copied (default), most copying, most articles, slowest
    copier (median lag, undated last), or by name."""
    if sort == "name":
        return sorted(rows, key=lambda r: r["outlet"].casefold())
    if sort == "lag":
        return sorted(rows, key=lambda r: (r["copy_lag_median_days"] is None,
                                           -(r["copy_lag_median_days"] or 0), r["outlet"]))
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort {sort!r}")
    return sorted(rows, key=lambda r: (-r[sort], r["outlet"].casefold()))
