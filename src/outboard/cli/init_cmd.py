"""`outboard init`: create or upgrade the database, create a workspace and an admin."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "init", "init")
