"""Drawing the plots with matplotlib's object-oriented API.

Figures are built as :class:`matplotlib.figure.Figure` on an Agg canvas, never through
``pyplot``: no global state, no display needed, and nothing left open between commands. This
module imports matplotlib at import time, so only ``plot`` commands import it (the CLI imports
it inside the command), and every other command starts as fast as before.
"""

from __future__ import annotations

import math
import os
from datetime import UTC
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from archive.errors import ArchiveError
from archive.plots.data import LagData, StoryData, format_days

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
DPI = 120
# Below one hour the lag axis is linear (so 0 and a few minutes have a place), above it is
# logarithmic (so a day, a month and four years all stay readable on one axis).
LINEAR_BELOW_DAYS = 1 / 24
_DAY_TICKS = [(0, "0"), (1 / 24, "1 h"), (6 / 24, "6 h"), (1, "1 d"), (7, "1 w"),
              (30, "30 d"), (90, "90 d"), (365, "1 y"), (3 * 365, "3 y"), (10 * 365, "10 y")]
RELATION_COLOURS = {"duplicate": "#c44e52", "near_duplicate": "#dd8452", "excerpt": "#8172b3",
                    "partial_reuse": "#4c72b0", "cites": "#55a868", "shares_quotes": "#937860"}
_ARC = 0.12  # curvature of link arrows, so arrows between neighbouring rows do not overlap
_BAR = "#4c72b0"
_REDUNDANT = "#888888"
_MEDIAN = "#c44e52"
_P90 = "#dd8452"


