"""`outboard plays`: the play library."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "plays", "the play library", group=True)
