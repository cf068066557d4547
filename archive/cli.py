"""The ``healthwire`` command.

The command names and options are a contract (DESIGN.md, "The command line"): add to them,
never rename them. Human output goes to stdout as Rich tables and trees; ``--json`` gives
scripts the same facts as JSON. Errors are one clear message on stderr: exit status 2 for a
usage mistake, 1 for a failure, never a traceback for something the user can fix.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError

from archive import __version__
from archive.config import DATABASE_ENV, Config, load_config
from archive.errors import ArchiveError

console = Console()
#: The sample sites' first port in `healthwire demo`: fixed, so URLs match docs/research.md.
DEMO_BASE_PORT = 18601
err_console = Console(stderr=True, soft_wrap=True)


@dataclass
class Context:
    """What the global options say; the config is loaded only by commands that need it."""

    config_path: Path | None
    db_override: str | None
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def database_url(self) -> str:
        return self.config.database_url(self.db_override)


@click.group(
    name="healthwire",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file [default: config/healthwire.toml when present].",
)
@click.option(
    "--db", "db", metavar="URL",
    help=f"Database URL (overrides ${DATABASE_ENV} and the config file).",
)
@click.version_option(__version__, prog_name="healthwire")
@click.pass_context
def app(ctx: click.Context, config_path: Path | None, db: str | None) -> None:
    """A scheduled scraper and archive for syndicated health news: who copied whom, by what
    evidence, and how late."""
    ctx.obj = Context(config_path=config_path, db_override=db)


def state(ctx: click.Context) -> Context:
    """The global options of this invocation."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (ISO dates; nothing else)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


json_option = click.option("--json", "json_output", is_flag=True, help="Print JSON for scripts.")


@app.command()
@json_option
@click.pass_context
def init(ctx: click.Context, json_output: bool) -> None:
    """Create the archive, or upgrade it to this version's schema."""
    from archive import schema
    from archive.db import make_engine

    st = state(ctx)
    engine = make_engine(st.database_url)
    try:
        before, after = schema.upgrade(engine)
    finally:
        engine.dispose()
    warc_dir = Path(st.config.archive.warc_dir)
    warc_dir.mkdir(parents=True, exist_ok=True)
    where = engine.url.render_as_string(hide_password=True)
    if json_output:
        print_json({"database": where, "revision_before": before, "revision": after,
                    "warc_dir": str(warc_dir)})
        return
    if before is None:
        console.print(f"Created the archive at [bold]{where}[/] (schema revision {after}).",
                      soft_wrap=True)
    elif before == after:
        console.print(f"The archive at [bold]{where}[/] is up to date (revision {after}).",
                      soft_wrap=True)
    else:
        console.print(f"Upgraded the archive at [bold]{where}[/] from {before} to {after}.",
                      soft_wrap=True)
    console.print(f"WARC files go to [bold]{warc_dir}[/].")


