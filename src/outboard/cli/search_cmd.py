"""`outboard search`: discovery search."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "search", "discovery search", group=True)
