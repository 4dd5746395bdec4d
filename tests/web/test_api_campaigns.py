"""The REST API over the campaign workflow: strategy profiles and accounts, a run and its sequence, steps,
messages (generate, read, edit, approve, reject, bulk approve), readiness, launch, the dashboard, pause and
resume; each with its errors."""

from __future__ import annotations

from sqlalchemy import select

from outboard.db.models import SourceGroup
from tests.web.conftest import api_token, bearer
from tests.write.lab_setup import build_lab

CLAIM = "\n\nCongrats on closing your $40M Series C last week."


def test_strategies_and_accounts_admins_write_members_read(client, db, admin, member):
    boss, staff = bearer(api_token(db, admin)), bearer(api_token(db, member))
    profile = {"name": "CFOs", "sender_name": "Sam", "proof": ["Acme doubled replies"], "tone": "formal"}
    created = client.post("/api/strategies", json=profile, headers=boss)
    assert created.status_code == 201 and created.json()["max_email_words"] == 140 and created.json()["sequences"] == 0
    strategy_id = created.json()["id"]
    duplicate = client.post("/api/strategies", json=profile, headers=boss)
    assert duplicate.status_code == 422 and duplicate.json()["field"] == "name"
    wrong = client.post("/api/strategies", json={**profile, "name": "x", "tone": "loud"}, headers=boss)
    assert wrong.status_code == 422 and wrong.json()["field"] == "tone"
    assert client.post("/api/strategies", json=profile, headers=staff).status_code == 403
    changed = client.put(f"/api/strategies/{strategy_id}", json={**profile, "offer": "an audit"}, headers=boss)
    assert changed.status_code == 200 and changed.json()["offer"] == "an audit"
    assert client.put(f"/api/strategies/{strategy_id}", json=profile, headers=staff).status_code == 403
    assert [s["name"] for s in client.get("/api/strategies", headers=staff).json()] == ["CFOs"]

    mailbox = {"name": "Jo", "address": "jo@sender.test", "from_name": "Jo", "smtp_host": "127.0.0.1",
               "smtp_password": "secret-pw", "limits": {"daily_cap": 25}}
    added = client.post("/api/accounts/email", json=mailbox, headers=boss)
    assert added.status_code == 201 and "secret-pw" not in added.text
    assert added.json()["secrets"] == ["smtp_password"]
    assert client.post("/api/accounts/email", json=mailbox, headers=boss).json()["field"] == "address"
    assert client.post("/api/accounts/email", json={**mailbox, "address": "b@x.test", "limits": {"daily_cap": True}},
                       headers=boss).json()["field"] == "limits.daily_cap"
    linkedin = client.post("/api/accounts/linkedin", json={"name": "Jo", "profile_id": "jo", "provider": "api"},
                           headers=boss)
    assert linkedin.status_code == 422 and linkedin.json()["field"] == "provider"
    account_id = added.json()["id"]
    paused = client.post(f"/api/accounts/{account_id}/pause", json={"reason": "bounce spike"}, headers=boss)
    assert paused.json()["status"] == "paused" and paused.json()["status_reason"] == "bounce spike"
    assert client.post(f"/api/accounts/{account_id}/resume", headers=boss).json()["status"] == "active"
    assert client.post(f"/api/accounts/{account_id}/resume", headers=staff).status_code == 403
    assert client.get(f"/api/accounts/{account_id}", headers=staff).json()["limits"]["daily_cap"] == 25


