"""`outboard index`: the prospect index."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "index", "the prospect index")
