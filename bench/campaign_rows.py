"""Bulk rows for the send benchmarks: a workspace, one run and sequence, N leads and N active enrollments
with approved messages. SQLite gets executemany; PostgreSQL builds the rows server-side with
INSERT ... SELECT over generate_series, so a million enrollments load in well under a minute."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, text

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
    if db.is_postgres:
        _add_enrollments_pg(db, workspace_id, sequence_id, step_id, count, due, spread, start)
        return
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




_PG_LEADS = """
INSERT INTO leads (workspace_id, full_name, first_name, last_name, email, email_verdict, email_key, profile,
                   stage, is_sample, created_at)
SELECT :ws, 'Bench Lead ' || i, 'Bench', 'Lead' || i, 'lead' || i || '@prospect.test', 'valid',
       'lead' || i || '@prospect.test', '{}'::jsonb, 'outreach_active', true, :now
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i ORDER BY i"""
_PG_ENROLLMENTS = """
INSERT INTO enrollments (workspace_id, sequence_id, lead_id, state, next_position, created_at, next_due_at)
SELECT :ws, :seq, l.id, 'active', 1, :now,
       :due + (l.id - CAST(:lead0 AS bigint)) * CAST(:step_us AS float8) * interval '1 microsecond'
FROM leads l WHERE l.workspace_id = :ws AND l.id >= :lead0 ORDER BY l.id"""
_PG_MESSAGES = """
INSERT INTO messages (workspace_id, enrollment_id, step_id, channel, subject, body, hooks, findings, generator,
                      prompt_version, review_state, send_state, attempts, created_at)
SELECT :ws, e.id, :step, 'email', 'Hello', 'A short note.', '[]'::jsonb, '[]'::jsonb, 'bench', '', 'approved',
       'scheduled', 0, :now
FROM enrollments e WHERE e.sequence_id = :seq AND e.id >= :enrollment0 ORDER BY e.id"""


def _add_enrollments_pg(db: Database, workspace_id: int, sequence_id: int, step_id: int, count: int,
                        due: datetime, spread: timedelta, start: int) -> None:
    step_us = spread / max(count, 1) / timedelta(microseconds=1)
    for offset in range(start, start + count, CHUNK * 4):
        last = min(offset + CHUNK * 4, start + count) - 1
        with db.engine.begin() as connection:
            lead0 = connection.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM leads"))
            enrollment0 = connection.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM enrollments"))
            connection.execute(text(_PG_LEADS), {"ws": workspace_id, "now": due, "first": offset, "last": last})
            # Due times follow the lead numbers, as in the SQLite path: the chunk starts where it left off.
            connection.execute(text(_PG_ENROLLMENTS), {
                "ws": workspace_id, "seq": sequence_id, "now": due, "lead0": lead0, "step_us": step_us,
                "due": due + spread / max(count, 1) * (offset - start)})
            connection.execute(text(_PG_MESSAGES), {"ws": workspace_id, "seq": sequence_id, "step": step_id,
                                                    "now": due, "enrollment0": enrollment0})
