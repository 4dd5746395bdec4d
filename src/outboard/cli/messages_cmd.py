"""`outboard messages`: message writing and review."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "messages", "message writing and review")
