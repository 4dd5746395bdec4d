"""`outboard init`: create or upgrade the database, create a workspace and an admin. Safe to repeat."""

from __future__ import annotations

from pathlib import Path

import typer

from outboard.cli.context import JSON_OPTION
from outboard.cli.output import console, emit_json, friendly_errors
from outboard.db.database import Database
from outboard.db.migrate import current_revision, upgrade
from outboard.secrets import SecretBox
from outboard.settings import env_file, load_settings
from outboard.team.workspaces import create_workspace, workspace_count


def _ensure_secret_key(path: Path) -> bool:
    """Write a new OUTBOARD_SECRET_KEY into .env unless one is configured; True when written."""
    if load_settings().secret_key:
        return False
    lines = path.read_text().splitlines() if path.exists() else []
    lines.append(f"OUTBOARD_SECRET_KEY={SecretBox.new_key()}")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return True


def register(app: typer.Typer) -> None:
    @app.command("init")
    @friendly_errors
    def init(
        workspace: str = typer.Option("My workspace", help="Name of the first workspace."),
        admin_email: str = typer.Option("admin@example.com", help="Email of the first admin (sign-in name)."),
        password: str = typer.Option(None, help="Admin password (default: generated and printed once)."),
        print_key: bool = typer.Option(False, "--print-key", help="Only print a new encryption key."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Create or upgrade the database, create a workspace and an admin. Running it again changes nothing."""
        if print_key:
            typer.echo(SecretBox.new_key())
            return
        key_written = _ensure_secret_key(env_file())
        settings = load_settings()
        SecretBox(settings.secret_key)  # a malformed key is reported now, not at the first send
        db = Database.open(settings.database_url)
        try:
            migrated = upgrade(db.engine)
            created = None
            with db.transaction() as session:
                if workspace_count(session) == 0:
                    ws, user, generated = create_workspace(session, workspace, admin_email, password)
                    created = {"workspace": ws.slug, "admin": user.email, "generated_password": generated}
            summary = {"database": "upgraded" if migrated else "up to date", "revision": current_revision(db.engine),
                       "secret_key": "created in .env" if key_written else "configured", "created": created}
        finally:
            db.close()
        if as_json:
            emit_json(summary)
            return
        console.print(f"database: {summary['database']} (revision {summary['revision']})")
        console.print(f"encryption key: {summary['secret_key']}")
        if created:
            console.print(f"workspace [bold]{created['workspace']}[/] created; admin {created['admin']}")
            if created["generated_password"]:
                console.print(f"admin password (shown once): [bold]{created['generated_password']}[/]")
        else:
            console.print("workspace: already set up, nothing changed")
