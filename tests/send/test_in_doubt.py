"""Sends in doubt decided by a person: `sent` finalises the send at its `sending_at` and the lead moves on;
`not_sent` lets it go out again through every rule; an undecided one is never re-sent. Real SMTP server
that drops the connection after taking the message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from outboard.cli import app
from outboard.core.errors import NotFound, ValidationError
from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, Event, Lead, Message, SenderAccount
from outboard.send.campaigns import StepInput
from outboard.send.in_doubt import NotInDoubt, decide, sends_in_doubt
from tests.send.conftest import ScriptedHandler
from tests.send.engine_setup import build_campaign, run_days

EMAIL_ONLY = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump")]
runner = CliRunner()


def _first_message(session, lead_id: int) -> Message:
    return session.scalars(select(Message).join(Enrollment, Enrollment.id == Message.enrollment_id).where(
        Enrollment.lead_id == lead_id).order_by(Message.id)).first()


def _bodies(handler: ScriptedHandler, lead_id: int) -> int:
    return sum(f"for lead {lead_id}." in m.content.decode("utf-8", "replace") for m in handler.messages)


def test_a_person_decides_sends_in_doubt(rt, workspace_id, smtp_server):
    # ScriptedHandler takes every message to vanish@..., then drops the connection before answering DATA.
    handler, port = smtp_server.handler, smtp_server.port
    campaign = build_campaign(rt, workspace_id, 3, port, with_email=lambda i: True, steps=EMAIL_ONLY,
                              play="cold-email-first")
    with rt.db.transaction() as session:
        session.execute(update(Lead).where(Lead.id.in_(campaign.lead_ids)).values(email="vanish@prospect.test"))
        account = session.get(SenderAccount, campaign.email_account_id)
        account.connection = {**account.connection, "smtp_username": None}
    run_days(rt, 0.5, step=timedelta(hours=2))
    was_sent, not_sent, undecided = campaign.lead_ids
    with rt.db.sessions() as session:
        doubts = sends_in_doubt(session, workspace_id, campaign.sequence_id)
        assert {lead.id for _, _, lead in doubts} == set(campaign.lead_ids)
        sent_msg, again_msg = _first_message(session, was_sent), _first_message(session, not_sent)
        sending_at = sent_msg.sending_at

    listed = runner.invoke(app, ["sequences", "in-doubt", str(campaign.sequence_id)])
    assert listed.exit_code == 0 and str(sent_msg.id) in listed.output, listed.output
    rt.clock.advance(timedelta(hours=3))
    result = runner.invoke(app, ["sequences", "decide", str(sent_msg.id), "sent"])
    assert result.exit_code == 0 and "sent" in result.output, result.output
    with rt.db.transaction() as session:
        with pytest.raises(NotInDoubt):  # decided already
            decide(session, workspace_id, sent_msg.id, "sent", rt.clock.now(), by="test")
        with pytest.raises(ValidationError) as caught:
            decide(session, workspace_id, again_msg.id, "maybe", rt.clock.now(), by="test")
        assert caught.value.field == "decision"
        with pytest.raises(NotFound):
            decide(session, workspace_id + 999, again_msg.id, "sent", rt.clock.now(), by="test")
    with rt.db.sessions() as session:
        message = session.get(Message, sent_msg.id)
        enrollment = session.get(Enrollment, message.enrollment_id)
        assert message.send_state == SendState.SENT.value and message.sent_at == sending_at
        assert (enrollment.state, enrollment.next_position) == ("active", 2)
        assert enrollment.next_due_at >= sending_at + timedelta(days=2)  # timed from the send, not the decision
        kinds = list(session.scalars(select(Event.kind).where(Event.subject == f"message:{message.id}")))
        assert "send_reconciled" in kinds and "message_sent" in kinds

    with rt.db.transaction() as session:  # the person fixed the address, and says the send never happened
        session.execute(update(Lead).where(Lead.id == not_sent).values(email="fixed@prospect.test"))
        decide(session, workspace_id, again_msg.id, "not_sent", rt.clock.now(), by="test")
    run_days(rt, 1, step=timedelta(hours=2))
    assert _bodies(handler, not_sent) == 2, "the send decided as not sent did not go out again"
    assert _bodies(handler, undecided) == 1, "an undecided send in doubt was sent again"
    with rt.db.sessions() as session:
        assert session.get(Message, again_msg.id).send_state == SendState.SENT.value
        assert _first_message(session, undecided).send_state == SendState.RECONCILE.value
        assert [lead.id for _, _, lead in sends_in_doubt(session, workspace_id)] == [undecided]
