"""``healthwire plot {lag | chain URL}``: pictures of republication lags and of one story.

Each command checks its options and output path first (a typo costs nothing), gathers the data
(``archive.plots.data``), then imports matplotlib and draws (``archive.plots.draw``), so no other
command pays matplotlib's import time. Nothing to plot is an :class:`ArchiveError` (exit 1, a
message and a hint, no file written), never an empty or broken image. ``--json`` prints the
plotted data for scripts; the image is written either way. See ``docs/plots.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from archive.cli import console, json_option, print_json, state
from archive.filters import filter_options

T = TypeVar("T")
MAX_OUTLET_ROWS = 40  # more rows than this cannot be read on one page


def _output_option(default: str) -> Callable[[Any], Any]:
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help=f"Image file to write (.png, or .svg/.pdf) [default: {default} in the current "
        "folder].")


def _gather(ctx: click.Context, gather: Callable[..., T], *args: Any) -> T:
    """Run one gathering function on the archive, and let go of the connections after."""
    from archive.db import open_archive

    engine = open_archive(state(ctx).database_url)
    try:
        return gather(engine, *args)
    finally:
        engine.dispose()


def _checked_output(output: Path | None, default: str) -> Path:
    from archive.plots.draw import output_format

    path = output if output is not None else Path.cwd() / default
    output_format(path)
    return path


@click.group("plot")
def plot_group() -> None:
    """Pictures of the archive: the republication lag distribution, one story's timeline."""


@plot_group.command("lag")
@filter_options
@click.option("--by-outlet", is_flag=True,
              help="One row per copying outlet (box and points), fastest median first.")
@click.option("--max-outlets", type=click.IntRange(min=1), default=MAX_OUTLET_ROWS,
              show_default=True, metavar="N",
              help="With --by-outlet: draw rows for at most N outlets (those with the most "
              "dated copies).")
@_output_option("lag.png")
@json_option
@click.pass_context
def lag_cmd(ctx: click.Context, since: str | None, until: str | None, outlet: str | None,
            by_outlet: bool, max_outlets: int, output: Path | None,
            json_output: bool) -> None:
    """The distribution of republication lags (days from source to copy) of dated copies.

    A copy is a direct derivation link (not cites or shared quotes, not a redundant sibling
    or shortcut); --since/--until apply to the copy's date, --outlet to either side.
    """
    from archive.filters import Filters
    from archive.plots.data import gather_lags, no_lags_error

    filters = Filters.parse(since, until, outlet)
    path = _checked_output(output, "lag.png")
    data = _gather(ctx, gather_lags, filters)
    if not data.points:
        raise no_lags_error(data)
    from archive.plots.draw import draw_lags, save_figure

    size = save_figure(draw_lags(data, by_outlet=by_outlet, max_outlets=max_outlets), path)
    if json_output:
        drawn = [r.outlet for r in data.outlet_rows(max_outlets)[0]] if by_outlet else []
        print_json({"output": str(path), "bytes": size, "by_outlet": by_outlet,
                    "outlets_drawn": drawn, **data.as_dict()})
        return
    console.print(f"wrote {path}: lags of {len(data.points):,} dated copies"
                  f"{' by outlet' if by_outlet else ''}, {data.undated:,} undated left out",
                  soft_wrap=True, highlight=False)


@plot_group.command("chain")
@click.argument("url")
@_output_option("chain.png")
@json_option
@click.pass_context
def chain_cmd(ctx: click.Context, url: str, output: Path | None, json_output: bool) -> None:
    """A story's timeline: each article at its date on its outlet's row, links as arrows
    from source to copy by relation, the article at URL highlighted.

    The whole story is drawn (every article that shares the story of URL, plus the pages
    linked to URL directly), with every link among them.
    """
    from archive.plots.data import gather_story

    path = _checked_output(output, "chain.png")
    data = _gather(ctx, gather_story, url)
    from archive.plots.draw import draw_story, save_figure

    size = save_figure(draw_story(data), path)
    if json_output:
        print_json({"output": str(path), "bytes": size, **data.as_dict()})
        return
    links = f"{len(data.edges)} link{'' if len(data.edges) == 1 else 's'}"
    console.print(f"wrote {path}: {len(data.nodes)} articles from {len(data.outlets())} "
                  f"outlets, {links}", soft_wrap=True, highlight=False)


COMMANDS = {"plot": plot_group}
