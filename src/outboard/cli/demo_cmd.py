"""`outboard demo`: the end-to-end demo."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "demo", "the end-to-end demo")
