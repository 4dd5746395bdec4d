"""Commands whose capability is not built yet: they say so and exit non-zero, never pretend."""

from __future__ import annotations

import typer

from outboard.cli.output import fail

# Any arguments and subcommand names are accepted, so `outboard x list --json` gets the same answer.
_ANY_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def not_built(app: typer.Typer, name: str, what: str) -> None:
    def command(ctx: typer.Context) -> None:
        fail(f"`outboard {name}`: {what} is not built yet in this version of Outboard", code=2)

    command.__doc__ = f"{what} (not built yet)."
    app.command(name, context_settings=_ANY_ARGS)(command)
