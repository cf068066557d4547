"""``healthwire crawl`` and ``healthwire import``: getting pages into the archive."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from archive.config import SourceConfig
from archive.crawlrun import RunSummary, run_source
from archive.db import open_archive, session_scope
from archive.errors import ArchiveError
from archive.ingest import ingest_exchange, is_html
from archive.models import CrawlRun, utcnow
from archive.sources import sync_sources
from archive.warc import WarcResponse, iter_responses


def link_after_ingest(engine: Any, config: Any) -> dict[str, Any]:
    """Link the articles that arrived (or changed) since the last linking, and report it."""
    from archive.linking import LinkParams, link_new

    report = link_new(engine, LinkParams.from_settings(config.link))
    return {"linked": True, **report.as_dict()}


def _summary_table(summaries: list[RunSummary]) -> Table:
    table = Table(title="crawl summary")
    table.add_column("source", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    for column in ("pages", "new", "versions", "errors", "seconds"):
        table.add_column(column, justify="right", no_wrap=True)
    for s in summaries:
        colour = "green" if s.outcome == "finished" else "red"
        table.add_row(
            s.source, f"[{colour}]{s.outcome}[/]",
            str(s.counters.get("pages_fetched", 0)), str(s.counters.get("new_articles", 0)),
            str(s.counters.get("new_versions", 0)), str(s.counters.get("errors", 0)),
            f"{s.seconds:.1f}",
        )
    return table


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--time-limit", type=click.FLOAT, default=None, metavar="SECONDS",
              help="Stop each crawl after this long [default: daemon.crawl_time_limit_seconds].")
@click.option("--jobs", "-j", type=click.IntRange(1, 16), default=2, show_default=True,
              help="How many sources to crawl at once (each in its own process).")
@click.option("--json", "json_output", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def crawl(ctx: click.Context, sources: tuple[str, ...], time_limit: float | None, jobs: int,
          json_output: bool) -> None:
    """Run sources once now (all enabled ones when none are named), then link."""
    from archive.cli import console, print_json, state

    st = state(ctx)
    config = st.config
    chosen = [config.source(name) for name in sources] if sources else [
        s for s in config.sources if s.enabled
    ]
    if not chosen:
        raise ArchiveError(
            f"no sources to crawl in {config.path or 'the built-in configuration'}",
            hint="add [[sources]] to the configuration or pass --config",
        )
    url = st.database_url
    engine = open_archive(url)
    summaries: list[RunSummary] = []
    try:
        with session_scope(engine) as session:
            sync_sources(session, config)  # once, before crawls run side by side
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.fields[pages]} responses"), TimeElapsedColumn(),
                      console=console, disable=json_output, transient=False) as progress:

            def one(source: SourceConfig) -> RunSummary:
                task = progress.add_task(f"crawling {source.name}", total=None, pages=0)
                try:
                    summary = run_source(
                        engine, config, source, url, time_limit=time_limit,
                        on_progress=lambda n: progress.update(task, pages=n),
                    )
                except ArchiveError as exc:
                    summary = RunSummary(source.name, None, "skipped", error=exc.message)
                progress.update(task, total=1, completed=1,
                                description=f"{source.name}: {summary.outcome}")
                return summary

            # Each crawl is a child process; threads here only wait on them.
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                summaries = list(pool.map(one, chosen))
        linking = link_after_ingest(engine, config)
    finally:
        engine.dispose()
    failed = [s for s in summaries if s.outcome != "finished"]
    if json_output:
        print_json({"runs": [vars(s) for s in summaries], "linking": linking})
    else:
        console.print(_summary_table(summaries))
        for s in failed:
            console.print(f"[red]{s.source}[/]: {s.error or s.finish_reason or s.outcome}")
        console.print(
            f"linked {linking['articles']} new articles: {linking['links_written']} links "
            f"({', '.join(f'{k} {v}' for k, v in sorted(linking['relations'].items())) or 'none'})"
            f", {linking['stories_updated']} stories updated"
        )
    if failed:
        raise click.exceptions.Exit(1)


@click.command(name="import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "json_output", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def import_warc(ctx: click.Context, files: tuple[Path, ...], json_output: bool) -> None:
    """Ingest the HTML response records of WARC files (e.g. CC-NEWS), then link."""
    from archive.cli import console, print_json, state

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ArchiveError(f"no such WARC file: {', '.join(missing)}",
                           hint="nothing was imported; check the paths")
    st = state(ctx)
    engine = open_archive(st.database_url)
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    problems: list[str] = []
    try:
        with session_scope(engine) as session:
            run = CrawlRun(kind="import", started_at=utcnow())
            session.add(run)
            session.flush()
            run_id = run.id
        with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                      TextColumn("{task.completed} records"), console=console,
                      disable=json_output) as progress:
            for path in files:
                task = progress.add_task(f"importing {path.name}", total=None)
                try:
                    for item in iter_responses(path):
                        progress.advance(task)
                        counts["records"] += 1
                        if not isinstance(item, WarcResponse):
                            skipped[item[1]] += 1
                            continue
                        if not is_html(item.exchange):
                            skipped[f"not HTML ({item.exchange.content_type or 'no type'})"] += 1
                            continue
                        result = ingest_exchange(engine, item.exchange, item.ref,
                                                 crawl_run_id=run_id)
                        counts[result.outcome] += 1
                except ArchiveError as exc:
                    problems.append(exc.message)
        outcome = "failed" if problems else "finished"
        with session_scope(engine) as session:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            run.finished_at = utcnow()
            run.outcome = outcome
            run.finish_reason = outcome
            run.counters = {**counts, "skipped": dict(skipped)}
            run.error = "\n".join(problems) or None
        linking = link_after_ingest(engine, st.config)
    finally:
        engine.dispose()
    report = {"run_id": run_id, "counts": dict(counts), "skipped": dict(skipped),
              "problems": problems, "linking": linking}
    if json_output:
        print_json(report)
    else:
        console.print(
            f"imported {counts['records']} records: {counts['new']} new articles, "
            f"{counts['new_version']} new versions, {counts['unchanged']} unchanged, "
            f"{counts['not_article']} pages without article text"
        )
        for reason, number in skipped.most_common():
            console.print(f"  skipped {number}: {reason}")
        for problem in problems:
            console.print(f"[red]problem:[/] {problem}")
    if problems:
        raise click.exceptions.Exit(1)
