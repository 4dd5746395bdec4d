"""`outboard enrich`: enrichment."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "enrich", "enrichment")
