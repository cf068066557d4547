"""``healthwire export``: the archive's articles, links, stories and outlets, for analysis
elsewhere (pandas, R, pyarrow, networkx, Gephi). What every column means: ``docs/data.md``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from archive.cli import state
from archive.export import FORMATS, KINDS
from archive.filters import Filters, filter_options


@click.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True,
              help="jsonl and csv stream to standard output or -o; parquet needs -o; "
              "graphml is a directed graph (edges run from original to copy).")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write to FILE (through FILE.part, renamed when complete) instead of "
              "standard output.")
@filter_options
@click.pass_context
def export_cmd(ctx: click.Context, kind: str, fmt: str, output: Path | None,
               since: str | None, until: str | None, outlet: str | None) -> None:
    """Export articles, links, stories or outlet statistics, filtered by date and outlet.

    Filters: articles by their date and outlet; links by the copy's date and either side's
    outlet; stories that have a member in range and of the outlet; outlets over the copies
    dated in range (with --outlet, that outlet's row).
    """
    from archive.db import open_archive
    from archive.export.files import check_output, export_to

    filters = Filters.parse(since, until, outlet)
    output = None if output is not None and str(output) == "-" else output
    check_output(fmt, output)
    engine = open_archive(state(ctx).database_url)
    try:
        written = export_to(engine, kind, fmt, output, filters)
    except BrokenPipeError:
        # The reader had enough (`... | head`): stop quietly, as Unix filters do, and keep
        # Python from complaining again when it flushes standard output at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    finally:
        engine.dispose()
    if output is not None:
        click.echo(f"wrote {written.describe()} to {output}", err=True)