def test_a_sequence_from_creation_to_launch_over_the_api(client, db, admin, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 2)
    headers = bearer(api_token(db, admin))
    with rt.db.sessions() as session:
        group_id = session.scalar(select(SourceGroup.id).where(SourceGroup.workspace_id == workspace_id))
    groups = client.get("/api/source-groups", headers=headers).json()
    assert groups == [{"id": group_id, "name": "lab leads", "kind": "manual", "leads": 2, "enriched": 2,
                       "eligible": True}]
    run = client.get("/api/runs", headers=headers).json()[0]
    body = {"run_id": run["id"], "name": "API wave", "strategy_profile_id": lab.strategy_id,
            "source_group_ids": [group_id], "schedule": {"days": [0, 1, 2], "start": "08:30", "end": "16:00"},
            "steps": [{"channel": "email", "delay_days": 0, "condition": "always"},
                      {"channel": "email", "delay_days": 3, "intent": "bump"}]}
    bad = client.post("/api/sequences", json={**body, "schedule": {"start": "18:00", "end": "09:00"}}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "schedule.window"
    assert client.post("/api/sequences", json={**body, "steps": [{"channel": "fax", "delay_days": 0}]},
                       headers=headers).json()["field"] == "steps.0.channel"
    assert client.post("/api/sequences", json={**body, "strategy_profile_id": 999999},
                       headers=headers).status_code == 404
    created = client.post("/api/sequences", json=body, headers=headers)
    assert created.status_code == 201, created.text
    sequence = created.json()
    assert sequence["newly_enrolled"] == 2 and [s["day"] for s in sequence["steps"]] == [0, 3]
    assert sequence["steps"][0]["waiting"] == 2 and sequence["enrollments"]["active"] == 2
    sid = sequence["id"]
    assert [s["id"] for s in client.get(f"/api/sequences?run_id={run['id']}", headers=headers).json()] == [
        lab.sequence_id, sid]

    steps = client.put(f"/api/sequences/{sid}/steps", json={"steps": [{"channel": "email", "delay_days": 0},
                                                                      {"channel": "email", "delay_days": 2},
                                                                      {"channel": "email", "delay_days": 5}]},
                       headers=headers)
    assert [s["day"] for s in steps.json()["steps"]] == [0, 2, 7]
    accounts = [a["id"] for a in client.get("/api/accounts", headers=headers).json() if a["kind"] == "email"]
    assert client.put(f"/api/sequences/{sid}/senders", json={"sender_account_ids": accounts},
                      headers=headers).json()["sender_account_ids"] == accounts

    readiness = client.get(f"/api/sequences/{sid}/readiness", headers=headers).json()
    assert readiness["ready"] is False and "messages_missing" in {f["code"] for f in readiness["findings"]}
    refused = client.post(f"/api/sequences/{sid}/launch", json={}, headers=headers)
    assert refused.status_code == 409 and "messages_missing" in {f["code"] for f in refused.json()["findings"]}
    assert client.post(f"/api/sequences/{sid}/launch", json={"overrides": ["messages_missing"]},
                       headers=headers).status_code == 400  # not an overridable finding

    job = client.post(f"/api/sequences/{sid}/messages/generate", json={"sample": 1}, headers=headers)
    assert job.status_code == 202 and job.json()["poll"] == f"/api/jobs/{job.json()['job_id']}"
    assert client.get(job.json()["poll"], headers=headers).json()["state"] == "succeeded"
    assert len(client.get(f"/api/sequences/{sid}/messages", headers=headers).json()) == 3
    client.post(f"/api/sequences/{sid}/messages/generate", json={}, headers=headers)
    messages = client.get(f"/api/sequences/{sid}/messages", headers=headers).json()
    assert len(messages) == 6 and {m["review_state"] for m in messages} == {"draft"}
    first = messages[0]

    detail = client.get(f"/api/messages/{first['id']}", headers=headers).json()
    assert "facts" in detail and detail["revisions"] == []
    edited = client.patch(f"/api/messages/{first['id']}", json={"body": first["body"] + CLAIM}, headers=headers)
    assert edited.status_code == 200 and edited.json()["blocking"] is True and edited.json()["subject"] == first[
        "subject"]
    assert client.get(f"/api/sequences/{sid}/messages?blocking=true", headers=headers).json()[0]["id"] == first["id"]
    refused = client.post(f"/api/messages/{first['id']}/approve", headers=headers)
    assert refused.status_code == 409 and "unsupported_claim" in refused.json()["detail"]
    assert client.patch(f"/api/messages/{first['id']}", json={}, headers=headers).json()["field"] == "edit"
    assert client.post(f"/api/messages/{messages[1]['id']}/reject", json={"reason": "meh"},
                       headers=headers).json()["review_state"] == "rejected"
    bulk = client.post(f"/api/sequences/{sid}/messages/approve", json={}, headers=headers).json()
    assert bulk["approved"] == 4 and bulk["held_back"] == 2 and bulk["reasons"]["rejected"] == 1
    foreign = client.post(f"/api/sequences/{sid}/messages/approve", json={"message_ids": [999999]}, headers=headers)
    assert foreign.status_code == 404
    client.patch(f"/api/messages/{first['id']}", json={"body": first["body"]}, headers=headers)
    assert client.post(f"/api/messages/{first['id']}/approve", headers=headers).json()["review_state"] == "approved"
    assert client.post(f"/api/messages/{messages[1]['id']}/regenerate", headers=headers).status_code == 202
    client.post(f"/api/sequences/{sid}/messages/approve", json={"message_ids": [messages[1]["id"]]}, headers=headers)
    assert client.get(f"/api/sequences/{sid}/readiness", headers=headers).json()["ready"] is True

    launched = client.post(f"/api/sequences/{sid}/launch", json={}, headers=headers)
    assert launched.status_code == 200 and launched.json()["enrolled"] == 2
    assert client.post(f"/api/sequences/{sid}/launch", json={}, headers=headers).status_code == 400
    assert client.patch(f"/api/messages/{first['id']}", json={"body": "late"}, headers=headers).status_code == 409
    assert client.put(f"/api/sequences/{sid}/steps", json={"steps": [{"channel": "email", "delay_days": 0}]},
                      headers=headers).status_code == 400
    dashboard = client.get(f"/api/sequences/{sid}", headers=headers).json()
    assert dashboard["state"] == "active" and dashboard["enrolled"] == 2
    assert client.get(f"/api/runs/{run['id']}", headers=headers).json()["state"] == "active"
    at_step = client.get(f"/api/sequences/{sid}/leads?step=1", headers=headers).json()
    assert len(at_step["items"]) == 2 and at_step["next_cursor"] is None
    assert client.get(f"/api/sequences/{sid}/leads?state=done", headers=headers).status_code == 422

    assert client.post(f"/api/sequences/{sid}/pause", headers=headers).json()["state"] == "paused"
    assert client.post(f"/api/runs/{run['id']}/pause", headers=headers).json()["state"] == "paused"
    blocked = client.post(f"/api/sequences/{sid}/resume", headers=headers)
    assert blocked.status_code == 400 and "resume the run" in blocked.json()["detail"]
    assert client.post(f"/api/runs/{run['id']}/resume", headers=headers).json()["state"] == "active"
    assert client.post(f"/api/sequences/{sid}/resume", headers=headers).json()["state"] == "active"
    assert client.put(f"/api/runs/{run['id']}/play", json={"play_id": "cold-linkedin-first"},
                      headers=headers).status_code == 400  # locked once launched


def test_bad_ids_and_bodies_get_clear_errors(client, db, admin):
    headers = bearer(api_token(db, admin))
    assert client.get("/api/sequences/0", headers=headers).status_code == 404
    huge = client.get("/api/sequences/99999999999999999999", headers=headers)
    assert huge.status_code == 422 and huge.json()["field"] == "sequence_id"
    negative = client.get("/api/leads/-1", headers=headers).json()
    assert negative["field"] == "lead_id" and negative["detail"].startswith("lead_id:")
    missing = client.post("/api/sequences", json={"name": "x"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["field"] == "run_id"
    assert client.get("/api/analytics?run_id=999999", headers=headers).status_code == 404
    schema = client.get("/api/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["paths"]["/sequences/{sequence_id}/launch"]["post"]["responses"]["409"]["content"][
        "application/json"]["schema"]["$ref"].endswith("/LaunchRefusedOut")
