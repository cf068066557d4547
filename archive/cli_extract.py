"""`healthwire extract FILE.html --url URL [--json]`: what the extractor sees in one page.

A researcher checking why two articles were (or were not) linked needs to see, for one page,
every field with its source and every problem; scripts need the same as JSON.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from archive.errors import ArchiveError
from archive.extraction import ExtractedPage, extract_page, to_dict


def _parse_fetched(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise click.BadParameter(f"not an ISO 8601 date-time: {value!r}") from err


@click.command("extract")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option("--json", "json_output", is_flag=True, help="Print the record as JSON.")
@click.option("--fetched-at", "fetched_at", default=None, metavar="ISO-DATE",
              help="When the page was fetched (ISO 8601); default: now.")
def extract(file: Path, url: str, json_output: bool, fetched_at: str | None) -> None:
    """Show what the extractor finds in one saved page: fields, credits, quotes, problems."""
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"cannot read {file}: {exc.strerror or exc}",
                           hint="pass the path of a saved HTML page") from None
    page = extract_page(body, url, fetched_at=_parse_fetched(fetched_at))
    if json_output:
        click.echo(json.dumps(to_dict(page), ensure_ascii=False, indent=2))
        return
    _show(page, Console())


def _when(value: datetime | None, source: str | None) -> str:
    return f"{value.isoformat()}  ({source})" if value else "-"


def _show(page: ExtractedPage, console: Console) -> None:
    fields = Table(title="Extracted fields", show_header=False, expand=False)
    fields.add_column("field", style="bold")
    fields.add_column("value", overflow="fold")
    words = len(page.text.split())
    rows = [
        ("title", f"{page.title or '-'}  ({page.title_source or 'none'})"),
        ("published_at", _when(page.published_at, page.published_at_source)),
        ("modified_at", _when(page.modified_at, page.modified_at_source)),
        ("authors", ", ".join(page.authors) or "-"),
        ("language", f"{page.language or '-'}  ({page.language_source or 'none'})"),
        ("site_name", page.site_name or "-"),
        ("canonical_url", page.canonical_url or "-"),
        ("description", page.description or "-"),
        ("text", f"{len(page.paragraphs)} paragraphs, {words} words"),
        ("links", str(len(page.links))),
        ("encoding", page.encoding or "-"),
    ]
    for name, value in rows:
        fields.add_row(name, value)
    console.print(fields)

    if page.mentioned_dates:
        table = Table(title="Dates the text mentions")
        table.add_column("date")
        table.add_column("phrase", overflow="fold")
        for m in page.mentioned_dates:
            table.add_row(m.value.date().isoformat(), m.phrase)
        console.print(table)
    if page.credits:
        table = Table(title="Credits")
        for col in ("outlet", "as written", "kind", "phrase"):
            table.add_column(col, overflow="fold")
        for c in page.credits:
            table.add_row(c.outlet or "(unknown)", c.raw_name, c.kind, c.phrase)
        console.print(table)
    if page.quotes:
        table = Table(title="Quotes")
        table.add_column("#", justify="right")
        table.add_column("quote", overflow="fold")
        for i, q in enumerate(page.quotes, 1):
            table.add_row(str(i), q.text)
        console.print(table)
    if page.references:
        table = Table(title="References")
        for col in ("kind", "value", "phrase"):
            table.add_column(col, overflow="fold")
        for r in page.references:
            table.add_row(r.kind, r.value, r.phrase)
        console.print(table)
    if page.links:
        table = Table(title="Links in the main text")
        table.add_column("url", overflow="fold")
        table.add_column("anchor", overflow="fold")
        for u, a in page.links[:50]:
            table.add_row(u, a)
        console.print(table)
    if page.problems:
        console.print("[bold yellow]Problems[/bold yellow]")
        for p in page.problems:
            console.print(f"  - {p}", markup=False, highlight=False)
