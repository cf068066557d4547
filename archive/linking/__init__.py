"""Syndication linking: who copied whom, by what evidence, and how late.

``link_new`` runs after every ingest; ``rebuild`` recomputes every link from the stored index
when parameters change. See docs/linking.md for the design and its numbers.
"""

from __future__ import annotations

from archive.linking.driver import LinkReport, link_new, rebuild
from archive.linking.params import LinkParams

__all__ = ["LinkParams", "LinkReport", "link_new", "rebuild"]
