"""A paused sender account holds its leads' steps (never skips them); they go out after the resume."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from outboard.db.models import Enrollment, Event, Lead, Message, SenderAccount
from outboard.devservers.mx import DomainBehaviour, MxServer, RcptAction
from outboard.send.accounts import pause_account, resume_account
from outboard.send.campaigns import StepInput
from tests.send.engine_setup import build_campaign, run_days

EMAIL_THREE = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump"),
               StepInput("email", 2, "no_reply", "breakup")]


@pytest.fixture
def sink():
    with MxServer.sink() as server:
        server.add_domain("blocked.test", DomainBehaviour.acting(RcptAction.POLICY))
        yield server


def _states(rt) -> Counter:
    with rt.db.sessions() as session:
        return Counter(session.scalars(select(Message.send_state)))


def _set_account(rt, account_id: int, paused: bool) -> None:
    with rt.db.transaction() as session:
        account = session.get(SenderAccount, account_id)
        (pause_account(session, account, "paused by an admin") if paused else resume_account(session, account))


def _message_ids(sink) -> list[str]:
    return [m.message["Message-ID"] for m in sink.messages]


def test_a_paused_account_holds_steps_and_sends_them_once_after_resume(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 4, sink.port, with_email=lambda i: True,
                              steps=EMAIL_THREE, play="cold-email-first")
    run_days(rt, 1)
    assert _states(rt) == {"sent": 4, "scheduled": 8}
    _set_account(rt, campaign.email_account_id, paused=True)
    run_days(rt, 9)  # every later step comes due while the account is paused
    assert _states(rt) == {"sent": 4, "scheduled": 8}, "nothing sent and nothing skipped while paused"
    assert len(sink.messages) == 4
    with rt.db.sessions() as session:
        enrollments = list(session.scalars(select(Enrollment)))
        assert {(e.state, e.next_position, e.waiting_reason) for e in enrollments} == {("active", 2, "account_paused")}
        assert session.scalar(select(Event).where(Event.kind == "step_skipped")) is None
    _set_account(rt, campaign.email_account_id, paused=False)
    run_days(rt, 9)
    assert _states(rt) == {"sent": 12}
    ids = _message_ids(sink)
    assert len(ids) == 12 and len(set(ids)) == 12, "every step went out exactly once"
    with rt.db.sessions() as session:
        assert {e.state for e in session.scalars(select(Enrollment))} == {"completed"}
        assert {e.waiting_reason for e in session.scalars(select(Enrollment))} == {None}


def test_a_reputation_block_holds_the_message_until_the_account_is_resumed(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 3, sink.port, with_email=lambda i: True,
                              steps=EMAIL_THREE[:1], play="cold-email-first")
    with rt.db.transaction() as session:  # the first lead's domain answers 550 5.7.1 at RCPT
        session.get(Lead, campaign.lead_ids[0]).email = "lead0@blocked.test"
    run_days(rt, 3)
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, campaign.email_account_id)
        assert account.status == "paused" and "reputation" in account.status_reason
        held = {m.send_state for m in session.scalars(select(Message))}
        assert held <= {"scheduled", "sent"} and "skipped" not in held
        assert session.scalar(select(Event).where(Event.kind == "step_skipped")) is None
    with rt.db.transaction() as session:  # the block is lifted (here: the address answers normally)
        session.get(Lead, campaign.lead_ids[0]).email = "lead0@prospect.test"
    _set_account(rt, campaign.email_account_id, paused=False)
    run_days(rt, 2)
    assert _states(rt) == {"sent": 3}
    assert len(sink.messages) == 3


def test_a_sequence_without_an_account_of_the_channel_still_skips(rt, workspace_id, sink):
    from outboard.db.models.campaigns import sequence_senders

    campaign = build_campaign(rt, workspace_id, 2, sink.port, with_email=lambda i: True,
                              steps=EMAIL_THREE[:1], play="cold-email-first")
    with rt.db.transaction() as session:
        session.execute(sequence_senders.delete().where(
            sequence_senders.c.sender_account_id == campaign.email_account_id))
        session.execute(Enrollment.__table__.update().values(email_account_id=None))
    rt.clock.advance(timedelta(hours=1))
    run_days(rt, 1)
    with rt.db.sessions() as session:
        reasons = {(m.send_state, m.last_error) for m in session.scalars(select(Message))}
    assert reasons == {("skipped", "no email account on the sequence")}
