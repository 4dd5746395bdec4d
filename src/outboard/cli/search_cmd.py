"""`outboard search`: discovery search.

`outboard search parse "…"` shows how a description reads as filters (`--json` to edit them). The preview,
`outboard search "…"`, needs the prospect index and says so until it exists.
"""

from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperGroup

from outboard.cli.output import console, emit_json, fail, friendly_errors
from outboard.sources.icp import parse_query

_JSON = typer.Option(False, "--json", help="Print the structured filters as JSON.")


class _SearchGroup(TyperGroup):
    """`outboard search heads of sales` is a description, not a subcommand: it goes to the preview."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                             list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "preview", self.commands["preview"], args
        return super().resolve_command(ctx, args)


def register(app: typer.Typer) -> None:
    search_app = typer.Typer(cls=_SearchGroup, no_args_is_help=True,
                             help="Discovery search: describe the people you want to reach.")

    @search_app.command("parse")
    @friendly_errors
    def parse_command(
        words: list[str] = typer.Argument(..., help="The description, e.g. \"heads of sales at fintechs in Germany\"."),
        as_json: bool = _JSON,
    ) -> None:
        """Show the filters a description is read as (titles, seniority, industry, location, size, signals)."""
        result = parse_query(" ".join(words))
        if as_json:
            emit_json(result.to_dict())
            return
        _print_parse(result.to_dict())

    @search_app.command("preview", hidden=True, context_settings={"allow_extra_args": True,
                                                                  "ignore_unknown_options": True})
    def preview_command(ctx: typer.Context) -> None:
        """Preview the people a description finds (not built yet)."""
        fail("`outboard search \"…\"`: the discovery search preview is not built yet in this version of "
             "Outboard; `outboard search parse \"…\"` shows how the description reads as filters", code=2)

    app.add_typer(search_app, name="search")


def _print_parse(data: dict[str, Any]) -> None:
    console.print(f"[bold]Read as[/] ({data['parser']} parser):", highlight=False)
    for line in data["description"]:
        console.print(f"  • {line}", highlight=False)
    for note in data["notes"]:
        console.print(f"  [dim]note: {note}[/]", highlight=False)
    console.print("[dim]Edit the filters: outboard search parse \"…\" --json[/]", highlight=False)

