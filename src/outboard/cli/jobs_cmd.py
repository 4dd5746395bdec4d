"""`outboard worker`: background job workers."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "worker", "the job worker")
