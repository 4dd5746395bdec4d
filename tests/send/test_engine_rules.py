"""The rules the engine never breaks, each shown on the real scheduler with a real SMTP server."""

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from outboard.core.errors import IllegalTransition, OutboardError, ValidationError
from outboard.db.models import Enrollment, Event, Lead, Message, SenderAccount, Sequence
from outboard.db.scope import Scope
from outboard.db.suppressions import suppress
from outboard.devservers.mx import MxServer
from outboard.send.campaigns import StepInput, set_steps
from outboard.send.launch import LaunchBlocked, launch
from outboard.send.scheduler import tick
from tests.send.engine_setup import build_campaign, run_days

EMAIL_TWICE = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump")]


@pytest.fixture
def sink():
    with MxServer.sink() as server:
        yield server


def _drain(rt):
    while tick(rt).leased:
        pass


def test_a_daily_cap_holds_to_the_message(rt, workspace_id, sink):
    build_campaign(rt, workspace_id, 25, sink.port, with_email=lambda i: True, steps=EMAIL_TWICE[:1],
                   play="cold-email-first",
                   email_limits={"daily_cap": 10, "ramp_up": False, "min_gap_seconds": 0, "gap_jitter_seconds": 0})
    run_days(rt, 5)
    with rt.db.sessions() as session:
        days = Counter(m.sent_at.astimezone(ZoneInfo("UTC")).date() for m in session.scalars(
            select(Message).where(Message.send_state == "sent")))
    assert sorted(days.values()) == [5, 10, 10]


def test_windows_hold_in_the_recipients_timezone_across_a_dst_change(rt, workspace_id, sink):
    zones = ["America/New_York", "Asia/Tokyo", "Europe/Berlin"]
    build_campaign(rt, workspace_id, 9, sink.port, with_email=lambda i: True,
                   timezone=lambda i: zones[i % 3], play="cold-email-first",
                   steps=[StepInput("email", 0, "always", "intro"),
                          StepInput("email", 5, "no_reply", "bump"),
                          StepInput("email", 5, "no_reply", "breakup")])
    run_days(rt, 25)  # 2 March + 25 days crosses the US change to summer time (8 March 2026)
    with rt.db.sessions() as session:
        leads = {lead.id: lead.timezone for lead in session.scalars(select(Lead))}
        rows = session.execute(select(Enrollment.lead_id, Message.sent_at).join(
            Enrollment, Enrollment.id == Message.enrollment_id).where(Message.send_state == "sent")).all()
    assert len(rows) == 27
    for lead_id, sent_at in rows:
        local = sent_at.astimezone(ZoneInfo(leads[lead_id]))
        assert local.weekday() < 5 and 9 <= local.hour < 17, (leads[lead_id], local)


def test_a_suppression_added_a_second_before_the_due_time_is_honoured(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 4, sink.port, with_email=lambda i: True, steps=EMAIL_TWICE,
                              play="cold-email-first")
    with rt.db.sessions() as session:
        due = min(e.next_due_at for e in session.scalars(select(Enrollment)))
    rt.clock.set(due - timedelta(seconds=1))
    with rt.db.transaction() as session:
        suppress(session, workspace_id, "email", "lead0@prospect.test", "blocklist")
        lead = session.get(Lead, campaign.lead_ids[1])
        from outboard.send.reactions import record_opt_out

        record_opt_out(session, lead, source="test")
    rt.clock.advance(timedelta(seconds=1))
    run_days(rt, 6)
    recipients = {m.rcpt_tos[0] for m in sink.messages}
    assert "lead0@prospect.test" not in recipients and "lead1@prospect.test" not in recipients
    assert {"lead2@prospect.test", "lead3@prospect.test"} <= recipients
    with rt.db.sessions() as session:
        stops = dict(session.execute(select(Lead.id, Lead.stop_reason)).all())
    assert stops[campaign.lead_ids[0]] == "blocked" and stops[campaign.lead_ids[1]] == "opted_out"


def test_launch_refuses_blocking_findings_and_says_which(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 3, sink.port, do_launch=False)
    with rt.db.transaction() as session:
        session.execute(Message.__table__.update().values(review_state="draft"))
    with pytest.raises(LaunchBlocked, match="messages_unapproved"), rt.db.transaction() as session:
        launch(session, workspace_id, campaign.sequence_id, rt.clock.now())
    with rt.db.transaction() as session:
        session.execute(Message.__table__.update().values(review_state="approved"))
        result = launch(session, workspace_id, campaign.sequence_id, rt.clock.now())
    assert result.enrolled == 3
    with pytest.raises(OutboardError, match="already active"), rt.db.transaction() as session:
        launch(session, workspace_id, campaign.sequence_id, rt.clock.now())