@app.command()
@click.option(
    "--dir", "workdir", type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"), show_default=True,
    help="Where the demo archive (SQLite file, WARCs, logs, config) is written.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535 - 16), default=DEMO_BASE_PORT, show_default=True,
    help="First of the consecutive ports the sample sites are served on (0: any free ports).",
)
@click.pass_context
def demo(ctx: click.Context, workdir: Path, port: int) -> None:
    """Run the whole pipeline offline on the bundled sample sites, into a demo archive.

    Serves the sample world on 127.0.0.1, crawls every source, links, and shows where the
    seed-like aggregator page came from.
    """
    from archive import schema
    from archive.cli_crawl import crawl
    from archive.config import load_config
    from archive.db import make_engine
    from archive.demo import STALL_SECONDS, demo_config, fresh_demo_dir, seed_url
    from archive.sampleworld import SampleWorld

    st = state(ctx)
    workdir.mkdir(parents=True, exist_ok=True)
    if fresh_demo_dir(workdir):
        console.print(f"(cleared the previous demo archive in {workdir})")
    url = st.db_override or f"sqlite:///{(workdir / 'healthwire.sqlite3').resolve()}"
    world = SampleWorld(stall_seconds=STALL_SECONDS, base_port=port or None)
    try:
        world.start()
    except OSError as exc:
        if not port:
            raise
        console.print(f"[yellow]{exc.strerror}; serving the sample world on free ports instead "
                      "(URLs will differ from docs/research.md)[/]")
        world = SampleWorld(stall_seconds=STALL_SECONDS)
        world.start()
    with world:
        config_path = demo_config(world, workdir.resolve(), url)
        st.config_path, st._config = config_path, load_config(config_path)
        engine = make_engine(url)
        try:
            before, after = schema.upgrade(engine)
        finally:
            engine.dispose()
        console.print(f"[bold]healthwire demo[/]: the sample world is served on 127.0.0.1 "
                      f"({len(world.sites)} sites); archive {url} (schema {after}); "
                      f"configuration {config_path}")
        try:
            ctx.invoke(crawl, sources=(), time_limit=None, jobs=2, json_output=False)
        except click.exceptions.Exit as exc:
            if exc.exit_code:
                console.print("[yellow]some sources failed; see the table above[/]")
        seed = seed_url(world)
        chain = app.get_command(ctx, "chain")
        if chain is not None:
            console.print(f"\n[bold]Where did the seed-like page come from?[/] {seed}")
            ctx.invoke(chain, url=seed)
        else:
            console.print(f"\nThe seed-like aggregator page is archived as {seed}; "
                          "`healthwire chain` comes with the linker.")
    console.print(f"\nQuery the demo archive with: healthwire --config {config_path} stats")


def _register_commands() -> None:
    """Commands that live in their own modules (imported late: they import this one)."""
    from archive.cli_crawl import crawl, import_warc
    from archive.cli_daemon import daemon, status
    from archive.cli_export import export_cmd
    from archive.cli_extract import extract
    from archive.cli_link import chain_cmd, link_cmd, origin_cmd, stories_cmd
    from archive.cli_plot import plot_group
    from archive.cli_research import cite, outlets, stats
    from archive.cli_search import search_cmd

    for command in (crawl, import_warc, extract, link_cmd, chain_cmd, origin_cmd, stories_cmd,
                    export_cmd, daemon, status, outlets, stats, cite, plot_group, search_cmd):
        app.add_command(command)


if __name__ != "__main__":  # run as a script, the imported copy below registers them
    _register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map every outcome to an exit status and a message."""
    args = sys.argv[1:] if argv is None else argv
    try:
        returned = app.main(args=args, prog_name="healthwire", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        exc.show(file=sys.stderr)
        return 2
    except click.ClickException as exc:
        exc.show(file=sys.stderr)
        return exc.exit_code
    except click.exceptions.Abort:
        err_console.print("aborted")
        return 1
    except ArchiveError as exc:
        # Messages quote user input ("[/]" in a query): never read them as Rich markup.
        err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        if exc.hint:
            err_console.print(f"[dim]hint:[/] {escape(exc.hint)}", highlight=False)
        return 1
    except OperationalError as exc:
        err_console.print(
            f"[bold red]error:[/] cannot use the database: {escape(str(exc.orig or exc))}",
            highlight=False,
        )
        err_console.print(
            "[dim]hint:[/] check --db / $HEALTHWIRE_DATABASE_URL and that the server is running",
            highlight=False,
        )
        return 1
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except Exception as exc:  # a bug, not a user mistake: say so, keep the trace out of the way
        if os.environ.get("HEALTHWIRE_DEBUG"):
            traceback.print_exc()
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
            "This is a bug in healthwire. Rerun with HEALTHWIRE_DEBUG=1 for the traceback "
            "and report it.",
            highlight=False,
        )
        return 1
    # Without standalone mode, click returns the code of a `raise click.exceptions.Exit(n)`.
    return returned if isinstance(returned, int) else 0


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy: command modules import archive.cli,
    # and two copies would mean two Context classes.
    from archive.cli import main as _main

    raise SystemExit(_main())
