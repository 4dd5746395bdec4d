"""End to end with the sending engine: real sends to an SMTP sink, inbound mail on a real IMAP server
(pymap), the sync and processing, and the scheduler going on over simulated days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from outboard.core.sequence import SendState
from outboard.core.stages import LeadStage
from outboard.db.models import (
    Enrollment,
    Event,
    InboundMessage,
    Lead,
    Message,
    Sequence,
    SourceGroup,
    SourceGroupMember,
    Suppression,
)
from outboard.db.timeline import reach_lead_stage
from outboard.inbox.tasks import sync_one
from outboard.send.campaigns import StepInput, create_run, create_sequence
from outboard.send.launch import enroll_leads, launch
from tests.inbox.conftest import MAILBOX_USER, OUR_ADDRESS, connect_mailbox, reply_to, sent_to
from tests.send.engine_setup import _approved_messages, build_campaign, run_days

EMAIL_ONLY = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump")]
EMAIL_AND_LINKEDIN = [StepInput("email", 0, "always", "intro"), StepInput("linkedin_invite", 1, "no_reply", "connect"),
                      StepInput("email", 2, "no_reply", "bump")]


def _campaign(rt, workspace_id, sink, imap, n=2, steps=EMAIL_ONLY):
    campaign = build_campaign(rt, workspace_id, n, sink.port, with_email=lambda i: True, steps=steps,
                              play="cold-email-first")
    connect_mailbox(rt, campaign.email_account_id, imap)
    return campaign


def _enrollment(rt, lead_id):
    with rt.db.sessions() as session:
        return session.scalars(select(Enrollment).where(Enrollment.lead_id == lead_id)).one()


def _lead(rt, lead_id):
    with rt.db.sessions() as session:
        return session.get(Lead, lead_id)


def _days(rt, days):
    return run_days(rt, days, step=timedelta(hours=2))


def test_replies_between_two_steps_stop_the_next_one_with_or_without_threading_headers(rt, workspace_id, sink,
                                                                                     imap):
    campaign = _campaign(rt, workspace_id, sink, imap, n=3)
    _days(rt, 1)
    anna, bob, carl = "lead0@prospect.test", "lead1@prospect.test", "lead2@prospect.test"
    [to_anna], [to_bob] = sent_to(sink, anna), sent_to(sink, bob)
    imap.append(MAILBOX_USER, reply_to(rt, to_anna, "Sounds interesting, can we talk on Tuesday at 10am?"),
                when=rt.clock.now())
    # Bob's client dropped In-Reply-To and References: his address is the only link.
    imap.append(MAILBOX_USER, reply_to(rt, to_bob, "Thanks Sam, please send me the pricing.", threaded=False,
                                       subject="pricing?"), when=rt.clock.now())
    result = sync_one(rt, campaign.email_account_id)
    assert result["stored"] == 2 and result["processed"] == 2
    for lead_id in campaign.lead_ids[:2]:
        assert _enrollment(rt, lead_id).state == "replied" and _lead(rt, lead_id).stage == "replied"
    _days(rt, 5)
    assert len(sent_to(sink, anna)) == 1 and len(sent_to(sink, bob)) == 1, "a follow-up went out after a reply"
    assert len(sent_to(sink, carl)) == 2
    with rt.db.sessions() as session:
        rows = {row.lead_id: row for row in session.scalars(select(InboundMessage))}
    threaded, unthreaded = rows[campaign.lead_ids[0]], rows[campaign.lead_ids[1]]
    assert threaded.state == "processed" and threaded.kind == "reply" and threaded.label == "meeting_request"
    assert threaded.thread_key == str(to_anna.message["Message-ID"])
    assert threaded.classification["match"]["via"] == "in-reply-to"
    assert unthreaded.classification["match"]["via"] == "sender" and unthreaded.label == "information_request"


def test_an_out_of_office_postpones_and_does_not_stop(rt, workspace_id, sink, imap):
    campaign = _campaign(rt, workspace_id, sink, imap)
    _days(rt, 1)
    anna = "lead0@prospect.test"
    [first] = sent_to(sink, anna)
    ooo = reply_to(rt, first, "I am out of the office until 16 March 2026 with limited access to email.",
                   subject="Automatic reply: " + str(first.message["Subject"]),
                   extra_headers="Auto-Submitted: auto-replied\r\nX-Autoreply: yes")
    imap.append(MAILBOX_USER, ooo, when=rt.clock.now())
    sync_one(rt, campaign.email_account_id)
    enrollment = _enrollment(rt, campaign.lead_ids[0])
    assert enrollment.state == "active" and enrollment.waiting_reason == "out_of_office"
    with rt.db.sessions() as session:
        returns = session.scalars(select(InboundMessage)).one().classification["return_date"]
    assert returns >= "2026-03-16" and enrollment.next_due_at.date().isoformat() == returns
    _days(rt, 6)
    assert len(sent_to(sink, anna)) == 1, "the follow-up did not wait for the return date"
    assert len(sent_to(sink, "lead1@prospect.test")) == 2
    rt.clock.set(enrollment.next_due_at - timedelta(hours=1))
    _days(rt, 2)
    assert len(sent_to(sink, anna)) == 2
    assert _lead(rt, campaign.lead_ids[0]).stage != "replied"


def _dsn(rt, ours, recipient: str) -> bytes:
    """A Postfix delivery status notification (RFC 3464) returning our message."""
    original = ours.data.decode("utf-8", "replace").split("\r\n\r\n", 1)[0]
    return (
        "From: MAILER-DAEMON@mx.prospect.test (Mail Delivery System)\r\n"
        f"To: {OUR_ADDRESS}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.prospect.test>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be "
        f"delivered to one or more recipients.\r\n\r\n<{recipient}>: host mx.prospect.test said: 550 5.1.1 "
        "User unknown\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
        f"mx.prospect.test\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"{original}\r\n--B--\r\n").encode()


def _bounced_campaign(rt, workspace_id, sink, imap):
    campaign = _campaign(rt, workspace_id, sink, imap, steps=EMAIL_AND_LINKEDIN)
    _days(rt, 1)
    [first] = sent_to(sink, "lead0@prospect.test")
    imap.append(MAILBOX_USER, _dsn(rt, first, "lead0@prospect.test"), when=rt.clock.now())
    sync_one(rt, campaign.email_account_id)
    return campaign, first


def test_a_dsn_bounce_marks_the_address_invalid_and_stops_email_steps(rt, workspace_id, sink, imap):
    campaign, first = _bounced_campaign(rt, workspace_id, sink, imap)
    lead = _lead(rt, campaign.lead_ids[0])
    assert lead.email_verdict == "invalid" and lead.stage != "replied"
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Suppression).where(
            Suppression.reason == "hard_bounce")) == 1
        bounced = session.scalars(select(Message).where(Message.smtp_message_id == str(first.message["Message-ID"]))
                                  ).one()
        assert bounced.send_state == SendState.FAILED.value and "5.1.1" in bounced.last_error
        row = session.scalars(select(InboundMessage)).one()
        assert row.kind == "bounce" and row.classification["match"]["via"] == "returned message"
    _days(rt, 6)
    assert len(sent_to(sink, "lead0@prospect.test")) == 1, "an email step went out to a bounced address"
    assert len(sent_to(sink, "lead1@prospect.test")) == 2




@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the rule is in the send stage; one database
def test_after_a_dsn_bounce_linkedin_steps_go_on(rt, workspace_id, sink, imap):
    campaign, _first = _bounced_campaign(rt, workspace_id, sink, imap)
    _days(rt, 6)
    with rt.db.sessions() as session:
        invite = session.scalar(select(Message.send_state).join(Enrollment, Enrollment.id == Message.enrollment_id)
                                .where(Enrollment.lead_id == campaign.lead_ids[0],
                                       Message.channel == "linkedin_invite"))
        stop_reason = session.get(Lead, campaign.lead_ids[0]).stop_reason
    assert invite == "sent", "the LinkedIn step did not go on after the bounce"
    assert stop_reason is None
    assert len(sent_to(sink, "lead0@prospect.test")) == 1


def _second_run(rt, workspace_id, campaign, emails):
    """Another run whose leads were imported again (new lead rows, same addresses), sent from the same account."""
    with rt.db.transaction() as session:
        strategy_id = session.scalar(select(Sequence.strategy_profile_id).where(Sequence.id == campaign.sequence_id))
        group = SourceGroup(workspace_id=workspace_id, name="re-imported", kind="import")
        session.add(group)
        session.flush()
        lead_ids = []
        for index, email in enumerate(emails):
            lead = Lead(workspace_id=workspace_id, full_name=f"Reimported {index}", email=email, email_verdict="valid")
            session.add(lead)
            session.flush()
            reach_lead_stage(session, lead, LeadStage.EMAIL_ENRICHED)
            reach_lead_stage(session, lead, LeadStage.MESSAGE_GENERATED)
            session.execute(insert(SourceGroupMember).values(source_group_id=group.id, lead_id=lead.id, reason={},
                                                             added_at=rt.clock.now()))
            lead_ids.append(lead.id)
        run = create_run(session, workspace_id, "Second run", "cold-email-first")
        sequence = create_sequence(session, workspace_id, run.id, "Again", strategy_id, [group.id],
                                   [campaign.email_account_id], steps=EMAIL_ONLY)
        enroll_leads(session, sequence)
        _approved_messages(session, sequence.id)
        launch(session, workspace_id, sequence.id, rt.clock.now())
    return lead_ids


def test_an_opt_out_reply_suppresses_the_person_across_every_run(rt, workspace_id, sink, imap):
    campaign = _campaign(rt, workspace_id, sink, imap)
    _days(rt, 1)
    anna = "lead0@prospect.test"
    [first] = sent_to(sink, anna)
    imap.append(MAILBOX_USER, reply_to(rt, first, "Please remove me from your list, I am not interested."),
                when=rt.clock.now())
    sync_one(rt, campaign.email_account_id)
    lead = _lead(rt, campaign.lead_ids[0])
    assert lead.stop_reason == "opted_out" and _enrollment(rt, lead.id).state == "stopped"
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Suppression).where(
            Suppression.reason == "opt_out")) >= 1
    second = _second_run(rt, workspace_id, campaign, [anna, "someone.new@prospect.test"])
    _days(rt, 5)
    assert len(sent_to(sink, anna)) == 1, "the opted-out person was written to again in another run"
    assert len(sent_to(sink, "someone.new@prospect.test")) == 2
    with rt.db.sessions() as session:
        assert session.get(Lead, second[0]).stop_reason == "opted_out"
        assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == "lead_stopped")) >= 2


def test_mail_from_strangers_is_never_stored(rt, workspace_id, sink, imap):
    campaign = _campaign(rt, workspace_id, sink, imap)
    _days(rt, 1)
    imap.append(MAILBOX_USER, reply_to(rt, None, "Win a free cruise!", sender="promo@newsletter.test"),
                when=rt.clock.now())
    imap.append(MAILBOX_USER, reply_to(rt, None, "Lunch on Friday?", sender="friend@personal.test"),
                when=rt.clock.now())
    result = sync_one(rt, campaign.email_account_id)
    assert result["stored"] == 0
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_uidvalidity_change_resyncs_without_duplicates(rt, workspace_id, sink, imap):
    campaign = _campaign(rt, workspace_id, sink, imap, n=2)
    imap.create_folder(MAILBOX_USER, "Replies")
    connect_mailbox(rt, campaign.email_account_id, imap, folder="Replies")
    _days(rt, 1)
    replies = [reply_to(rt, first, "Thanks, tell me more.") for first in
               (sent_to(sink, "lead0@prospect.test")[0], sent_to(sink, "lead1@prospect.test")[0])]
    imap.append(MAILBOX_USER, replies[0], folder="Replies", when=rt.clock.now())
    assert sync_one(rt, campaign.email_account_id)["stored"] == 1
    # The folder is rebuilt (a server migration): a new UIDVALIDITY, the old message again plus a new one.
    imap.delete_folder(MAILBOX_USER, "Replies")
    imap.create_folder(MAILBOX_USER, "Replies")
    for raw in replies:
        imap.append(MAILBOX_USER, raw, folder="Replies", when=rt.clock.now())
    assert sync_one(rt, campaign.email_account_id)["stored"] == 1
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2
    for lead_id in campaign.lead_ids:
        assert _enrollment(rt, lead_id).state == "replied"
