"""`outboard leads`: lead management."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "leads", "lead management")
