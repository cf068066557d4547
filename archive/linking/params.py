"""The linker's parameters: thresholds from the config plus the index and passage settings.

Every link stores :meth:`LinkParams.as_dict` so a result can be reproduced, and ``healthwire
link --rebuild`` recomputes everything when they change. Fields beyond the config's
``LinkSettings`` have defaults here until the lead adds them to the config file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

#: Date sources trusted to order two articles; "text" (a date somewhere in the page, often
#: the theme's header date of the day it was fetched) and "first-seen" are not.
TRUSTED_DATE_SOURCES = ("jsonld", "meta", "time-tag", "url", "feed", "sitemap")


@dataclass(frozen=True)
class LinkParams:
    """Thresholds and index settings (defaults are the documented, benchmarked ones)."""

    duplicate_jaccard: float = 0.9
    near_duplicate_jaccard: float = 0.5
    excerpt_containment: float = 0.8
    partial_reuse_containment: float = 0.3
    min_shared_passages: int = 1
    #: A shared passage is a run of at least this many words present in both texts.
    min_passage_words: int = 12
    #: A shared quote counts from this many words (quotes are short).
    min_quote_words: int = 8
    #: Shared non-quoted text (characters) that makes partial reuse without the containment.
    min_reuse_chars: int = 300
    #: Share of the child's shingles outside quotes found in the parent that makes a rewrite
    #: (a spun copy keeps about a third of its 5-grams; unrelated reports share under 3%).
    rewrite_containment: float = 0.15
    #: Containment-based relations (excerpt, partial reuse, rewrite) need at least this many
    #: shared 5-grams outside quotes: a short page sharing a template line or a quote is not
    #: a copy however high its containment.
    min_shared_shingles: int = 15
    #: An excerpt covers at most this share of its parent (more is a near-duplicate).
    excerpt_max_coverage: float = 0.67
    #: A passage key on at least this many pages of one outlet is that outlet's boilerplate.
    boilerplate_min_pages: int = 3
    #: Two trusted dates closer than this cannot order two articles.
    date_tolerance_seconds: float = 60.0
    trusted_date_sources: tuple[str, ...] = TRUSTED_DATE_SOURCES
    #: An index candidate must share at least this many keys: one shared anchor is usually a
    #: common phrase that happens to be a passage minimum; a shared paragraph or quote meets
    #: on all of its anchors, a spun copy on dozens. (Citation candidates are always verified.)
    min_shared_keys: int = 2
    #: Most candidates verified per article (ranked by shared keys) against pathological buckets.
    max_candidates: int = 200
    #: Index settings: changing them needs a reindex (``link --rebuild`` does it).
    num_perm: int = 128
    seed: int = 1
    bands: int = 42
    rows: int = 3
    anchors_long: int = 4
    anchors_short: int = 2
    short_passage_shingles: int = 24
    batch_size: int = 500
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Any | None = None, **overrides: Any) -> LinkParams:
        """Parameters from the config's ``LinkSettings`` (any object with those attributes)."""
        values: dict[str, Any] = {}
        if settings is not None:
            for f in dataclasses.fields(cls):
                if hasattr(settings, f.name):
                    values[f.name] = getattr(settings, f.name)
        values.update(overrides)
        if "trusted_date_sources" in values:
            values["trusted_date_sources"] = tuple(values["trusted_date_sources"])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready parameters, stored with every link."""
        data = dataclasses.asdict(self)
        data["trusted_date_sources"] = list(self.trusted_date_sources)
        data.pop("batch_size")
        return data

    def index_dict(self) -> dict[str, Any]:
        """The parameters the stored index depends on."""
        return {
            "scheme": "affine32", "num_perm": self.num_perm, "seed": self.seed,
            "bands": self.bands, "rows": self.rows, "anchors_long": self.anchors_long,
            "anchors_short": self.anchors_short,
            "short_passage_shingles": self.short_passage_shingles, "version": 1,
        }

    def digest(self) -> str:
        """A short fingerprint of all parameters (a rebuild resumes only with the same)."""
        blob = json.dumps(self.as_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
