"""`outboard import`: CSV / JSONL import."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "import", "CSV / JSONL import")
