"""Bulk rows for the send benchmarks: a workspace, one run and sequence, N leads and N active enrollments
with approved messages, inserted with executemany so that a million rows take seconds."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from outboard.db.database import Database
from outboard.db.models import Enrollment, Lead, Message, Step
from outboard.runtime import Runtime
from outboard.send.accounts import add_email_account
from outboard.send.campaigns import StepInput, create_run, create_sequence
from outboard.team.workspaces import create_workspace
from outboard.write.strategy_store import save_strategy

CHUNK = 50_000


def make_campaign(rt: Runtime, smtp_port: int) -> tuple[int, int, int]:
    """Workspace, email account and an Active single-email-step sequence; returns their ids."""
    with rt.db.transaction() as session:
        workspace, _, _ = create_workspace(session, "Bench", "bench@bench.test", "bench-password-1")
        strategy = save_strategy(session, workspace.id, {"name": "s", "sender_name": "Bench",
                                                         "postal_address": "1 Bench Road, Berlin"})
        from outboard.db.models import SourceGroup

        group = SourceGroup(workspace_id=workspace.id, name="bench", kind="manual")
        session.add(group)
        session.flush()
        account = add_email_account(session, workspace.id, rt.secrets, name="b", address="b@bench-mail.test",
                                    from_name="Bench", smtp_host="127.0.0.1", smtp_port=smtp_port,
                                    smtp_security="none", limits={"daily_cap": 10_000_000, "ramp_up": False,
                                                                  "min_gap_seconds": 0, "gap_jitter_seconds": 0})
        run = create_run(session, workspace.id, "bench", "cold-email-first")
        sequence = create_sequence(session, workspace.id, run.id, "bench", strategy.id, [group.id], [account.id],
                                   steps=[StepInput("email", 0, "always", "intro")],
                                   schedule={"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59"})
        sequence.state = "active"
        run.state = "active"
        return workspace.id, sequence.id, account.id


def add_enrollments(db: Database, workspace_id: int, sequence_id: int, count: int, due: datetime,
                    *, spread: timedelta = timedelta(0), start: int = 0) -> None:
    """`count` leads with a verified email, each enrolled with an approved message, due from `due`
    (spread evenly over `spread`)."""
    now = due
    with db.transaction() as session:
        step_id = session.scalar(select(Step.id).where(Step.sequence_id == sequence_id))
    for offset in range(start, start + count, CHUNK):
        ids = range(offset, min(offset + CHUNK, start + count))
        with db.engine.begin() as connection:
            lead_rows = [{"workspace_id": workspace_id, "full_name": f"Bench Lead {i}", "first_name": "Bench",
                          "last_name": f"Lead{i}", "email": f"lead{i}@prospect.test", "email_verdict": "valid",
                          "email_key": f"lead{i}@prospect.test", "profile": {}, "stage": "outreach_active",
                          "is_sample": True, "created_at": now} for i in ids]
            lead_ids = list(connection.execute(insert(Lead).returning(Lead.id), lead_rows).scalars())
            step = spread / max(count, 1)
            enrollment_rows = [{"workspace_id": workspace_id, "sequence_id": sequence_id, "lead_id": lead_id,
                                "state": "active", "next_position": 1, "created_at": now,
                                "next_due_at": due + step * (i - start)}
                               for i, lead_id in zip(ids, lead_ids, strict=True)]
            enrollment_ids = list(connection.execute(insert(Enrollment).returning(Enrollment.id),
                                                     enrollment_rows).scalars())
            connection.execute(insert(Message), [
                {"workspace_id": workspace_id, "enrollment_id": e, "step_id": step_id, "channel": "email",
                 "subject": "Hello", "body": "A short note.", "hooks": [], "findings": [], "generator": "bench",
                 "prompt_version": "", "review_state": "approved", "send_state": "scheduled", "attempts": 0,
                 "created_at": now} for e in enrollment_ids])


