"""The linker's parameters: thresholds from the config plus the index and passage settings.

Every link stores :meth:`LinkParams.as_dict` so a result can be reproduced, and ``healthwire
link --rebuild`` recomputes everything when they change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from archive.config import LinkSettings

#: Date sources trusted to order two articles by default; "text" (a date somewhere in the
#: page, often the theme's header date of the day it was fetched) and "first-seen" are not.
TRUSTED_DATE_SOURCES = LinkSettings.trusted_date_sources


@dataclass(frozen=True)
class LinkParams(LinkSettings):
    """The config's thresholds (``[link]``, documented in docs/configuration.md) plus the
    index settings, which are fixed in this version. Defaults are the benchmarked ones."""

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
