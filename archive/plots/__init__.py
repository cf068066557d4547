"""Pictures of the archive: the republication lag distribution and one story's timeline.

``archive.plots.data`` gathers the numbers (no matplotlib); ``archive.plots.draw`` draws them
(imports matplotlib, so only the ``plot`` commands import it). See ``docs/plots.md``.
"""

from archive.plots.data import LagData, StoryData, gather_lags, gather_story

__all__ = ["LagData", "StoryData", "gather_lags", "gather_story"]
