"""`outboard runs`, `sequences`, `launch`: runs, sequences and launch."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "runs", "runs", group=True)
    not_built(app, "sequences", "sequences", group=True)
    not_built(app, "launch", "launch")
