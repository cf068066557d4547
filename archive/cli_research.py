"""Research summaries: ``outlets`` (who copies whom, how often, how late) and ``stats``
(what the archive holds and how well it covers each period).

Human output is Rich tables; ``--json`` prints the same rows for scripts. Both read through
``archive.copies``/``archive.filters`` so their numbers agree with ``export`` and ``plot``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from archive.cli import console, json_option, print_json, state
from archive.filters import Filters, filter_options
from archive.outlet_stats import SORT_KEYS, outlet_rows
from archive.stats import BUCKETS


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _top(counts: dict[str, int], n: int = 3) -> str:
    items = list(counts.items())
    text = ", ".join(f"{name} {count}" for name, count in items[:n])
    return text + (f", +{len(items) - n} more" if len(items) > n else "")


def human_bytes(size: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    raise AssertionError("unreachable")


@click.command("outlets")
@filter_options
@click.option("--sort", type=click.Choice(SORT_KEYS), default="copied", show_default=True,
              help="copied: most copied by others; copies: most copying; articles; "
              "lag: slowest copier (median); name.")
@json_option
@click.pass_context
def outlets(ctx: click.Context, since: str | None, until: str | None, outlet: str | None,
            sort: str, json_output: bool) -> None:
    """Per outlet: articles, who copies it, whom it copies, how late, and with what credit."""
    from archive.db import open_archive, reader

    filters = Filters.parse(since, until, outlet)
    engine = open_archive(state(ctx).database_url)
    try:
        with reader(engine).connect() as conn:
            rows = outlet_rows(conn, filters, sort=sort)
    finally:
        engine.dispose()
    if json_output:
        print_json(rows)
        return
    if not rows:
        console.print("No outlets with articles yet (crawl or import first)."
                      if filters == Filters() else "No outlet has articles or copies "
                      "in that range.")
        return
    table = Table("outlet", "role", "articles", "copied", "copied by", "copies", "copies from",
                  "lag median (d)", "lag p90 (d)", "credits source",
                  title="Copies between outlets (direct copies; lags over dated copies)",
                  caption="copied/copied by: copies of this outlet's articles made by others; "
                  "copies/copies from: copies it made; lag: how late its copies appeared; "
                  "credits source: share of its copies naming or linking their source")
    for r in rows:
        table.add_row(r["outlet"], r["role"], f"{r['articles']:,}", f"{r['copied']:,}",
                      _top(r["copied_by"]), f"{r['copies']:,}", _top(r["copies_from"]),
                      _days(r["copy_lag_median_days"]), _days(r["copy_lag_p90_days"]),
                      _share(r["credit_share"]))
    console.print(table)


@click.command("stats")
@filter_options
@click.option("--by", type=click.Choice(list(BUCKETS)), default="month", show_default=True,
              help="Coverage period.")
@json_option
@click.pass_context
def stats(ctx: click.Context, since: str | None, until: str | None, outlet: str | None,
          by: str, json_output: bool) -> None:
    """What the archive holds: rows, size on disk, date evidence, and coverage over time."""
    from archive.db import open_archive
    from archive.stats import archive_stats

    filters = Filters.parse(since, until, outlet)
    st = state(ctx)
    engine = open_archive(st.database_url)
    try:
        report = archive_stats(engine, Path(st.config.archive.warc_dir), by=by,
                               filters=filters)
    finally:
        engine.dispose()
    if json_output:
        print_json(report)
        return
    _print_stats(report)


def _print_stats(report: dict[str, Any]) -> None:
    console.print(f"archive: [bold]{report['database']}[/]", soft_wrap=True)
    size = report["database_bytes"]
    console.print(
        f"schema revision {report['schema_revision']}; database "
        f"{human_bytes(size) if size is not None else 'size unknown'}; "
        f"{report['warc_files']} WARC files ({human_bytes(report['warc_bytes'])}) "
        f"in {report['warc_dir']}", soft_wrap=True)
    rows = Table("table", "rows", title="rows")
    for name, count in report["rows"].items():
        rows.add_row(name, f"{count:,}")
    console.print(rows)
    first, last = report["articles_first_date"], report["articles_last_date"]
    if first:
        console.print(f"articles dated {first[:10]} to {last[:10]}; publication date "
                      "evidence: " + ", ".join(f"{k} {v:,}" for k, v in
                                              report["published_at_sources"].items()))
    if report["links_by_relation"]:
        console.print("links: " + ", ".join(f"{k} {v:,}" for k, v in
                                            report["links_by_relation"].items()))
    if report["crawl_outcomes"]:
        console.print("crawl runs: " + ", ".join(f"{k} {v:,}" for k, v in
                                                 report["crawl_outcomes"].items()))
    if not report["coverage"]:
        console.print("No articles in the archive yet." if not any(
            report["coverage_filters"].values()) else "Nothing in that range.")
        return
    table = Table(report["coverage_by"], "articles", "with trusted date", "first seen",
                  "captures", "copies", title="coverage (articles by article date; copies by "
                  "the copy's date)")
    for p in report["coverage"]:
        table.add_row(p["period"] or "?", f"{p['articles']:,}", f"{p['dated']:,}",
                      f"{p['first_seen']:,}", f"{p['captures']:,}", f"{p['copies']:,}")
    console.print(table)


@click.command("cite")
@click.argument("url")
@click.option("--no-verify", is_flag=True,
              help="Do not re-read the WARC records to check their sha256.")
@json_option
@click.pass_context
def cite(ctx: click.Context, url: str, no_verify: bool, json_output: bool) -> None:
    """How to cite an archived article: its metadata and the WARC records behind it.

    Each record is read back and its body's sha256 compared with the one stored at capture,
    so a citation never points at a record that is missing or changed.
    """
    from archive.db import open_archive
    from archive.queries import cite as cite_query

    engine = open_archive(state(ctx).database_url)
    try:
        result = cite_query(engine, url, verify=not no_verify)
    finally:
        engine.dispose()
    if json_output:
        print_json(result)
    else:
        console.print(result["citation"], soft_wrap=True, highlight=False)
        table = Table("fetched (UTC)", "status", "WARC record", "file", "offset", "verified")
        for c in result["captures"]:
            verified = {True: "sha256 ok", False: "[red]MISMATCH[/]", None: "not checked"}[
                c["verified"]]
            table.add_row(c["fetched_at"][:19], str(c["status"]), c["warc_record_id"] or "",
                          c["warc_file"], str(c["warc_offset"]), verified)
        console.print(table)
    if any(c["verified"] is False for c in result["captures"]):
        from archive.errors import ArchiveError

        raise ArchiveError("a WARC record behind this article is missing or changed",
                           hint="see the `verified` column; restore the WARC files from backup")
