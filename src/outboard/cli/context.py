"""What every command needs: the runtime from configuration and the workspace it acts on."""

from __future__ import annotations

import typer

from outboard.db.models import Workspace
from outboard.runtime import Runtime, runtime
from outboard.team.workspaces import find_workspace

WORKSPACE_OPTION = typer.Option(None, "--workspace", "-w", envvar="OUTBOARD_CLI_WORKSPACE",
                                help="Workspace slug (default: the first workspace).")
JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")


def cli_runtime() -> Runtime:
    return runtime()


def workspace_of(rt: Runtime, slug: str | None) -> Workspace:
    with rt.db.sessions() as session:
        return find_workspace(session, slug)
