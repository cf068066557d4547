"""``healthwire daemon`` and ``healthwire status``: running the schedule, and watching it.

Register both in :mod:`archive.cli` with ``app.add_command(daemon)`` and
``app.add_command(status)``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import click
from rich.table import Table

json_option = click.option("--json", "json_output", is_flag=True, help="Print JSON for scripts.")


@click.command()
@click.option("--jobs", "-j", type=click.IntRange(1, 16), default=2, show_default=True,
              help="How many sources may crawl at once (each in its own process).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              default="info", show_default=True, help="Least severe log lines to write.")
@click.pass_context
def daemon(ctx: click.Context, jobs: int, log_level: str) -> None:
    """Run the schedule in the foreground until SIGTERM or Ctrl-C (logs: JSON lines on stderr).

    SIGHUP reloads the configuration (all of it, or none if it is invalid). Only one daemon
    runs per archive; a second one refuses to start.
    """
    from archive.cli import state
    from archive.daemon.runner import Daemon
    from archive.logs import setup_logging

    st = state(ctx)
    setup_logging(getattr(logging, log_level.upper()))
    config = st.config
    Daemon(config, st.database_url, db_override=st.db_override, workers=jobs).run()


@click.command()
@json_option
@click.pass_context
def status(ctx: click.Context, json_output: bool) -> None:
    """Sources, their schedules, last and next runs, failures, and whether the daemon runs."""
    from archive.cli import console, print_json, state
    from archive.daemon.status import status_report
    from archive.db import open_archive

    st = state(ctx)
    engine = open_archive(st.database_url)
    try:
        report = status_report(engine, st.config, st.database_url)
    finally:
        engine.dispose()
    if json_output:
        print_json(report)
        return
    running = report["daemon_running"]
    console.print("daemon: " + ("[green]running[/]" if running else "[yellow]not running[/]")
                  + f" (times in {report['timezone']})")
    console.print(_table(report["sources"], report["timezone"]))
    for source in report["sources"]:
        last = source["last_run"]
        if last and last["outcome"] not in ("finished", "running") and last["error"]:
            first = last["error"].splitlines()[0]
            console.print(f"[red]{source['name']}[/] run {last['run_id']}: {first}",
                          highlight=False)


def _when(value: datetime | None, zone: str) -> str:
    if value is None:
        return "-"
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def _table(sources: list[dict[str, Any]], zone: str) -> Table:
    table = Table()
    for column in ("source", "schedule", "last start", "took", "outcome"):
        table.add_column(column, no_wrap=True)
    for column in ("pages", "new", "errors"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("next run", no_wrap=True)
    colours = {"finished": "green", "running": "cyan", "interrupted": "yellow"}
    for s in sources:
        last = s["last_run"]
        schedule = s["schedule"] or "-"
        if not s["enabled"]:
            schedule += " (disabled)"
        if last is None:
            cells = ["never", "-", "-", "-", "-", "-"]
        else:
            took = last["duration_seconds"]
            outcome = last["outcome"]
            if s["failures_in_a_row"] > 1:
                outcome += f" ({s['failures_in_a_row']} in a row)"
            colour = colours.get(last["outcome"], "red")
            cells = [_when(last["started_at"], zone), f"{took:.0f} s" if took is not None else "-",
                     f"[{colour}]{outcome}[/]", str(last["pages"]), str(last["new_articles"]),
                     str(last["errors"])]
        next_run = _when(s["next_run"], zone)
        if s["overdue"]:
            next_run += " [yellow](overdue)[/]"
        table.add_row(s["name"], schedule, *cells, next_run)
    return table


if __name__ == "__main__":
    # `python -m archive.cli_daemon ...` is the whole `healthwire` CLI with these two commands
    # registered, for use before (or without) their registration in archive.cli.
    from archive.cli import app, main
    from archive.cli_daemon import daemon as _daemon
    from archive.cli_daemon import status as _status

    app.add_command(_daemon)
    app.add_command(_status)
    raise SystemExit(main())
