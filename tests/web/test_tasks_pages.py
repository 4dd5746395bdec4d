"""Tasks: the manual LinkedIn steps the real scheduler made, with their text to copy, and what the person says
happened (done, accepted, replied)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from outboard.db.models import Enrollment, Lead, LinkedinTask
from outboard.send.campaigns import StepInput
from outboard.send.launch import launch
from outboard.send.scheduler import tick
from tests.send.engine_setup import build_campaign
from tests.web.conftest import api_token, bearer, csrf_token

LINKEDIN_ONLY = [StepInput("linkedin_invite", 0, "always", "connect"),
                 StepInput("linkedin_message", 1, "no_reply", "thanks")]


def _tick_until_tasks(rt, workspace_id: int, expected: int) -> None:
    """Run the real scheduler over simulated time until the sending window opens and the tasks are made."""
    for _ in range(96):
        while tick(rt).leased:
            pass
        if len(_tasks(rt, workspace_id)) >= expected:
            return
        rt.clock.advance(timedelta(minutes=30))
    raise AssertionError("the scheduler made no task within two days")


def _tasks(rt, workspace_id: int) -> dict[int, LinkedinTask]:
    with rt.db.sessions() as session:
        return {t.id: t for t in session.scalars(select(LinkedinTask).where(LinkedinTask.workspace_id == workspace_id))}


def test_due_tasks_are_listed_with_copy_buttons_and_marked(admin_client, client, db, admin, rt, workspace_id):
    campaign = build_campaign(rt, workspace_id, 3, smtp_port=9, steps=LINKEDIN_ONLY)
    _tick_until_tasks(rt, workspace_id, 3)
    tasks = _tasks(rt, workspace_id)
    assert len(tasks) == 3 and {t.kind for t in tasks.values()} == {"linkedin_invite"}
    page = admin_client.get("/tasks")
    assert page.status_code == 200 and "To do <span class=\"count\">3</span>" in page.text
    first, second, third = sorted(tasks)
    assert f'data-copy="task-{first}-text"' in page.text and "Lead Number0" in page.text
    assert 'src="/static/clipboard.js' in page.text and admin_client.get("/static/clipboard.js").status_code == 200
    token = csrf_token(admin_client, "/tasks")

    done = admin_client.post(f"/tasks/{first}", data={"action": "done", "csrf_token": token})
    assert f"Task {first} marked as sent." in done.text
    assert "Invites waiting for an answer <span class=\"count\">1</span>" in done.text
    accepted = admin_client.post(f"/tasks/{second}", data={"action": "accepted", "csrf_token": token})
    assert "marked as accepted" in accepted.text
    replied = admin_client.post(f"/tasks/{third}", data={"action": "replied", "csrf_token": token})
    assert "the lead's automated steps stop" in replied.text.replace("&#39;", "'")
    odd = admin_client.post(f"/tasks/{first}", data={"action": "deleted", "csrf_token": token})
    assert "Choose done, accepted or replied." in odd.text
    states = {i: t.state for i, t in _tasks(rt, workspace_id).items()}
    assert states == {first: "done", second: "accepted", third: "replied"}
    with rt.db.sessions() as session:
        lead_states = {e.lead_id: (e.state, e.invite_accepted_at is not None) for e in session.scalars(
            select(Enrollment).where(Enrollment.sequence_id == campaign.sequence_id))}
    assert sorted(lead_states.values()) == [("active", False), ("active", True), ("replied", False)]

    # The same through the API.
    headers = bearer(api_token(db, admin))
    listed = client.get("/api/tasks", headers=headers).json()
    assert [t["id"] for t in listed] == [first]  # done invites wait for acceptance; the rest are final
    assert listed[0]["lead"] == "Lead Number0" and listed[0]["step"] == 1
    marked = client.post(f"/api/tasks/{first}/mark", json={"action": "accepted"}, headers=headers)
    assert marked.status_code == 200 and marked.json()["state"] == "accepted"
    assert client.post(f"/api/tasks/{first}/mark", json={"action": "nope"}, headers=headers).status_code == 422
    assert client.post("/api/tasks/999999/mark", json={"action": "done"}, headers=headers).status_code == 404


def test_a_message_task_can_only_be_done_or_replied(admin_client, rt, workspace_id):
    campaign = build_campaign(rt, workspace_id, 1, smtp_port=9, do_launch=False,
                              steps=[StepInput("linkedin_message", 0, "always", "thanks")])
    with rt.db.transaction() as session:  # a 1st-degree connection already: the message step can go
        for lead in session.scalars(select(Lead).where(Lead.workspace_id == workspace_id)):
            lead.linkedin_connected_at = rt.clock.now()
    with rt.db.transaction() as session:
        launch(session, workspace_id, campaign.sequence_id, rt.clock.now())
    _tick_until_tasks(rt, workspace_id, 1)
    (task_id,) = _tasks(rt, workspace_id)
    page = admin_client.get("/tasks").text
    assert "Message to paste" in page and re.search(rf'/tasks/{task_id}".*?Invite accepted', page, re.S) is None
    token = csrf_token(admin_client, "/tasks")
    refused = admin_client.post(f"/tasks/{task_id}", data={"action": "accepted", "csrf_token": token})
    assert f"Task {task_id} not changed: action: only an invite can be accepted" in refused.text
    with rt.db.sessions() as session:
        assert session.get(LinkedinTask, task_id).state == "open"  # the refusal changed nothing
