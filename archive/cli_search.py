"""``healthwire search QUERY``: full-text search with the shared research filters.

Human output is a Rich table, one row per hit with its snippet under the title; ``--json``
prints what :func:`archive.search.search` returns. Every piece of archived text is added to
the table as plain text, never as Rich markup: a page may contain ``[bold]`` or ``[/]``.
"""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from rich.text import Text

from archive.cli import console, json_option, print_json, state
from archive.filters import Filters, filter_options
from archive.models import RELATIONS
from archive.search import MAX_LIMIT, search


def _snippet(snippet: str) -> Text:
    """The snippet with its ``**``-marked matches in bold."""
    text = Text(style="dim")
    for i, part in enumerate(snippet.split("**")):
        text.append(part, style="bold" if i % 2 else None)
    return text


def _title_cell(hit: dict[str, Any]) -> Text:
    cell = Text(hit["title"] or "(no title)")
    if hit["snippet"]:
        cell.append("\n")
        cell.append_text(_snippet(hit["snippet"]))
    if hit["relations"]:
        roles: dict[str, int] = {}
        for link in hit["relations"]:
            key = f"{link['relation']}: {'copy' if link['role'] == 'copy' else 'source'} of"
            roles[key] = roles.get(key, 0) + 1
        cell.append("\n" + ", ".join(f"{key} {n}" for key, n in roles.items()), style="cyan")
    return cell


def _print(result: dict[str, Any]) -> None:
    query = result["query"]
    for note in query["notes"]:
        console.print(Text(f"note: {note}", style="yellow"))
    if not result["hits"]:
        console.print(Text(f"no matches for {query['understood']}"))
        return
    table = Table("#", "outlet", "date", "title", "story", "URL",
                  title=Text(f"{query['understood']}: {result['total']:,} matches"
                             + (f", best {len(result['hits'])} shown"
                                if result["total"] > len(result["hits"]) else "")))
    for hit in result["hits"]:
        date = (hit["date"] or "?")[:10]
        story = str(hit["story_size"]) if hit["story_id"] is not None else "-"
        table.add_row(str(hit["rank"]), Text(hit["outlet"] or "?"),
                      Text(f"{date}\n{hit['date_source']}"), _title_cell(hit), story,
                      Text(hit["url"], overflow="fold"))
    console.print(table)


@click.command("search")
@click.argument("query")
@filter_options
@click.option("--relation", type=click.Choice(RELATIONS),
              help="Only articles in a link of this relation (as the copy or as its source).")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=20, show_default=True,
              help="Most hits shown.")
@json_option
@click.pass_context
def search_cmd(ctx: click.Context, query: str, since: str | None, until: str | None,
               outlet: str | None, relation: str | None, limit: int, json_output: bool) -> None:
    """Full-text search over article titles and texts, best match first.

    Words are ANDed; "quoted phrases" match in order; OR between two terms matches either;
    -word excludes. A query that starts with - goes after --:
    healthwire search -- "-placebo remission". See docs/search.md.
    """
    from archive.db import open_archive

    filters = Filters.parse(since, until, outlet)
    engine = open_archive(state(ctx).database_url)
    try:
        result = search(engine, query, filters, relation=relation, limit=limit)
    finally:
        engine.dispose()
    if json_output:
        print_json(result)
    else:
        _print(result)
