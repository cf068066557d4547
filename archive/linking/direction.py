"""Which of two related articles is the parent.

Rules, in order (the first that can decide, decides):

1. ``published_at``: both dates trusted (from JSON-LD, meta, time tags, URLs, feeds or
   sitemaps) and further apart than the tolerance: the earlier is the parent.
2. ``canonical``: a page whose canonical URL names the other page is the copy.
3. ``credit`` / ``link``: a page that credits the other's outlet, or links to the other page,
   when the other does not return the favour, is the copy.
4. ``first_seen_at``: otherwise dates with one untrusted side (no date, a header date, a date
   found in text): the effective date is the trusted date or the first-seen time.
5. ``containment``: the page more contained in the other is the copy (an excerpt is inside its
   source; a wrapper contains its source).
6. ``archive_order``: nothing decides; the earlier archived row is the parent, with low
   confidence.

Credits and canonical links come before first-seen times on purpose: a page's own header
date or the moment we happened to fetch it says little about who copied whom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archive.linking.params import LinkParams

CONFIDENCE = {
    "published_at": 0.95, "canonical": 0.9, "link": 0.85, "credit": 0.8,
    "first_seen_at": 0.7, "containment": 0.6, "archive_order": 0.5,
}


@dataclass
class ArticleMeta:
    """What direction and relations need to know about one article (no text)."""

    id: int
    url: str
    canonical_url: str | None
    outlet_id: int | None
    outlet_name: str | None
    published_at: datetime | None
    published_at_source: str | None
    first_seen_at: datetime
    #: Archived articles this one links to (body links, canonical, resolved citations).
    points_to: set[int] = field(default_factory=set)
    #: Outlet ids and case-folded outlet names this article credits in prose or datelines.
    credited_outlets: set[int] = field(default_factory=set)
    credited_names: set[str] = field(default_factory=set)

    def trusted_date(self, params: LinkParams) -> datetime | None:
        if self.published_at is not None and (
            self.published_at_source in params.trusted_date_sources
        ):
            return self.published_at
        return None

    def effective_date(self, params: LinkParams) -> datetime:
        """The trusted publication date, else the first-seen time."""
        return self.trusted_date(params) or self.first_seen_at

    def credits(self, other: ArticleMeta) -> bool:
        if other.outlet_id is not None and other.outlet_id in self.credited_outlets:
            return other.outlet_id != self.outlet_id
        name = (other.outlet_name or "").casefold()
        return bool(name) and name in self.credited_names and other.outlet_id != self.outlet_id

    def names_as_canonical(self, other: ArticleMeta) -> bool:
        return bool(self.canonical_url) and self.canonical_url in (other.url,) and (
            self.canonical_url != self.url
        )


@dataclass
class Direction:
    child: ArticleMeta
    parent: ArticleMeta
    reason: str

    @property
    def confidence(self) -> float:
        return CONFIDENCE[self.reason]

    def lag_seconds(self, params: LinkParams) -> float:
        """How long after its parent the child appeared (effective dates)."""
        return (self.child.effective_date(params) - self.parent.effective_date(params)
                ).total_seconds()


def decide(a: ArticleMeta, b: ArticleMeta, containment_a: float, containment_b: float,
           params: LinkParams) -> Direction:
    """Order a pair; ``containment_a`` is the share of a's shingles found in b."""
    da, db = a.trusted_date(params), b.trusted_date(params)
    if da is not None and db is not None:
        gap = (da - db).total_seconds()
        if abs(gap) > params.date_tolerance_seconds:
            return Direction(a, b, "published_at") if gap > 0 else Direction(b, a, "published_at")
    a_canon, b_canon = a.names_as_canonical(b), b.names_as_canonical(a)
    if a_canon != b_canon:
        return Direction(a, b, "canonical") if a_canon else Direction(b, a, "canonical")
    a_link, b_link = b.id in a.points_to, a.id in b.points_to
    if a_link != b_link:
        return Direction(a, b, "link") if a_link else Direction(b, a, "link")
    a_credit, b_credit = a.credits(b), b.credits(a)
    if a_credit != b_credit:
        return Direction(a, b, "credit") if a_credit else Direction(b, a, "credit")
    ea, eb = a.effective_date(params), b.effective_date(params)
    gap = (ea - eb).total_seconds()
    if abs(gap) > params.date_tolerance_seconds:
        return Direction(a, b, "first_seen_at") if gap > 0 else Direction(b, a, "first_seen_at")
    if abs(containment_a - containment_b) > 0.05:
        if containment_a > containment_b:
            return Direction(a, b, "containment")
        return Direction(b, a, "containment")
    return Direction(a, b, "archive_order") if a.id > b.id else Direction(b, a, "archive_order")
