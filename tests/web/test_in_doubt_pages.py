"""The sequence's *Sends in doubt* page and its API: the list, the two decisions (CSRF-protected form posts),
and nothing of another workspace."""

from __future__ import annotations

from sqlalchemy import select

from outboard.db.models import Enrollment, Message
from outboard.send.campaigns import StepInput
from tests.send.engine_setup import build_campaign
from tests.web.conftest import api_token, bearer, csrf_token

EMAIL_ONLY = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump")]


def _in_doubt(rt, workspace_id: int) -> tuple[int, list[int]]:
    """A launched sequence whose first sends were cut off (what the claim leaves after a worker crash)."""
    campaign = build_campaign(rt, workspace_id, 2, 2525, with_email=lambda i: True, steps=EMAIL_ONLY,
                              play="cold-email-first")
    ids = []
    with rt.db.transaction() as session:
        for enrollment in session.scalars(select(Enrollment).where(Enrollment.sequence_id == campaign.sequence_id)):
            message = session.scalars(select(Message).where(Message.enrollment_id == enrollment.id)
                                      .order_by(Message.id)).first()
            message.send_state, message.sending_at = "reconcile", rt.clock.now()
            message.sender_account_id, message.smtp_message_id = campaign.email_account_id, f"<ob.{message.id}@x.test>"
            enrollment.state, enrollment.next_due_at, enrollment.waiting_reason = "waiting", None, "reconcile"
            ids.append(message.id)
    return campaign.sequence_id, ids


def test_the_page_lists_sends_in_doubt_and_takes_both_decisions(rt, workspace_id, member_client):
    sequence_id, (first, second) = _in_doubt(rt, workspace_id)
    assert f"/sequences/{sequence_id}/in-doubt" in member_client.get(f"/sequences/{sequence_id}").text
    page = member_client.get(f"/sequences/{sequence_id}/in-doubt").text
    assert f"/sequences/{sequence_id}/in-doubt/{first}" in page and "It was not sent" in page
    url = f"/sequences/{sequence_id}/in-doubt/{first}"
    assert member_client.post(url, data={"decision": "sent"}).status_code == 403  # no CSRF token
    token = csrf_token(member_client, f"/sequences/{sequence_id}/in-doubt")
    response = member_client.post(url, data={"decision": "sent", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    response = member_client.post(f"/sequences/{sequence_id}/in-doubt/{second}",
                                  data={"decision": "not_sent", "csrf_token": token})
    assert "Recorded as not sent" in response.text
    with rt.db.sessions() as session:
        assert session.get(Message, first).send_state == "sent"
        assert session.get(Message, second).send_state == "scheduled"
    again = member_client.post(url, data={"decision": "sent", "csrf_token": token})
    assert "Nothing changed" in again.text and "not waiting for a decision" in again.text


def test_the_api_lists_and_decides_and_refuses_a_bad_decision(rt, db, client, workspace_id, member):
    sequence_id, (first, second) = _in_doubt(rt, workspace_id)
    headers = bearer(api_token(db, member))
    listed = client.get(f"/api/sequences/{sequence_id}/in-doubt", headers=headers).json()
    assert [row["message_id"] for row in listed] == [first, second]
    bad = client.post(f"/api/messages/{first}/decision", json={"decision": "maybe"}, headers=headers)
    assert bad.status_code == 422 and "decision" in bad.text
    ok = client.post(f"/api/messages/{first}/decision", json={"decision": "not_sent"}, headers=headers)
    assert ok.status_code == 200 and ok.json()["send_state"] == "scheduled"
    assert client.post(f"/api/messages/{first}/decision", json={"decision": "sent"},
                       headers=headers).status_code == 409
    assert [r["message_id"] for r in client.get(f"/api/sequences/{sequence_id}/in-doubt", headers=headers).json()] \
        == [second]
