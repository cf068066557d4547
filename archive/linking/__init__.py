"""Syndication linking: who copied whom, by what evidence, and how late.

``link_new`` runs after every ingest; ``rebuild`` recomputes every link from the stored index
when parameters change. See docs/linking.md for the design and its numbers.

The names below load on first use: ``archive.models`` imports ``archive.linking.models`` (the
linker's tables) and must not pull numpy, datasketch and networkx into every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.linking.driver import LinkReport, link_new, rebuild
    from archive.linking.params import LinkParams

__all__ = ["LinkParams", "LinkReport", "link_new", "rebuild"]


def __getattr__(name: str) -> Any:
    if name == "LinkParams":
        from archive.linking.params import LinkParams

        return LinkParams
    if name in ("LinkReport", "link_new", "rebuild"):
        from archive.linking import driver

        return getattr(driver, name)
    raise AttributeError(f"module 'archive.linking' has no attribute {name!r}")
