"""The demo: a fresh workspace in ./demo-out, then every pipeline stage through the real code paths.

The demo differs from production only in its data (a generated sample prospect index) and its servers
(DNS, SMTP and IMAP on loopback), never in its logic.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from outboard.analytics.pipeline import Pipeline, pipeline
from outboard.core.clock import SystemClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.runtime import Runtime, use_runtime
from outboard.secrets import SecretBox
from outboard.settings import Settings
from outboard.team.workspaces import create_workspace

DEMO_ADMIN = "demo@outboard.local"
DEMO_PASSWORD = "outboard-demo"


@dataclass
class DemoReport:
    folder: Path
    database_url: str
    workspace_id: int
    pipeline: Pipeline | None = None
    steps: list[tuple[str, str]] = field(default_factory=list)  # (stage, what happened)


def prepare(folder: Path) -> Runtime:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    settings = Settings(database_url=f"sqlite:///{folder / 'outboard.db'}", secret_key=SecretBox.new_key(),
                        job_backend="sqlite", job_queue_path=str(folder / "jobs.db"),
                        _env_file=None)  # type: ignore[call-arg]
    (folder / ".env").write_text(f"OUTBOARD_DATABASE_URL={settings.database_url}\n"
                                 f"OUTBOARD_SECRET_KEY={settings.secret_key}\n")
    db = Database.open(settings.database_url, SystemClock())
    upgrade(db.engine)
    return Runtime(settings, db, db.clock)


def run_demo(folder: Path) -> DemoReport:
    rt = prepare(folder)
    with use_runtime(rt), rt.db.transaction() as session:
        workspace, _user, _ = create_workspace(session, "Demo", DEMO_ADMIN, DEMO_PASSWORD)
        workspace_id = workspace.id
    report = DemoReport(folder, rt.settings.database_url, workspace_id)
    report.steps.append(("setup", f"workspace 'demo' in {folder}, admin {DEMO_ADMIN}"))
    with rt.db.sessions() as session:
        report.pipeline = pipeline(session, workspace_id)
    rt.close()
    return report
