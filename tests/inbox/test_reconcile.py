"""Uncertain sends reconciled from the Sent folder: found → sent and the enrollment moves on; not found
after the grace period → flagged once for a person, and never sent again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, Event, Lead, Message, SenderAccount
from outboard.inbox.reconcile import GRACE, reconcile_account
from outboard.send.campaigns import StepInput
from tests.inbox.conftest import MAILBOX_USER, connect_mailbox
from tests.send.conftest import ScriptedHandler
from tests.send.engine_setup import build_campaign, run_days

EMAIL_ONLY = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump")]


def _bodies(handler: ScriptedHandler, lead_id: int) -> list[str]:
    return [m.content.decode("utf-8", "replace") for m in handler.messages
            if f"for lead {lead_id}" in m.content.decode("utf-8", "replace")]


def test_a_send_in_doubt_is_found_in_the_sent_folder_or_left_for_a_person(rt, workspace_id, imap, smtp_server):
    # ScriptedHandler takes every message to vanish@..., then drops the connection before answering DATA.
    handler, port = smtp_server.handler, smtp_server.port
    campaign = build_campaign(rt, workspace_id, 2, port, with_email=lambda i: True, steps=EMAIL_ONLY,
                              play="cold-email-first")
    with rt.db.transaction() as session:
        session.execute(update(Lead).where(Lead.id.in_(campaign.lead_ids)).values(email="vanish@prospect.test"))
        account = session.get(SenderAccount, campaign.email_account_id)
        account.connection = {**account.connection, "smtp_username": None}  # this test server has no AUTH
    connect_mailbox(rt, campaign.email_account_id, imap)
    run_days(rt, 1, step=timedelta(hours=2))
    found_id, lost_id = campaign.lead_ids
    with rt.db.sessions() as session:
        states = set(session.scalars(select(Message.send_state).where(Message.smtp_message_id.is_not(None))))
    assert states == {SendState.RECONCILE.value}, "the test needs both first sends in doubt"
    # The provider filed the first lead's message in Sent (as Gmail and most hosts do for SMTP sends).
    [delivered] = [m for m in handler.messages if f"for lead {found_id}" in m.content.decode()]
    imap.append(MAILBOX_USER, delivered.content, folder="Sent", when=rt.clock.now())

    result = reconcile_account(rt, campaign.email_account_id)
    assert (result.checked, result.found, result.flagged, result.sent_folder) == (2, 1, 0, "Sent")
    with rt.db.sessions() as session:
        enrollments = {e.lead_id: e for e in session.scalars(select(Enrollment))}
        first = session.scalars(select(Message).join(Enrollment, Enrollment.id == Message.enrollment_id).where(
            Enrollment.lead_id == found_id, Message.smtp_message_id.is_not(None))).one()
    assert first.send_state == SendState.SENT.value and first.provider_id.startswith("imap-sent:Sent:")
    assert enrollments[found_id].state == "active" and enrollments[found_id].next_position == 2
    assert enrollments[lost_id].state == "waiting" and enrollments[lost_id].waiting_reason == "reconcile"

    rt.clock.advance(GRACE + timedelta(hours=1))
    assert reconcile_account(rt, campaign.email_account_id).flagged == 1
    assert reconcile_account(rt, campaign.email_account_id).flagged == 0, "flagged more than once"
    run_days(rt, 4, step=timedelta(hours=2))
    assert len(_bodies(handler, found_id)) == 2, "the follow-up did not go out after reconciliation"
    assert len(_bodies(handler, lost_id)) == 1, "a send in doubt was sent again"
    with rt.db.sessions() as session:
        lost = session.scalars(select(Message).join(Enrollment, Enrollment.id == Message.enrollment_id).where(
            Enrollment.lead_id == lost_id, Message.smtp_message_id.is_not(None))).one()
        assert lost.send_state == SendState.RECONCILE.value and "Sent folder" in lost.last_error
        assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == "alert",
                                                                            Event.lead_id == lost_id)) == 1
