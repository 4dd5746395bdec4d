"""`outboard verify`: the email verifier."""

import typer

from outboard.cli.placeholder import not_built


def register(app: typer.Typer) -> None:
    not_built(app, "verify", "the email verifier")
