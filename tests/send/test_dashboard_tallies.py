"""The dashboard's tallies, kept by database triggers, always equal a count of the rows themselves:
after launch, while the real scheduler sends over simulated days, across compactions, after a lead is
deleted and after the sequence is."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from outboard.db import tallies
from outboard.db.models import Enrollment, EnrollmentTally, Lead, Message, MessageTally, Sequence, Step
from outboard.runtime import Runtime
from outboard.send.queries import dashboard
from tests.send.conftest import Server
from tests.send.engine_setup import build_campaign, run_days


def _counted(rt: Runtime, sequence_id: int) -> tuple[list, dict]:
    with rt.db.sessions() as session:
        enrollments = session.execute(
            select(Enrollment.next_position, Enrollment.state, Enrollment.stop_reason, func.count())
            .where(Enrollment.sequence_id == sequence_id)
            .group_by(Enrollment.next_position, Enrollment.state, Enrollment.stop_reason)).all()
        step_ids = list(session.scalars(select(Step.id).where(Step.sequence_id == sequence_id)))
        sends: dict[int, dict[str, int]] = {}
        for step_id, state, count in session.execute(
                select(Message.step_id, Message.send_state, func.count()).where(Message.step_id.in_(step_ids))
                .group_by(Message.step_id, Message.send_state)):
            sends.setdefault(step_id, {})[state] = count
    return sorted(enrollments, key=repr), sends


def _tallied(rt: Runtime, sequence_id: int) -> tuple[list, dict]:
    with rt.db.sessions() as session:
        step_ids = list(session.scalars(select(Step.id).where(Step.sequence_id == sequence_id)))
        return (sorted((tuple(r) for r in tallies.enrollment_counts(session, sequence_id)), key=repr),
                tallies.send_counts(session, step_ids))


def _assert_tallies_match(rt: Runtime, sequence_id: int) -> None:
    counted, tallied = _counted(rt, sequence_id), _tallied(rt, sequence_id)
    assert [tuple(r) for r in counted[0]] == tallied[0]
    assert counted[1] == tallied[1]


def _compact(rt: Runtime) -> None:
    with rt.db.transaction() as session:
        tallies.compact(session)


def test_tallies_follow_every_change(rt: Runtime, workspace_id: int, smtp_server: Server) -> None:
    campaign = build_campaign(rt, workspace_id, 24, smtp_server.port)
    _assert_tallies_match(rt, campaign.sequence_id)
    run_days(rt, 3, accept=lambda lead_id: lead_id % 2 == 0)
    _assert_tallies_match(rt, campaign.sequence_id)
    _compact(rt)
    _assert_tallies_match(rt, campaign.sequence_id)
    with rt.db.sessions() as session:
        rows_after_compaction = session.scalar(select(func.count()).select_from(EnrollmentTally))
        distinct_values = len(tallies.enrollment_counts(session, campaign.sequence_id))
    assert rows_after_compaction == distinct_values  # folded to one row per value
    run_days(rt, 10, accept=lambda lead_id: lead_id % 2 == 0)
    _assert_tallies_match(rt, campaign.sequence_id)

    with rt.db.sessions() as session:
        board = dashboard(session, workspace_id, campaign.sequence_id)
        assert board.total == 24 == tallies.enrollment_totals(session, [campaign.sequence_id])[campaign.sequence_id]
        assert sum(r.sent for r in board.steps) == session.scalar(
            select(func.count()).select_from(Message).where(Message.send_state == "sent"))

    # A lead deleted (its enrollment and messages cascade) counts down; compaction keeps the sums.
    with rt.db.transaction() as session:
        session.execute(delete(Lead).where(Lead.id == campaign.lead_ids[0]))
    _assert_tallies_match(rt, campaign.sequence_id)
    _compact(rt)
    _assert_tallies_match(rt, campaign.sequence_id)
    with rt.db.sessions() as session:
        assert tallies.enrollment_totals(session, [campaign.sequence_id])[campaign.sequence_id] == 23

    # Deleting the sequence leaves no tally behind, so a reused id starts from zero.
    with rt.db.transaction() as session:
        session.execute(delete(Sequence).where(Sequence.id == campaign.sequence_id))
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EnrollmentTally)) == 0
        assert session.scalar(select(func.count()).select_from(MessageTally)) == 0
