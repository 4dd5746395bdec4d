"""`outboard inbox`: the inbox."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "inbox", "the inbox", group=True)
