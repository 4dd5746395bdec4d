"""What each sequence and workspace setting a person can set changes in the engine: the primary domain's
readiness warning, sending to catch-all addresses, stopping a replier's colleagues and company days off. Each
setting is stored as the web form, the API and the CLI store it (tests/web/test_sequence_settings.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from outboard.db.models import Company, Enrollment, Lead, Message, Sequence
from outboard.devservers.mx import MxServer
from outboard.send.campaigns import StepInput
from outboard.send.launch import launch, readiness
from outboard.send.reactions import record_reply
from outboard.send.timing import checked_schedule
from outboard.team.compliance import set_primary_domain
from tests.send.engine_setup import build_campaign, run_days

EMAIL_ONLY = [StepInput("email", 0, "always", "intro")]
EMAIL_TWICE = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump")]


@pytest.fixture
def sink():
    with MxServer.sink() as server:
        yield server


def _draft(rt, workspace_id, sink, steps, **settings):
    """A draft email campaign with the sequence's settings as given, then launched."""
    campaign = build_campaign(rt, workspace_id, 2, sink.port, with_email=lambda i: True, steps=steps,
                              play="cold-email-first", do_launch=False, schedule=settings.pop("schedule", None))
    with rt.db.transaction() as session:
        sequence = session.get(Sequence, campaign.sequence_id)
        for name, value in settings.items():
            setattr(sequence, name, value)
    return campaign


def _launch(rt, campaign):
    with rt.db.transaction() as session:
        launch(session, campaign.workspace_id, campaign.sequence_id, rt.clock.now())


def _sent_to(rt) -> dict[int, list[date]]:
    with rt.db.sessions() as session:
        rows = session.execute(select(Enrollment.lead_id, Message.sent_at).join(
            Enrollment, Enrollment.id == Message.enrollment_id).where(Message.send_state == "sent")).all()
    sent: dict[int, list[date]] = {}
    for lead_id, sent_at in rows:
        sent.setdefault(lead_id, []).append(sent_at.date())
    return sent


@pytest.mark.parametrize("primary", ["", "https://www.Outboard-Mail.test/", "acme.test"])
def test_the_primary_domain_warning_appears_only_for_a_mailbox_on_it(rt, workspace_id, sink, primary):
    campaign = _draft(rt, workspace_id, sink, EMAIL_ONLY)  # its mailbox: sam@outboard-mail.test
    with rt.db.transaction() as session:
        stored = set_primary_domain(session, workspace_id, primary)
    with rt.db.sessions() as session:
        codes = {f.code: f for f in readiness(session, session.get(Sequence, campaign.sequence_id), rt.clock.now())}
    assert ("primary_domain" in codes) == (stored == "outboard-mail.test")
    if stored == "outboard-mail.test":
        assert codes["primary_domain"].severity == "warning" and "get-outboard-mail.test" in codes["primary_domain"].fix


@pytest.mark.parametrize("allow", [False, True])
def test_a_catch_all_address_gets_the_email_step_only_when_risky_emails_are_allowed(rt, workspace_id, sink, allow):
    campaign = _draft(rt, workspace_id, sink, EMAIL_ONLY, allow_risky_emails=allow)
    risky, safe = campaign.lead_ids
    with rt.db.transaction() as session:
        session.get(Lead, risky).email_verdict = "catch_all"
    _launch(rt, campaign)
    run_days(rt, 1)
    sent = _sent_to(rt)
    assert safe in sent and (risky in sent) == allow
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == sorted(
        f"lead{i}@prospect.test" for i, lead in enumerate(campaign.lead_ids) if lead in sent)


@pytest.mark.parametrize("stop_colleagues", [False, True])
def test_a_reply_stops_a_colleagues_enrollment_only_when_the_sequence_says_so(rt, workspace_id, sink,
                                                                               stop_colleagues):
    campaign = _draft(rt, workspace_id, sink, EMAIL_TWICE, stop_colleagues_on_reply=stop_colleagues)
    with rt.db.transaction() as session:
        company = Company(workspace_id=workspace_id, name="Prospect GmbH", domain="prospect.test")
        session.add(company)
        session.flush()
        for lead_id in campaign.lead_ids:
            session.get(Lead, lead_id).company_id = company.id
    _launch(rt, campaign)
    run_days(rt, 1)  # the first email to both
    replier, colleague = campaign.lead_ids
    with rt.db.transaction() as session:
        record_reply(session, session.get(Lead, replier), "email", rt.clock.now(), source="test")
    run_days(rt, 5)  # the bump would go out in this time
    with rt.db.sessions() as session:
        states = dict(session.execute(select(Enrollment.lead_id, Enrollment.state).where(
            Enrollment.sequence_id == campaign.sequence_id)).all())
        reason = session.scalar(select(Enrollment.stop_reason).where(Enrollment.lead_id == colleague))
    assert states[replier] == "replied"
    sent = _sent_to(rt)
    assert len(sent[replier]) == 1
    if stop_colleagues:
        assert states[colleague] == "stopped" and reason == "colleague_replied"
        assert len(sent[colleague]) == 1
    else:
        assert states[colleague] == "completed" and len(sent[colleague]) == 2


@pytest.mark.parametrize("days_off", [[], ["2026-03-02"], ["2026-03-02", "2026-03-03"]])
def test_no_email_goes_out_on_a_company_day_off(rt, workspace_id, sink, days_off):
    # The clock starts on Monday 2 March 2026, 08:00 UTC; the leads and the mailbox are on UTC.
    schedule = checked_schedule({"days": "mon,tue,wed,thu,fri", "extra_holidays": days_off})
    campaign = _draft(rt, workspace_id, sink, EMAIL_ONLY, schedule=schedule)
    _launch(rt, campaign)
    run_days(rt, 4)
    first_working_day = date(2026, 3, 2 + len(days_off))
    assert {day for days in _sent_to(rt).values() for day in days} == {first_working_day}
