"""The Messaging Lab in the browser: generate previews in a job, review a message beside the facts it uses,
edit (the guardrails speak again), approve, reject, regenerate, bulk approve, readiness and launch with an
override."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from outboard.db.models import Enrollment, Message, Sequence, SourceGroup
from outboard.send.campaigns import create_sequence, sequence_accounts
from outboard.send.launch import enroll_leads
from tests.web.conftest import csrf_token
from tests.write.lab_setup import build_lab

HTMX = {"HX-Request": "true"}
CLAIM = "\n\nCongrats on closing your $40M Series C last week."


def _messages(client, sequence_id: int) -> list[int]:
    return [int(i) for i in re.findall(r'href="/messages/(\d+)"', client.get(f"/sequences/{sequence_id}/lab").text)]


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{name}-error">(.*?)</p>', page, re.S)
    assert found, f"no message beside {name}"
    return html.unescape(found.group(1))


def test_previews_are_written_in_a_job_and_the_list_comes_back_with_it(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 4)
    url = f"/sequences/{lab.sequence_id}/lab"
    page = admin_client.get(url).text
    assert "Generate previews" in page and '<span class="figure">0</span> of 16 messages written' in page
    token = csrf_token(admin_client, url)

    for sample, words in (("0", "Enter a whole number from 1 to 200."), ("lots", "Enter a whole number")):
        refused = admin_client.post(f"{url}/generate", data={"what": "sample", "sample": sample, "csrf_token": token},
                                    headers=HTMX)
        assert refused.status_code == 422 and refused.headers["HX-Retarget"] == "#generate"
        assert words in _field_error(refused.text, "sample") and f'value="{sample}"' in refused.text

    started = admin_client.post(f"{url}/generate", data={"what": "sample", "sample": "2", "csrf_token": token},
                                headers=HTMX)
    assert started.status_code == 200 and "<html" not in started.text
    assert "Writing messages" in started.text and "succeeded" in started.text  # the test runs jobs inline
    assert 'id="lab-messages" aria-label="Messages by lead" hx-swap-oob="true"' in started.text
    assert 'id="lab-counts" class="figures" hx-swap-oob="true"' in started.text
    with rt.db.sessions() as session:
        written = session.scalar(select(func.count()).select_from(Message))
    assert written > 0 and len(set(re.findall(r'href="/messages/(\d+)"', started.text))) == written

    plain = admin_client.post(f"{url}/generate", data={"what": "all", "sample": "", "csrf_token": token},
                              follow_redirects=False)
    assert plain.status_code == 303 and "?job=" in plain.headers["location"]
    after = admin_client.get(plain.headers["location"]).text
    assert "Writing messages" in after and "not written yet" not in after
    job_id = re.search(r"job=(\d+)", plain.headers["location"]).group(1)
    polled = admin_client.get(f"{url}/jobs/{job_id}", headers=HTMX)
    assert polled.status_code == 200 and "hx-trigger" not in polled.text.split('id="lab-counts"')[0]

    filtered = admin_client.get(f"{url}?state=approved", headers=HTMX)
    assert "<html" not in filtered.text and "No lead has a approved message." in filtered.text


def test_a_message_is_reviewed_beside_its_facts_edited_approved_rejected_and_regenerated(admin_client, rt,
                                                                                          workspace_id):
    lab = build_lab(rt, workspace_id, 2)
    token = csrf_token(admin_client, f"/sequences/{lab.sequence_id}/lab")
    admin_client.post(f"/sequences/{lab.sequence_id}/lab/generate", data={"what": "all", "csrf_token": token})
    first, second = _messages(admin_client, lab.sequence_id)[:2]

    panel = admin_client.get(f"/messages/{first}", headers=HTMX)
    assert panel.status_code == 200 and "<html" not in panel.text
    assert "Hooks and the facts they came from" in panel.text and "Fact used" in panel.text
    assert f'id="msg-{first}-state" class="review review-draft" hx-swap-oob="true"' in panel.text
    assert "<html" in admin_client.get(f"/messages/{first}").text  # without htmx: a whole page
    with rt.db.sessions() as session:
        body = session.get(Message, first).body
        subject = session.get(Message, first).subject or ""

    edited = admin_client.post(f"/messages/{first}/edit", data={"subject": subject, "body": body + CLAIM,
                                                               "csrf_token": token}, headers=HTMX)
    assert edited.status_code == 200 and "The guardrails found something to fix" in edited.text
    assert "needs a fix before approval" in edited.text and "Guardrail findings" in edited.text
    refused = admin_client.post(f"/messages/{first}/approve", data={"csrf_token": token}, headers=HTMX)
    assert refused.status_code == 409 and "Not approved: fix these guardrail findings first" in refused.text
    empty = admin_client.post(f"/messages/{first}/edit", data={"subject": subject, "body": "  ",
                                                              "csrf_token": token}, headers=HTMX)
    assert empty.status_code == 422 and "A message needs a body." in _field_error(empty.text, "body")

    fixed = admin_client.post(f"/messages/{first}/edit", data={"subject": subject, "body": body,
                                                              "csrf_token": token}, headers=HTMX)
    assert "Saved as edited" in fixed.text and "needs a fix" not in fixed.text
    approved = admin_client.post(f"/messages/{first}/approve", data={"csrf_token": token}, headers=HTMX)
    assert approved.status_code == 200 and "Approved." in approved.text
    assert f'id="msg-{first}-state" class="review review-approved" hx-swap-oob="true"' in approved.text
    assert "Earlier versions (" in approved.text  # the edit history

    rejected = admin_client.post(f"/messages/{second}/reject", data={"reason": "too generic", "csrf_token": token},
                                 headers=HTMX)
    assert "Rejected: it blocks launch" in rejected.text
    regenerated = admin_client.post(f"/messages/{second}/regenerate", data={"csrf_token": token}, headers=HTMX)
    assert "Regenerated from the lead's current data." in html.unescape(regenerated.text)
    with rt.db.sessions() as session:
        assert session.get(Message, second).review_state == "draft"
        assert session.get(Message, first).review_state == "approved"
    assert admin_client.get("/messages/999999", headers=HTMX).status_code == 404


def test_bulk_approve_reports_what_it_held_back_and_why(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 2)
    token = csrf_token(admin_client, f"/sequences/{lab.sequence_id}/lab")
    admin_client.post(f"/sequences/{lab.sequence_id}/lab/generate", data={"what": "all", "csrf_token": token})
    ids = _messages(admin_client, lab.sequence_id)
    admin_client.post(f"/messages/{ids[0]}/reject", data={"csrf_token": token})
    with rt.db.sessions() as session:
        body = session.get(Message, ids[1]).body
    admin_client.post(f"/messages/{ids[1]}/edit", data={"body": body + CLAIM, "csrf_token": token})
    report = admin_client.post(f"/sequences/{lab.sequence_id}/lab/approve", data={"csrf_token": token})
    assert report.status_code == 200
    text = html.unescape(report.text)
    assert f"<strong>{len(ids) - 2} approved</strong>" in text and "<strong>2 held back</strong>" in text
    assert "rejected (1)" in text and "unsupported claim (1)" in text
    assert f"Message {ids[0]}</a>: rejected by a reviewer" in text


def _approve_everything(client, sequence_id: int, token: str) -> None:
    client.post(f"/sequences/{sequence_id}/lab/generate", data={"what": "all", "csrf_token": token})
    client.post(f"/sequences/{sequence_id}/lab/approve", data={"csrf_token": token})


def test_readiness_lists_fixes_and_launch_takes_ticked_overrides(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 2)
    url = f"/sequences/{lab.sequence_id}"
    token = csrf_token(admin_client, url + "/lab")
    waiting = admin_client.get(url + "/lab").text
    assert f'hx-get="{url}/readiness" hx-trigger="load"' in waiting  # loaded after the page
    findings = admin_client.get(url + "/readiness", headers=HTMX).text
    assert "<html" not in findings and "messages are not generated yet" in findings
    assert "Fix: generate them in the Messaging Lab" in findings
    refused = admin_client.post(url + "/launch", data={"csrf_token": token}, headers=HTMX)
    assert refused.status_code == 409 and "Not launched" in refused.text

    _approve_everything(admin_client, lab.sequence_id, token)
    launched = admin_client.post(url + "/launch", data={"csrf_token": token}, headers=HTMX)
    assert launched.status_code == 204 and launched.headers["HX-Redirect"] == url
    dashboard = admin_client.get(url).text
    assert "Launched: 2 leads start at their first step" in dashboard and "state-active" in dashboard

    # A second sequence over the same leads: blocked by the first, unless the user ticks the override.
    with rt.db.transaction() as session:
        first = session.get(Sequence, lab.sequence_id)
        group_id = session.scalar(select(SourceGroup.id).where(SourceGroup.workspace_id == workspace_id))
        accounts = [a.id for a in sequence_accounts(session, first.id)]
        second = create_sequence(session, workspace_id, first.run_id, "Again", lab.strategy_id, [group_id], accounts)
        enroll_leads(session, second)
        second_id = second.id
    second_url = f"/sequences/{second_id}"
    _approve_everything(admin_client, second_id, token)
    blocked = admin_client.get(second_url + "/readiness", headers=HTMX).text
    assert "already active in another run" in blocked and 'name="overrides" value="active_elsewhere"' in blocked
    assert admin_client.post(second_url + "/launch", data={"csrf_token": token}).status_code == 409
    ok = admin_client.post(second_url + "/launch", data={"overrides": ["active_elsewhere"], "csrf_token": token},
                           follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == second_url
    with rt.db.sessions() as session:
        assert session.get(Sequence, second_id).state == "active"
        assert session.scalar(select(func.count()).where(Enrollment.sequence_id == second_id)) == 2
    locked = admin_client.post(f"/messages/{_messages(admin_client, second_id)[0]}/approve",
                               data={"csrf_token": token}, headers=HTMX)
    assert locked.status_code == 409 and "locked once it is launched" in locked.text


def test_sender_accounts_are_chosen_in_the_lab(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 1)
    url = f"/sequences/{lab.sequence_id}/lab"
    page = admin_client.get(url).text
    chosen = re.findall(r'name="senders" value="(\d+)" checked', page)
    assert len(chosen) == 2
    saved = admin_client.post(f"/sequences/{lab.sequence_id}/senders",
                              data={"senders": [chosen[0]], "csrf_token": csrf_token(admin_client, url)})
    assert "Sender accounts of this sequence:" in saved.text
    assert re.findall(r'name="senders" value="(\d+)" checked', saved.text) == [chosen[0]]
    enrolled = admin_client.post(f"/sequences/{lab.sequence_id}/enroll",
                                 data={"csrf_token": csrf_token(admin_client, url)})
    assert "No new lead in the source groups." in enrolled.text
