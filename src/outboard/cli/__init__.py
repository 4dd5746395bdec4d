"""The `outboard` command. Each command group lives in its own module, named after the pipeline stage."""

from __future__ import annotations

import typer

from outboard import __version__
from outboard.cli import (
    demo_cmd,
    enrich_cmd,
    import_cmd,
    inbox_cmd,
    index_cmd,
    init_cmd,
    jobs_cmd,
    leads_cmd,
    messages_cmd,
    plays_cmd,
    runs_cmd,
    search_cmd,
    serve_cmd,
    verify_cmd,
)

app = typer.Typer(
    name="outboard",
    help="Self-hosted B2B prospecting and outreach: discover, enrich, write, send, read replies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"outboard {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Outboard."""


for module in (init_cmd, import_cmd, leads_cmd, index_cmd, search_cmd, enrich_cmd, verify_cmd, plays_cmd,
               runs_cmd, messages_cmd, inbox_cmd, jobs_cmd, serve_cmd, demo_cmd):
    module.register(app)


def main() -> None:
    app()
