"""A 4-step LinkedIn-first sequence runs exactly as specified over simulated days, through a real SMTP
server on loopback and the manual LinkedIn task provider."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, Event, Lead, Message, Run, Sequence
from outboard.devservers.mx import MxServer
from tests.send.engine_setup import build_campaign, run_days


@pytest.fixture
def sink():
    with MxServer.sink() as server:
        yield server


def _sent(db, lead_id):
    with db.sessions() as session:
        return session.execute(
            select(Message.channel, Message.sent_at, Message.send_state, Message.smtp_message_id)
            .join(Enrollment, Enrollment.id == Message.enrollment_id).where(Enrollment.lead_id == lead_id)
            .order_by(Message.step_id)).all()


def test_linkedin_first_sequence_for_100_leads_runs_as_specified(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 100, sink.port)
    totals = run_days(rt, 12)
    with rt.db.sessions() as session:
        states = dict(session.execute(select(Enrollment.state, func.count()).group_by(Enrollment.state)).all())
        assert states == {"completed": 100}
        sequence = session.get(Sequence, campaign.sequence_id)
        assert sequence.state == "completed" and session.get(Run, campaign.run_id).state == "completed"
        stages = dict(session.execute(select(Lead.stage, func.count()).group_by(Lead.stage)).all())
        assert stages == {"completed": 100}
    with_email = [i for i in range(100) if i % 4 != 0]
    # Exactly two emails per lead with a verified address, none for the others, never a duplicate.
    assert len(sink.messages) == 2 * len(with_email)
    recipients = sorted(m.rcpt_tos[0] for m in sink.messages)
    assert recipients == sorted(f"lead{i}@prospect.test" for i in with_email for _ in range(2))
    assert totals.get("Sent") == 2 * len(with_email)
    for index, lead_id in enumerate(campaign.lead_ids):
        rows = _sent(rt.db, lead_id)
        channels = [r.channel for r in rows]
        assert channels == ["linkedin_invite", "linkedin_message", "email", "email"]
        invite, message, first, second = rows
        assert invite.send_state == message.send_state == SendState.SENT.value
        # The message waits for the acceptance, then its 1-day delay (business days, in the window).
        assert message.sent_at - invite.sent_at >= timedelta(days=1)
        if index % 4 == 0:
            assert first.send_state == second.send_state == SendState.SKIPPED.value
            continue
        assert first.send_state == second.send_state == SendState.SENT.value
        assert first.sent_at.date() > message.sent_at.date() and second.sent_at > first.sent_at
        for sent in (invite.sent_at, message.sent_at, first.sent_at, second.sent_at):
            assert sent.weekday() < 5 and 9 <= sent.hour < 17, sent
    follow_ups = [m.message for m in sink.messages if b"In-Reply-To" in m.data]
    assert len(follow_ups) == len(with_email)
    for mail in follow_ups:
        assert mail["Subject"].startswith("Re: Pipeline idea") and mail["References"]
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "1 Harbour Street" in mail.get_content()


def test_every_step_and_stage_is_on_the_timeline(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 3, sink.port)
    run_days(rt, 12)
    with rt.db.sessions() as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.lead_id == campaign.lead_ids[1])
                                                  .order_by(Event.id))]
    assert kinds.count("message_sent") == 4
    assert kinds[-2:] == ["enrollment_completed", "stage_changed"]


def test_a_paused_run_sends_nothing_until_resumed(rt, workspace_id, sink):
    from outboard.db.models import Run as RunRow
    from outboard.send.campaigns import pause_run, resume_run

    campaign = build_campaign(rt, workspace_id, 5, sink.port)
    with rt.db.transaction() as session:
        pause_run(session, session.get(RunRow, campaign.run_id))
    run_days(rt, 3)
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).where(Message.send_state == "sent")) == 0
        assert set(session.scalars(select(Enrollment.state))) == {"waiting"}
    with rt.db.transaction() as session:
        resume_run(session, session.get(RunRow, campaign.run_id))
    run_days(rt, 16)
    with rt.db.sessions() as session:
        assert set(session.scalars(select(Enrollment.state))) == {"completed"}
