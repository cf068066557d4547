"""Commands of the syndication linker: ``link``, ``chain``, ``origin``, ``stories``.

The lead registers them on the ``healthwire`` group (``app.add_command``). Human output is a
Rich progress bar, tree or table; ``--json`` prints the same facts for scripts.
"""

from __future__ import annotations

from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from archive.cli import console, json_option, print_json, state
from archive.filters import Filters, filter_options
from archive.models import RELATIONS
from archive.queries import STORY_ORDERS


def _engine(ctx: click.Context) -> Any:
    from archive.db import open_archive

    return open_archive(state(ctx).database_url)


def _params(ctx: click.Context) -> Any:
    from archive.linking import LinkParams

    return LinkParams.from_settings(state(ctx).config.link)


@click.command("link")
@click.option("--rebuild", "rebuild_all", is_flag=True,
              help="Recompute every link from the stored index with the current parameters.")
@json_option
@click.pass_context
def link_cmd(ctx: click.Context, rebuild_all: bool, json_output: bool) -> None:
    """Compute syndication links for new articles (or for all with --rebuild)."""
    from archive.linking import link_new, rebuild

    engine = _engine(ctx)
    params = _params(ctx)
    try:
        run = rebuild if rebuild_all else link_new
        if json_output or not console.is_terminal:
            report = run(engine, params)
        else:
            with Progress(TextColumn("[bold]linking"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=True) as bar:
                task = bar.add_task("link", total=None)
                report = run(engine, params,
                             progress=lambda done, total: bar.update(task, completed=done,
                                                                     total=total))
    finally:
        engine.dispose()
    if json_output:
        print_json(report.as_dict())
        return
    console.print(
        f"{'Rebuilt' if rebuild_all else 'Linked'} {report.articles:,} articles in "
        f"{report.seconds:.1f} s: {report.pairs_verified:,} candidate pairs verified, "
        f"{report.links_written:,} links written, {report.stories_updated:,} stories updated."
    )
    if report.relations:
        table = Table("relation", "links", title="links written")
        for relation, count in sorted(report.relations.items()):
            table.add_row(relation, f"{count:,}")
        console.print(table)


def _label(node: dict[str, Any]) -> str:
    date = (node.get("date") or "?")[:10]
    parts = [f"[bold]{node.get('outlet') or '?'}[/]", node.get("title") or node["url"],
             f"[dim]{date} ({node.get('date_source')})[/]"]
    link = node.get("link")
    if link:
        scores = f"J={link['jaccard']:.2f} C={link['containment']:.2f}" if (
            link.get("jaccard") is not None) else ""
        lag = f"{link['lag_days']:+.1f} d" if link.get("lag_days") is not None else ""
        parts.insert(0, f"[cyan]{link['relation']}[/]")
        parts.append(f"{scores} lag {lag} [dim]by {link['direction_reason']}[/]")
    unarchived = [c["outlet"] for c in node.get("credits", []) if not c["archived"]]
    if unarchived:
        parts.append(f"[yellow]credits (not archived): {', '.join(unarchived)}[/]")
    return "  ".join(p for p in parts if p)


def _add_parents(tree: Tree, node: dict[str, Any]) -> None:
    for parent in node.get("parents", []):
        _add_parents(tree.add(_label(parent)), parent)


def _add_children(tree: Tree, node: dict[str, Any]) -> None:
    for child in node.get("children", []):
        _add_children(tree.add(_label(child)), child)


@click.command("chain")
@click.argument("url")
@json_option
@click.pass_context
def chain_cmd(ctx: click.Context, url: str, json_output: bool) -> None:
    """The syndication tree around an article: its sources up to the roots, and its copies."""
    from archive.queries import chain

    engine = _engine(ctx)
    try:
        result = chain(engine, url)
    finally:
        engine.dispose()
    if json_output:
        print_json(result)
        return
    tree = Tree(_label(result) + f"\n[dim]{result['url']}[/]")
    if result["parents"]:
        _add_parents(tree.add("[bold]derives from[/]"), result)
    else:
        tree.add("[dim]no archived source: earliest in the archive[/]")
    if result["also_similar"]:
        also = tree.add("[bold]also similar (siblings, shortcuts, shared quotes)[/]")
        for node in result["also_similar"]:
            also.add(_label(node))
    if result["children"]:
        _add_children(tree.add("[bold]copied by[/]"), result)
    console.print(tree)
    _print_credits(result["credits"])
    archived = [c for c in result["captures"] if c["status"] == 200]
    if archived:
        console.print(f"[dim]archived {archived[0]['fetched_at'][:19]}Z as WARC record "
                      f"{archived[0]['warc_record_id']} (`healthwire cite URL` for the "
                      "citation)[/]", soft_wrap=True)
    if result["story"]:
        story = result["story"]
        console.print(f"story {story['story_id']}: {story['size']} articles, root "
                      f"{story['root_outlet']} ({(story['first_published_at'] or '?')[:10]}), "
                      f"attributed origin: {story['attributed_origin'] or 'none named'}")


def _print_credits(credits: list[dict[str, Any]]) -> None:
    """The outlets the page itself names, and whether the tree above holds a page of each:
    an archived but unlinked credit is a lead the text comparison could not confirm."""
    if not credits:
        return
    console.print("[bold]credits on this page[/]")
    for c in credits:
        if c["linked"]:
            status = "[green]a page of it is linked above[/]"
        elif c["archived"]:
            status = ("[yellow]archived, but none of its pages is linked to this one "
                      "(no shared text: a translation or a loose rewrite?)[/]")
        else:
            status = "[yellow]not in the archive[/]"
        console.print(f"  {c['outlet'] or '?'} ({c['kind']}: \"{c['phrase'] or ''}\"): {status}",
                      soft_wrap=True, highlight=False)


@click.command("origin")
@click.argument("url")
@json_option
@click.pass_context
def origin_cmd(ctx: click.Context, url: str, json_output: bool) -> None:
    """The earliest archived source(s) of an article, and the outlets its credits name."""
    from archive.queries import origin

    engine = _engine(ctx)
    try:
        result = origin(engine, url)
    finally:
        engine.dispose()
    if json_output:
        print_json(result)
        return
    if result["is_root"]:
        console.print("This article has no archived source: it is the earliest in the archive.")
    table = Table("root (earliest in archive)", "outlet", "date", "date source", "lag (days)")
    for root, lag in zip(result["roots"], result["lag_days_from_roots"] or [None] * 99,
                         strict=False):
        table.add_row(root["url"], root["outlet"] or "?", (root["date"] or "?")[:10],
                      root["date_source"] or "?", "" if lag is None else f"{lag:.1f}")
    console.print(table)
    if result["attributed_origins"]:
        credits = Table("attributed origin (credited)", "in archive", "credited by")
        for entry in result["attributed_origins"]:
            credits.add_row(entry["outlet"], "yes" if entry["archived"] else "no",
                            "\n".join(entry["credited_by"]))
        console.print(credits)


@click.command("stories")
@filter_options
@click.option("--min-size", type=click.IntRange(min=1), default=2, show_default=True,
              help="Smallest story shown (articles).")
@click.option("--relation", type=click.Choice(RELATIONS),
              help="Only stories holding a link of this relation.")
@click.option("--sort", "order", type=click.Choice(STORY_ORDERS), default=None,
              help="size: most articles; spread: longest from first to last article; "
              "latest: latest article first.  [default: size]")
@click.option("--latest", is_flag=True, help="Same as --sort latest.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
@click.pass_context
def stories_cmd(ctx: click.Context, since: str | None, until: str | None, outlet: str | None,
                min_size: int, relation: str | None, order: str | None, latest: bool,
                limit: int, json_output: bool) -> None:
    """Syndicated stories: groups of linked articles, with root, spread and outlets."""
    from archive.queries import stories

    if latest and order not in (None, "latest"):
        raise click.UsageError(f"--latest contradicts --sort {order}")
    filters = Filters.parse(since, until, outlet)
    engine = _engine(ctx)
    try:
        rows = stories(engine, min_size=min_size, limit=limit, filters=filters,
                       relation=relation, order="latest" if latest else (order or "size"))
    finally:
        engine.dispose()
    if json_output:
        print_json(rows)
        return
    if not rows:
        console.print("No stories match." if (filters != Filters() or relation) else
                      "No stories yet: a story needs two linked articles (crawl, then "
                      "`healthwire link`).")
        return
    table = Table("story", "size")
    table.add_column("root outlet", min_width=15)
    for header in ("root", "first", "span (d)", "outlets", "attributed origin"):
        table.add_column(header)
    for r in rows:
        table.add_row(str(r["story_id"]), str(r["size"]), r["root_outlet"] or "?",
                      r["root_title"] or r["root_url"] or "?",
                      (r["first_published_at"] or "?")[:10],
                      "" if r["span_days"] is None else f"{r['span_days']:.1f}",
                      str(len(r["outlets"])), r["attributed_origin"] or "")
    console.print(table)


COMMANDS = {"link": link_cmd, "chain": chain_cmd, "origin": origin_cmd,
            "stories": stories_cmd}