def output_format(path: Path) -> str:
    """The image format ``path`` asks for, checked before any work is done."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ArchiveError(f"cannot write a plot to {path}: unknown image type "
                           f"{path.suffix or '(no suffix)'!r}",
                           hint="name the file .png (or .svg, .pdf)")
    if not path.parent.is_dir():
        raise ArchiveError(f"cannot write a plot to {path}: no folder {path.parent}",
                           hint="create the folder first, or give another -o")
    return fmt


def save_figure(fig: Figure, path: Path) -> int:
    """Write ``fig`` to ``path`` through a temporary file and a rename, so a crash or a full
    disk never leaves a truncated image under the final name. Returns the size in bytes."""
    fmt = output_format(path)
    FigureCanvasAgg(fig)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        fig.savefig(tmp, format=fmt, dpi=DPI)
        os.replace(tmp, path)
    except OSError as exc:
        raise ArchiveError(f"cannot write a plot to {path}: {exc.strerror or exc}",
                           hint="check the folder exists and is writable") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path.stat().st_size


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _filters_text(data: LagData) -> str:
    f = data.filters.as_dict()
    parts = []
    if f["since"]:
        parts.append(f"since {f['since'][:10]}")
    if f["until"]:
        parts.append(f"until {f['until'][:19]}")
    if f["outlet"]:
        parts.append(f"outlet {f['outlet']}")
    return ", ".join(parts)


def _subtitle(data: LagData) -> str:
    left_out = (f"{data.undated} undated cop{'y' if data.undated == 1 else 'ies'} left out "
                "(a first-seen date on one side)" if data.undated
                else "no undated copies left out")
    where = _filters_text(data)
    return f"{left_out}; {where}" if where else left_out


def _lag_axis(ax: Any, axis: str, top: float) -> None:
    """A symmetric-log day axis from 0 to ``top`` with ticks people read (1 h, 1 d, 1 w...)."""
    set_scale = ax.set_xscale if axis == "x" else ax.set_yscale
    set_scale("symlog", linthresh=LINEAR_BELOW_DAYS, linscale=0.4)
    ticks = [(v, label) for v, label in _DAY_TICKS if v <= top * 1.001]
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_ticks([v for v, _ in ticks], labels=[label for _, label in ticks])
    target.set_minor_locator(MaxNLocator(nbins=1))  # no unlabeled symlog minor clutter
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, top)


def _top(lags: list[float]) -> float:
    """The right end of the lag axis: a little beyond the largest lag, at least 2 hours."""
    return max(max(lags) * 1.15, 2 * LINEAR_BELOW_DAYS)


def lag_bins(lags: list[float]) -> np.ndarray:
    """Histogram edges: one linear bin for "under an hour", then ~6 log bins per decade."""
    top = _top(lags)
    decades = math.log10(top / LINEAR_BELOW_DAYS)
    log_edges = np.geomspace(LINEAR_BELOW_DAYS, top, max(3, math.ceil(decades * 6)) + 1)
    return np.concatenate([[0.0], log_edges])


def draw_lags(data: LagData, *, by_outlet: bool = False,
              max_outlets: int | None = None) -> Figure:
    """The lag distribution: one histogram, or one box-and-points row per copying outlet.

    Negative lags (two dates under a minute apart, direction decided by other evidence) are
    drawn at 0; the median and percentile are of the real values. ``max_outlets`` caps the
    rows (see :meth:`LagData.outlet_rows`); the subtitle says how many were not drawn.
    """
    lags = [max(v, 0.0) for v in data.lags]
    median, p90 = data.median, data.p90
    assert median is not None and p90 is not None, "draw_lags needs at least one copy"
    top = _top(lags)
    rows, rows_left_out = data.outlet_rows(max_outlets) if by_outlet else ([], 0)
    height = min(max(3.6, 1.9 + 0.42 * len(rows)), 40) if by_outlet else 5.0
    fig = Figure(figsize=(10, height), layout="constrained")
    ax = fig.add_subplot()
    title = (f"Republication lag of {len(lags)} dated cop{'y' if len(lags) == 1 else 'ies'}: "
             f"median {format_days(median)}, 90th percentile {format_days(p90)}")
    if by_outlet:
        positions = list(range(len(rows)))
        ax.boxplot([[max(v, 0.0) for v in r.lags] for r in rows], positions=positions,
                   orientation="horizontal", widths=0.55, showfliers=False,
                   medianprops={"color": _MEDIAN, "linewidth": 2},
                   boxprops={"color": "#555555"}, whiskerprops={"color": "#555555"},
                   capprops={"color": "#555555"})
        for pos, row in zip(positions, rows, strict=True):
            jitter = [((i % 7) - 3) * 0.05 for i in range(len(row.lags))]
            ax.scatter([max(v, 0.0) for v in row.lags], [pos + j for j in jitter], s=18,
                       color=_BAR, alpha=0.75, zorder=3, linewidths=0)
        ax.set_yticks(positions, labels=[f"{r.outlet} (n={len(r.lags)})" for r in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.axvline(median, color=_MEDIAN, lw=1, ls=":", label=f"overall median "
                   f"{format_days(median)}")
        ax.axvline(p90, color=_P90, lw=1, ls=":", label=f"overall 90th percentile "
                   f"{format_days(p90)}")
        ax.set_ylabel("copying outlet (fastest median first)")
    else:
        ax.hist(lags, bins=lag_bins(lags), color=_BAR, edgecolor="white")
        ax.axvline(median, color=_MEDIAN, lw=2, label=f"median {format_days(median)}")
        ax.axvline(p90, color=_P90, lw=2, ls="--",
                   label=f"90th percentile {format_days(p90)}")
        ax.set_ylabel("copies")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _lag_axis(ax, "x", top)
    ax.set_xlabel("lag from source to copy (log scale above 1 hour, linear below)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.suptitle(title, fontsize=12)
    subtitle = _subtitle(data)
    if rows_left_out:
        subtitle += (f"\nrows: the {len(rows)} outlets with the most dated copies; "
                     f"{rows_left_out} other outlet{'s' if rows_left_out > 1 else ''} not drawn "
                     "(their copies are in the overall lines)")
    ax.set_title(subtitle, fontsize=9, color="#444444")
    return fig


def _edge_style(relation: str, redundant: str | None) -> dict[str, Any]:
    if redundant:
        return {"color": _REDUNDANT, "ls": "--", "lw": 1.0, "alpha": 0.6}
    colour = RELATION_COLOURS.get(relation, "#777777")
    if relation == "shares_quotes":
        return {"color": colour, "ls": ":", "lw": 1.2, "alpha": 0.8}
    return {"color": colour, "ls": "-", "lw": 1.8, "alpha": 0.9}


def _arc_middle(ax: Any, start: tuple[float, float], end: tuple[float, float]) -> Any:
    """Where the middle of an ``arc3`` arrow from ``start`` to ``end`` is drawn, worked out at
    draw time (the layout moves the axes), so a lag label sits on its own curved arrow.

    ``arc3`` is a quadratic Bezier whose control point is the chord's middle moved by
    ``rad`` times the chord turned a quarter; the curve's middle is half-way to it.
    """

    def where(renderer: Any) -> Bbox:
        (x1, y1), (x2, y2) = ax.transData.transform([start, end])
        mx = (x1 + x2) / 2 + _ARC * (y2 - y1) / 2
        my = (y1 + y2) / 2 - _ARC * (x2 - x1) / 2
        return Bbox.from_bounds(mx, my, 0, 0)

    return where


def draw_story(data: StoryData) -> Figure:
    """A story's timeline: outlets as rows, articles at their dates, links as arrows from
    source to copy coloured by relation, the article asked about ringed."""
    outlets = data.outlets()
    row = {o: i for i, o in enumerate(outlets)}
    pos: dict[int, tuple[float, float]] = {}
    for outlet in outlets:
        mine = sorted((n for n in data.nodes if n.outlet == outlet), key=lambda n: (n.date, n.id))
        for k, node in enumerate(mine):
            offset = (k - (len(mine) - 1) / 2) * min(0.25, 0.7 / max(len(mine), 1))
            pos[node.id] = (float(mdates.date2num(node.date)), row[outlet] + offset)
    span = max(n.date for n in data.nodes) - min(n.date for n in data.nodes)
    date_format = "%Y-%m-%d %H:%M" if span.days < 3 else "%Y-%m-%d"

    fig = Figure(figsize=(12, min(max(3.8, 2.0 + 0.75 * len(outlets)), 40)),
                 layout="constrained")
    ax = fig.add_subplot()
    for edge in data.edges:
        style = _edge_style(edge.relation, edge.redundant)
        (px, py), (cx, cy) = pos[edge.parent_id], pos[edge.child_id]
        ax.annotate("", xy=(cx, cy), xytext=(px, py), zorder=1,
                    arrowprops={"arrowstyle": "-|>", "shrinkA": 8, "shrinkB": 8,
                                "connectionstyle": f"arc3,rad={_ARC}", "mutation_scale": 14,
                                "color": style["color"], "linestyle": style["ls"],
                                "linewidth": style["lw"], "alpha": style["alpha"]})
        if edge.lag_days is not None and not edge.redundant:
            by_date = data.node(edge.parent_id).dated and data.node(edge.child_id).dated
            lag = format_days(abs(edge.lag_days)) + ("" if by_date else " (first seen)")
            ax.annotate(lag, (0, 0),
                        xycoords=_arc_middle(ax, (px, py), (cx, cy)), xytext=(3, 2),
                        textcoords="offset points", fontsize=7, color=style["color"],
                        zorder=2, bbox={"boxstyle": "round,pad=0.1", "fc": "white",
                                        "ec": "none", "alpha": 0.7})
    for node in data.nodes:
        x, y = pos[node.id]
        ax.scatter([x], [y], s=70, zorder=3, linewidths=1.5, edgecolors="#222222",
                   facecolors="#222222" if node.dated else "white")
        ax.annotate(node.date.strftime(date_format), (x, y), xytext=(0, -10),
                    textcoords="offset points", ha="center", va="top", fontsize=7,
                    color="#333333")
        if node.highlighted:
            ax.scatter([x], [y], s=420, zorder=2, facecolors="#ffd54f", edgecolors="#c62828",
                       linewidths=2)
            ax.annotate("this article", (x, y), xytext=(0, 12), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8, fontweight="bold",
                        color="#c62828")
    ax.set_yticks(range(len(outlets)), labels=outlets)
    ax.set_ylim(len(outlets) - 0.4, -0.6)
    locator = mdates.AutoDateLocator(tz=UTC)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))
    ax.margins(x=0.08)
    if span.total_seconds() < 60:  # one moment: show a day around it, not matplotlib's years
        middle = pos[data.nodes[0].id][0]
        ax.set_xlim(middle - 0.5, middle + 0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("date (UTC): trusted publication date, else first seen")
    ax.legend(handles=_story_legend(data), loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=8, frameon=False)
    earliest = min(data.nodes, key=lambda n: (n.date, n.id))
    highlighted = next(n for n in data.nodes if n.highlighted)
    fig.suptitle(_short(highlighted.title or highlighted.url, 100), fontsize=12)
    story = f"story {data.story_id}" if data.story_id is not None else "no story"
    links = f"{len(data.edges)} link{'' if len(data.edges) == 1 else 's'}"
    ax.set_title(f"{story}: {len(data.nodes)} articles, {links}; earliest "
                 f"{earliest.outlet} {earliest.date:%Y-%m-%d}", fontsize=9, color="#444444")
    return fig


def _story_legend(data: StoryData) -> list[Line2D]:
    handles: list[Line2D] = []
    direct = sorted({e.relation for e in data.edges if not e.redundant},
                    key=lambda r: list(RELATION_COLOURS).index(r) if r in RELATION_COLOURS
                    else 99)
    for relation in direct:
        style = _edge_style(relation, None)
        handles.append(Line2D([], [], color=style["color"], ls=style["ls"], lw=style["lw"],
                              label=relation.replace("_", " ")))
    if any(e.redundant for e in data.edges):
        style = _edge_style("", "redundant")
        handles.append(Line2D([], [], color=style["color"], ls=style["ls"], lw=style["lw"],
                              alpha=style["alpha"], label="redundant (sibling, shortcut)"))
    handles.append(Line2D([], [], ls="", marker="o", color="#222222",
                          label="trusted publication date"))
    if any(not n.dated for n in data.nodes):
        handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="white",
                              markeredgecolor="#222222", label="first seen only"))
    handles.append(Line2D([], [], ls="", marker="o", markersize=12, markerfacecolor="#ffd54f",
                          markeredgecolor="#c62828", label="this article"))
    return handles
