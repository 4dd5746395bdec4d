"""The demo: the whole product on local servers, with a sample prospect index and simulated days.

Every stage runs through the same code the CLI, the web app and the workers use. The demo differs from
production only in its data (a generated prospect index, marked as sample data) and in its servers (DNS,
the prospects' mail servers, the outgoing relay and the IMAP mailbox all run on loopback), and its clock
runs days in seconds.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from outboard.analytics.outreach import OutreachStats, Scope, outreach_stats
from outboard.analytics.pipeline import Pipeline, pipeline
from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.demo.prospects import Prospects, accepts_invite
from outboard.demo.world import SENDER_DOMAIN, DemoWorld
from outboard.runtime import Runtime, use_runtime
from outboard.secrets import SecretBox
from outboard.settings import Settings
from outboard.team.workspaces import create_workspace

DEMO_ADMIN = "demo@outboard.local"
DEMO_PASSWORD = "outboard-demo"
START = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # a Monday morning, before the sending window opens
QUERY = ("VPs, heads and directors of sales and marketing at SaaS, fintech and e-commerce companies in Europe, "
         "20-2000 people")
SIMULATED_DAYS = 24  # long enough for unanswered invites to be withdrawn (21 days)

# How a stage reports its progress: the CLI passes a function that draws a progress bar from the job row.
RunJob = Callable[[Runtime, int, str, dict[str, Any], str], Any]
# What sends what is due at the current simulated time: the worker loop's drain in this process, or
# (in the soak) the same drain in several worker processes sharing PostgreSQL.
Drain = Callable[[Runtime], Any]


@dataclass(frozen=True)
class DemoScale:
    """How big the story is. The defaults are the README's demo; the soak runs the same story larger."""

    people: int = 6000  # in the sample prospect index
    leads: int = 40  # saved from the search
    days: int = SIMULATED_DAYS
    query: str = QUERY
    email_limits: dict[str, Any] = field(default_factory=lambda: {
        "daily_cap": 60, "ramp_up": False, "min_gap_seconds": 60, "gap_jitter_seconds": 30})
    linkedin_limits: dict[str, Any] = field(default_factory=lambda: {"min_gap_seconds": 30, "gap_jitter_seconds": 30})


@dataclass
class DemoReport:
    folder: Path
    database_url: str
    workspace_id: int
    steps: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage
    _since: float = field(default_factory=time.perf_counter, repr=False)
    pipeline: Pipeline | None = None
    stats: OutreachStats | None = None
    reactions: dict[str, int] = field(default_factory=dict)
    sent_mail: Path | None = None

    def say(self, stage: str, what: str) -> None:
        """Report a stage as it ends (its time runs from the previous report)."""
        now = time.perf_counter()
        self.steps.append((stage, what))
        self.seconds[stage] = now - self._since
        self._since = now


def _runtime(folder: Path, world: DemoWorld, llm: dict[str, str | None], database_url: str | None) -> Runtime:
    settings = Settings(
        database_url=database_url or f"sqlite:///{folder / 'outboard.db'}", secret_key=SecretBox.new_key(),
        job_backend="sqlite", job_queue_path=str(folder / "jobs.db"), public_url="http://127.0.0.1:8000",
        verify_dns_server=world.dns_address, verify_smtp_port=world.prospects_mx.port,  # type: ignore[union-attr]
        verify_helo="verify.outboard-demo.test", verify_mail_from=f"verify@{SENDER_DOMAIN}", verify_timeout=5.0,
        **{k: v for k, v in llm.items() if v}, _env_file=None)  # type: ignore[call-arg]
    (folder / ".env").write_text(f"OUTBOARD_DATABASE_URL={settings.database_url}\n"
                                 f"OUTBOARD_SECRET_KEY={settings.secret_key}\n")
    clock = SimulatedClock(START)
    db = Database.open(settings.database_url, clock)
    upgrade(db.engine)
    return Runtime(settings, db, clock)


def run_demo(folder: Path, run_job: RunJob, *, scale: DemoScale | None = None,
             llm: dict[str, str | None] | None = None, database_url: str | None = None,
             drain: Drain | None = None) -> DemoReport:
    """The whole story in `folder` (emptied first), on SQLite there unless `database_url` names an empty
    database."""
    from outboard.jobs.worker import drain as drain_here

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    world = DemoWorld(folder).start()
    try:
        rt = _runtime(folder, world, llm or {}, database_url)
        with use_runtime(rt):
            report = _story(rt, world, folder, run_job, scale or DemoScale(), drain or drain_here)
        rt.db.close()
        return report
    finally:
        world.close()


def _story(rt: Runtime, world: DemoWorld, folder: Path, run_job: RunJob, scale: DemoScale,
           drain: Drain) -> DemoReport:
    with rt.db.transaction() as session:
        workspace, _user, _ = create_workspace(session, "Demo", DEMO_ADMIN, DEMO_PASSWORD)
        workspace.preferences = {"postal_address": "Outboard Demo GmbH, 1 Harbour Street, 20095 Hamburg, Germany",
                                 "primary_domain": "outboard-demo-main.test"}
        workspace_id = workspace.id
    report = DemoReport(folder, rt.settings.database_url, workspace_id, sent_mail=folder / "sent-mail")
    report.say("setup", f"workspace 'demo' in {folder}; admin {DEMO_ADMIN} / {DEMO_PASSWORD}")
    from outboard.demo import stages

    group_id = stages.discover(rt, world, folder, run_job, report, workspace_id, scale)
    stages.enrich(rt, run_job, report, workspace_id, group_id)
    sequence_id = stages.write(rt, world, run_job, report, workspace_id, group_id, scale)
    stages.launch_sequence(rt, world, report, workspace_id, sequence_id)
    _simulate(rt, world, report, workspace_id, scale.days, drain)
    with rt.db.sessions() as session:
        report.pipeline = pipeline(session, workspace_id)
        report.stats = outreach_stats(session, Scope(workspace_id, sequence_id=sequence_id))
    return report


def _simulate(rt: Runtime, world: DemoWorld, report: DemoReport, workspace_id: int, days: int,
              drain: Drain) -> None:
    """Fast-forward: every simulated half hour the real worker loop runs (scheduler + inbox sync), the
    person working LinkedIn tasks does them, and the prospects answer what reached them."""
    from outboard.demo.stages import work_linkedin_tasks
    from outboard.inbox.tasks import sync_all_accounts

    prospects = Prospects(world)
    clock = rt.clock
    assert isinstance(clock, SimulatedClock)
    end = clock.now() + timedelta(days=days)
    while clock.now() < end:
        drain(rt)
        work_linkedin_tasks(rt, workspace_id, accepts_invite)
        prospects.read_new_mail(clock.now())
        if prospects.deliver_due(clock.now()):
            # The worker's IDLE/polling loop runs on wall-clock time; in simulated time, sync at once.
            sync_all_accounts(rt, workspace_id=workspace_id)
        clock.advance(timedelta(minutes=30))
    drain(rt)
    sync_all_accounts(rt, workspace_id=workspace_id)
    for what in prospects.done.values():
        report.reactions[what] = report.reactions.get(what, 0) + 1
    report.say("replies", f"{days} simulated days; prospects answered: "
               + ", ".join(f"{n} {what}" for what, n in sorted(report.reactions.items())))


