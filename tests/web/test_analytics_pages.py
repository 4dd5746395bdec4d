"""Analytics: the page's numbers and the API's are the rows in the database, counted here with plain SQL;
the charts are accessible SVG with a table of the same numbers."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from outboard.db.models import Enrollment, Event, InboundMessage, Message, Sequence
from outboard.send.campaigns import sequence_accounts, sequence_steps
from tests.web.conftest import api_token, bearer
from tests.write.lab_setup import build_lab

FIGURE = re.compile(r'<p><span class="figure">([\d,]+)</span> ([a-zA-Z ]+)</p>')


def _campaign(rt, workspace_id: int) -> int:
    """Outcomes over two days, written as the engine and the inbox write them."""
    lab = build_lab(rt, workspace_id, 4)
    now = rt.clock.now()
    with rt.db.transaction() as session:
        session.get(Sequence, lab.sequence_id).state = "active"
        steps = sequence_steps(session, lab.sequence_id)
        email, invite = next(s for s in steps if s.channel == "email"), next(
            s for s in steps if s.channel == "linkedin_invite")
        enrollments = list(session.scalars(select(Enrollment).where(Enrollment.sequence_id == lab.sequence_id)
                                           .order_by(Enrollment.id)))
        for n, enrollment in enumerate(enrollments):
            day = now + timedelta(days=n % 2)
            session.add(Message(workspace_id=workspace_id, enrollment_id=enrollment.id, step_id=email.id,
                                channel="email", body="hi", generator="t", send_state="sent", sent_at=day))
            session.add(Message(workspace_id=workspace_id, enrollment_id=enrollment.id, step_id=invite.id,
                                channel="linkedin_invite", body="hi", generator="t",
                                send_state="sent" if n < 3 else "failed", sent_at=day if n < 3 else None))
        enrollments[0].invite_accepted_at = now + timedelta(days=1)
        enrollments[1].state, enrollments[1].replied_at = "replied", now + timedelta(days=1)
        enrollments[2].state, enrollments[2].stop_reason = "stopped", "opted_out"
        session.add(Event(workspace_id=workspace_id, lead_id=enrollments[2].lead_id, kind="lead_stopped",
                          data={"reason": "opted_out"}, occurred_at=now + timedelta(days=1)))
        session.add(Event(workspace_id=workspace_id, lead_id=enrollments[3].lead_id, kind="email_bounced",
                          data={}, occurred_at=now))
        session.add(Event(workspace_id=workspace_id, lead_id=enrollments[1].lead_id, kind="replied",
                          data={}, occurred_at=now + timedelta(days=1)))
        account_id = sequence_accounts(session, lab.sequence_id)[0].id
        session.add(InboundMessage(workspace_id=workspace_id, account_id=account_id,
                                   message_id="<r1@x>", kind="reply", label="interested", state="processed",
                                   lead_id=enrollments[1].lead_id, received_at=now + timedelta(days=1)))
    return lab.sequence_id


def _database_counts(rt, sequence_id: int) -> dict[str, int]:
    """The same numbers, straight from the rows."""
    with rt.db.sessions() as session:
        sent = dict(session.execute(select(Message.channel, func.count()).join(
            Enrollment, Enrollment.id == Message.enrollment_id).where(
            Enrollment.sequence_id == sequence_id, Message.sent_at.is_not(None)).group_by(Message.channel)).all())
        enrolled = select(Enrollment.lead_id).where(Enrollment.sequence_id == sequence_id)
        one = session.scalar
        return {
            "emails sent": sent.get("email", 0), "invites sent": sent.get("linkedin_invite", 0),
            "replied": one(select(func.count()).where(Enrollment.sequence_id == sequence_id,
                                                      Enrollment.replied_at.is_not(None))),
            "opted out": one(select(func.count()).where(Enrollment.sequence_id == sequence_id,
                                                        Enrollment.stop_reason == "opted_out")),
            "invites accepted": one(select(func.count()).where(Enrollment.sequence_id == sequence_id,
                                                               Enrollment.invite_accepted_at.is_not(None))),
            "bounced": one(select(func.count(func.distinct(Event.lead_id))).where(
                Event.kind == "email_bounced", Event.lead_id.in_(enrolled))),
            "positive replies": one(select(func.count(func.distinct(InboundMessage.lead_id))).where(
                InboundMessage.label.in_(("interested", "meeting_request")), InboundMessage.lead_id.in_(enrolled))),
        }


def test_the_page_and_the_api_count_what_the_database_holds(admin_client, client, db, admin, rt, workspace_id):
    sequence_id = _campaign(rt, workspace_id)
    expected = _database_counts(rt, sequence_id)
    assert expected == {"emails sent": 4, "invites sent": 3, "replied": 1, "opted out": 1, "invites accepted": 1,
                        "bounced": 1, "positive replies": 1}
    page = admin_client.get(f"/analytics?sequence={sequence_id}")
    assert page.status_code == 200
    shown = {label.strip(): int(value.replace(",", "")) for value, label in FIGURE.findall(page.text)}
    assert {k: shown[k] for k in expected} == expected
    assert shown["failed sends"] == 1

    for chart in ("chart-email", "chart-linkedin", "chart-outcomes"):
        assert f'<svg class="chart" id="{chart}" role="img"' in page.text
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page.text
    assert "Totals: Sent 7, Replied 1, Bounced 1." in page.text  # sent: every channel
    table_days = re.findall(r'<tr><th scope="row">(\d{4}-\d\d-\d\d)</th>', page.text)
    assert table_days == ["2026-03-02", "2026-03-03"]
    assert "By step" in page.text and "By sender account" in page.text

    api = client.get(f"/api/analytics?sequence_id={sequence_id}", headers=bearer(api_token(db, admin))).json()
    assert (api["emails_sent"], api["invites_sent"], api["replied"], api["opted_out"], api["invites_accepted"],
            api["bounced"], api["positive_replies"]) == (4, 3, 1, 1, 1, 1, 1)
    assert [(d["day"], d["sent"], d["invites_accepted"], d["positive_replies"], d["opted_out"])
            for d in api["daily"]] == [("2026-03-02", 4, 0, 0, 0), ("2026-03-03", 3, 1, 1, 1)]


def test_analytics_narrow_to_a_step_and_refuse_other_workspaces_ids(admin_client, rt, workspace_id, other_workspace):
    sequence_id = _campaign(rt, workspace_id)
    with rt.db.sessions() as session:
        invite = next(s for s in sequence_steps(session, sequence_id) if s.channel == "linkedin_invite")
    page = admin_client.get(f"/analytics?sequence={sequence_id}&step={invite.position}")
    shown = {label.strip(): int(value) for value, label in FIGURE.findall(page.text)}
    assert shown["emails sent"] == 0 and shown["invites sent"] == 3
    assert admin_client.get("/analytics?run=999999").status_code == 404
    assert admin_client.get("/analytics?sequence=abc").status_code == 404
    fragment = admin_client.get("/analytics", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="analytics-report"' in fragment.text
    assert "Leads by stage" in fragment.text
