"""Builds a real campaign in the database for the engine tests: leads, accounts, run, sequence, approved
messages, launch. Only the messages' text is fixed here (the writer has its own tests); every row goes
through the same service functions the CLI and web app use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select

from outboard.core.sequence import ReviewState
from outboard.core.stages import LeadStage
from outboard.db.models import Enrollment, Lead, LinkedinTask, Message, SourceGroup, SourceGroupMember, Step
from outboard.db.timeline import reach_lead_stage
from outboard.runtime import Runtime
from outboard.send.accounts import add_email_account, add_linkedin_account
from outboard.send.campaigns import StepInput, create_run, create_sequence
from outboard.send.launch import enroll_leads, launch
from outboard.send.linkedin_tasks import mark_task, open_tasks
from outboard.send.scheduler import tick
from outboard.write.strategy_store import save_strategy

FAST_EMAIL = {"daily_cap": 10_000, "ramp_up": False, "min_gap_seconds": 0, "gap_jitter_seconds": 0}
FAST_LINKEDIN = {"daily_invites": 10_000, "weekly_invites": 100_000, "daily_messages": 10_000,
                 "pending_invites": 100_000, "min_gap_seconds": 0, "gap_jitter_seconds": 0}


@dataclass
class Campaign:
    workspace_id: int
    sequence_id: int
    run_id: int
    email_account_id: int
    linkedin_account_id: int
    lead_ids: list[int]


def build_campaign(rt: Runtime, workspace_id: int, n_leads: int, smtp_port: int, *,
                   with_email: callable = lambda i: i % 4 != 0, timezone: callable = lambda i: None,
                   email_limits: dict | None = None, linkedin_limits: dict | None = None,
                   steps: list[StepInput] | None = None, play: str = "cold-linkedin-first",
                   schedule: dict | None = None, do_launch: bool = True) -> Campaign:
    box = rt.secrets
    with rt.db.transaction() as session:
        strategy = save_strategy(session, workspace_id, {
            "name": "Pipeline audit", "sender_name": "Sam Sender", "sender_company": "Outboard Labs",
            "postal_address": "1 Harbour Street, 20095 Hamburg, Germany", "offer": "a pipeline audit",
            "call_to_action": "a 15-minute call"})
        group = SourceGroup(workspace_id=workspace_id, name=f"test leads {n_leads}", kind="manual")
        session.add(group)
        session.flush()
        lead_ids = []
        for i in range(n_leads):
            lead = Lead(workspace_id=workspace_id, full_name=f"Lead Number{i}", first_name="Lead",
                        last_name=f"Number{i}", linkedin_id=f"lead-number-{i}", linkedin_key=f"lead-number-{i}",
                        email=f"lead{i}@prospect.test" if with_email(i) else None,
                        email_verdict="valid" if with_email(i) else None, timezone=timezone(i))
            session.add(lead)
            session.flush()
            reach_lead_stage(session, lead, LeadStage.PROFILE_ENRICHED)
            if lead.email:
                reach_lead_stage(session, lead, LeadStage.EMAIL_ENRICHED)
            reach_lead_stage(session, lead, LeadStage.MESSAGE_GENERATED)
            session.execute(insert(SourceGroupMember).values(source_group_id=group.id, lead_id=lead.id,
                                                             reason={}, added_at=rt.clock.now()))
            lead_ids.append(lead.id)
        email = add_email_account(session, workspace_id, box, name="Sam", address="sam@outboard-mail.test",
                                  from_name="Sam Sender", smtp_host="127.0.0.1", smtp_port=smtp_port,
                                  smtp_security="none", smtp_username="sam", smtp_password="pw",
                                  limits=email_limits or FAST_EMAIL)
        linkedin = add_linkedin_account(session, workspace_id, box, name="Sam on LinkedIn", profile_id="sam-sender",
                                        limits=linkedin_limits or FAST_LINKEDIN)
        run = create_run(session, workspace_id, "Q1 outbound", play)
        sequence = create_sequence(session, workspace_id, run.id, "Main", strategy.id, [group.id],
                                   [email.id, linkedin.id], steps=steps, schedule=schedule)
        enroll_leads(session, sequence)
        _approved_messages(session, sequence.id)
        ids = Campaign(workspace_id, sequence.id, run.id, email.id, linkedin.id, lead_ids)
    if do_launch:
        with rt.db.transaction() as session:
            launch(session, workspace_id, ids.sequence_id, rt.clock.now())
    return ids


def _approved_messages(session, sequence_id: int) -> None:
    steps = list(session.scalars(select(Step).where(Step.sequence_id == sequence_id).order_by(Step.position)))
    for enrollment in session.scalars(select(Enrollment).where(Enrollment.sequence_id == sequence_id)):
        first_email = True
        for step in steps:
            subject = None
            if step.channel == "email":
                subject = f"Pipeline idea for lead {enrollment.lead_id}" if first_email else None
                first_email = False
            session.add(Message(workspace_id=enrollment.workspace_id, enrollment_id=enrollment.id, step_id=step.id,
                                channel=step.channel, subject=subject, generator="test-fixture",
                                body=f"Step {step.position} for lead {enrollment.lead_id}.",
                                review_state=ReviewState.APPROVED.value))


def run_days(rt: Runtime, days: float, *, accept: callable = lambda lead_id: True,
             step: timedelta = timedelta(minutes=30)) -> dict[str, int]:
    """Fast-forward simulated time, ticking the real scheduler; a simulated person works the LinkedIn
    tasks each time (sends them and reports acceptances for the leads `accept` names)."""
    totals: dict[str, int] = {}
    end = rt.clock.now() + timedelta(days=days)
    while rt.clock.now() < end:
        while True:
            result = tick(rt)
            for name, count in result.outcomes.items():
                totals[name] = totals.get(name, 0) + count
            if not result.leased:
                break
        work_tasks(rt, accept)
        rt.clock.advance(step)
    return totals


def work_tasks(rt: Runtime, accept: callable) -> None:
    with rt.db.transaction() as session:
        workspace_ids = {t.workspace_id for t in session.scalars(select(LinkedinTask))}
    for workspace_id in workspace_ids:
        with rt.db.transaction() as session:
            for task in open_tasks(session, workspace_id):
                if task.state != "open":
                    continue
                message = session.get(Message, task.message_id)
                enrollment = session.get(Enrollment, message.enrollment_id)
                action = "accepted" if task.kind == "linkedin_invite" and accept(enrollment.lead_id) else "done"
                mark_task(session, workspace_id, task.id, action, rt.clock.now())
