"""`outboard serve`: the web app and REST API."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "serve", "the web app and REST API")
