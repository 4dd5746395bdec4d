"""The `outboard` command. Each command group lives in its own module, named after the pipeline stage."""

from __future__ import annotations

import typer

from outboard import __version__
from outboard.cli import (
    clues_cmd,
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
from outboard.cli.output import err_console
from outboard.core.errors import OutboardError

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


for module in (init_cmd, import_cmd, leads_cmd, index_cmd, search_cmd, clues_cmd, enrich_cmd, verify_cmd, plays_cmd,
               runs_cmd, messages_cmd, inbox_cmd, jobs_cmd, serve_cmd, demo_cmd):
    module.register(app)


def main(argv: list[str] | None = None) -> None:
    # Configuration problems and bad input end with one line that says what to fix, never a traceback.
    try:
        app(args=argv)
    except OutboardError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None