def test_readiness_names_missing_footer_accounts_and_overlaps(rt, workspace_id, sink):
    from outboard.send.launch import readiness

    campaign = build_campaign(rt, workspace_id, 3, sink.port, do_launch=False)
    with rt.db.transaction() as session:
        session.execute(SenderAccount.__table__.update().where(SenderAccount.kind == "email").values(status="paused"))
        from outboard.db.models import StrategyProfileRow

        for row in session.scalars(select(StrategyProfileRow)):
            row.data = {**row.data, "postal_address": ""}
        findings = {f.code: f for f in readiness(session, session.get(Sequence, campaign.sequence_id),
                                                 rt.clock.now(), dns_check=lambda d: {"spf": True, "dkim": False,
                                                                                      "dmarc": False})}
    assert findings["email_account_missing"].blocking and findings["email_account_missing"].fix
    assert findings["compliance_footer"].blocking


@pytest.mark.parametrize("steps,field", [
    ([StepInput("email", -1)], "delay_days"),
    ([StepInput("fax", 0)], "channel"),
    ([StepInput("email", 0, "sometimes")], "condition"),
    ([], "steps"),
])
def test_invalid_step_definitions_are_refused_with_the_field(rt, workspace_id, sink, steps, field):
    campaign = build_campaign(rt, workspace_id, 1, sink.port, do_launch=False)
    with pytest.raises(ValidationError, match=field), rt.db.transaction() as session:
        set_steps(session, Scope(session, workspace_id).get(Sequence, campaign.sequence_id), steps)


def test_an_active_sequences_steps_cannot_be_edited(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 1, sink.port)
    with pytest.raises(OutboardError, match="only be edited before launch"), rt.db.transaction() as session:
        set_steps(session, Scope(session, workspace_id).get(Sequence, campaign.sequence_id), EMAIL_TWICE)


def test_wrong_smtp_credentials_pause_the_account_and_send_nothing(rt, workspace_id):
    with MxServer.sink(accept_any_auth=False) as strict:
        build_campaign(rt, workspace_id, 3, strict.port, with_email=lambda i: True, steps=EMAIL_TWICE,
                       play="cold-email-first")
        rt.clock.advance(timedelta(hours=2))
        _drain(rt)
        assert strict.messages == []
    with rt.db.sessions() as session:
        account = session.scalar(select(SenderAccount).where(SenderAccount.kind == "email"))
        assert account.status == "paused" and "authentication" in account.status_reason
        assert session.scalar(select(Event).where(Event.kind == "alert")) is not None
        assert set(session.scalars(select(Message.send_state))) == {"scheduled"}


def test_illegal_lifecycle_moves_change_nothing(rt, workspace_id, sink):
    from outboard.db.models import Run
    from outboard.send.campaigns import resume_run

    campaign = build_campaign(rt, workspace_id, 1, sink.port, do_launch=False)
    with pytest.raises(IllegalTransition), rt.db.transaction() as session:
        resume_run(session, session.get(Run, campaign.run_id))
    with rt.db.sessions() as session:
        assert session.get(Run, campaign.run_id).state == "draft"


def test_a_lead_whose_claim_fails_is_recorded_and_skipped_while_the_others_go(rt, workspace_id, sink):
    campaign = build_campaign(rt, workspace_id, 3, sink.port, with_email=lambda i: True, steps=EMAIL_TWICE,
                              play="cold-email-first")
    run_days(rt, 1)
    broken = campaign.lead_ids[0]
    with rt.db.transaction() as session:  # a follow-up cannot thread under a first email with no subject
        first = session.scalar(select(Message).join(Enrollment, Enrollment.id == Message.enrollment_id).where(
            Enrollment.lead_id == broken, Message.send_state == "sent"))
        first.subject = None
    totals = run_days(rt, 4)  # ends: the failed claim is not taken again and again
    assert totals["Sent"] == 2
    with rt.db.sessions() as session:
        states = dict(session.execute(select(Enrollment.lead_id, Enrollment.state).where(
            Enrollment.sequence_id == campaign.sequence_id)).all())
        failed = session.scalars(select(Event).where(Event.kind == "send_failed", Event.lead_id == broken)).all()
        follow_up = session.scalar(select(Message.send_state).join(Enrollment).where(
            Enrollment.lead_id == broken, Message.send_state != "sent"))
    assert set(states.values()) == {"completed"}
    assert len(failed) == 1 and "no subject" in failed[0].data["reason"]
    assert follow_up == "failed"
