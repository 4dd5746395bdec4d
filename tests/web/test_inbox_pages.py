"""The Inbox in the browser and over the API (conversations, reply by hand through the conversation's
mailbox to a real SMTP sink, correct a label, mark opted out), Settings → Webhooks, and the public route
LinkedIn's API provider posts its signed webhooks to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from outboard.db.models import InboundMessage, Lead, WebhookEndpoint
from outboard.devservers.mx import MxServer
from outboard.inbox.linkedin_events import set_webhook_secret
from outboard.inbox.process import process_pending
from outboard.inbox.store import store_raw
from outboard.send.accounts import add_linkedin_account
from outboard.send.campaigns import StepInput
from outboard.send.channels.linkedin_webhooks import SIGNATURE_HEADER, sign_webhook
from tests.inbox.conftest import reply_to, sent_to
from tests.send.engine_setup import build_campaign, run_days
from tests.web.conftest import api_token, bearer, csrf_token
from tests.web.test_forms import _error_beside

EMAIL_ONLY = [StepInput("email", 0, "always", "intro"), StepInput("email", 3, "no_reply", "bump")]


@pytest.fixture
def sink() -> Iterator[MxServer]:
    with MxServer.sink() as server:
        yield server


@pytest.fixture
def replied(rt, workspace_id, sink):
    """Two leads emailed by the real engine; the first replied asking for a meeting."""
    campaign = build_campaign(rt, workspace_id, 2, sink.port, with_email=lambda i: True, steps=EMAIL_ONLY,
                              play="cold-email-first")
    run_days(rt, 1, step=timedelta(hours=2))
    [ours] = sent_to(sink, "lead0@prospect.test")
    raw = reply_to(rt, ours, "Hi Sam,\n\nInteresting - can we set up a call on Tuesday at 10am?\n\nAnna")
    with rt.db.transaction() as session:
        store_raw(session, workspace_id=workspace_id, account_id=campaign.email_account_id,
                  message_id=make_msgid(domain="prospect.test"), raw=raw, received_at=rt.clock.now())
    process_pending(rt, workspace_id=workspace_id)
    return campaign


def test_the_inbox_lists_conversations_replies_relabels_and_opts_out(admin_client, rt, replied, sink):
    anna, bob = replied.lead_ids
    page = admin_client.get("/inbox")
    assert page.status_code == 200 and f'href="/inbox/{anna}"' in page.text and "meeting request" in page.text
    assert f'href="/inbox/{bob}"' not in page.text
    assert f'href="/inbox/{anna}"' not in admin_client.get("/inbox?label=not_interested").text
    shown = admin_client.get(f"/inbox/{anna}")
    assert "Tuesday at 10am" in shown.text and "wrote:" not in shown.text and "Send the reply" in shown.text
    token = csrf_token(admin_client, f"/inbox/{anna}")

    empty = admin_client.post(f"/inbox/{anna}/reply", data={"body": "   ", "channel": "", "csrf_token": token})
    assert empty.status_code == 422 and "A reply needs some text." in _error_beside(empty.text, "body")
    sent = admin_client.post(f"/inbox/{anna}/reply", data={"body": "Tuesday 10am works.", "channel": "",
                                                            "csrf_token": token}, follow_redirects=False)
    assert sent.status_code == 303
    assert [m for m in sent_to(sink, "lead0@prospect.test") if "Tuesday 10am works." in str(m.message)]
    assert "Reply sent to lead0@prospect.test by email." in admin_client.get(f"/inbox/{anna}").text

    with rt.db.sessions() as session:
        inbound = session.scalars(select(InboundMessage.id).where(InboundMessage.kind == "reply")).one()
    admin_client.post(f"/inbox/messages/{inbound}/label", data={"label": "interested", "csrf_token": token})
    with rt.db.sessions() as session:
        assert session.get(InboundMessage, inbound).label == "interested"

    admin_client.post(f"/inbox/{anna}/opt-out", data={"csrf_token": token})
    with rt.db.sessions() as session:
        assert session.get(Lead, anna).stop_reason == "opted_out"
    refused = admin_client.post(f"/inbox/{anna}/reply", data={"body": "One more thing", "csrf_token": token})
    assert refused.status_code == 422 and "suppression list" in _error_beside(refused.text, "body")
    assert "One more thing" in refused.text
    assert admin_client.get("/inbox/999999").status_code == 404


def test_the_inbox_over_the_api(client, db, admin, rt, replied, other_workspace, sink):
    anna, _ = replied.lead_ids
    headers = bearer(api_token(db, admin))
    [summary] = client.get("/api/inbox", headers=headers).json()
    assert summary["lead_id"] == anna and summary["label"] == "meeting_request"
    assert client.get("/api/inbox?label=interested", headers=headers).json() == []
    assert client.get("/api/inbox?label=happy", headers=headers).status_code == 422
    entries = client.get(f"/api/inbox/{anna}", headers=headers).json()["entries"]
    assert [e["direction"] for e in entries] == ["out", "in"]
    empty = client.post(f"/api/inbox/{anna}/reply", json={"body": ""}, headers=headers)
    assert empty.status_code == 422 and empty.json()["field"] == "body"
    sent = client.post(f"/api/inbox/{anna}/reply", json={"body": "See you Tuesday."}, headers=headers)
    assert sent.status_code == 200 and sent.json()["to"] == "lead0@prospect.test"
    inbound = int(entries[1]["ref"].split(":")[1])
    labelled = client.put(f"/api/inbox/messages/{inbound}/label", json={"label": "none"}, headers=headers)
    assert labelled.json() == {"id": inbound, "label": None, "lead_id": anna}
    assert client.post(f"/api/inbox/{anna}/opt-out", headers=headers).json() == {"lead_id": anna, "opted_out": True}
    assert client.post(f"/api/inbox/{anna}/reply", json={"body": "Hi"}, headers=headers).status_code == 400
    theirs = bearer(api_token(db, other_workspace))
    assert client.get(f"/api/inbox/{anna}", headers=theirs).status_code == 404
    assert client.post(f"/api/inbox/{anna}/reply", json={"body": "x"}, headers=theirs).status_code == 404


def test_webhook_endpoints_are_added_tested_rotated_and_deleted(admin_client, member_client, rt, workspace_id):
    token = csrf_token(admin_client, "/settings/webhooks")
    bad = admin_client.post("/settings/webhooks", data={"url": "ftp://crm.test/hook", "events": ["reply"],
                                                        "csrf_token": token})
    assert bad.status_code == 422 and "Must be https" in _error_beside(bad.text, "url")
    none = admin_client.post("/settings/webhooks", data={"url": "https://crm.test/hook", "csrf_token": token})
    assert none.status_code == 422 and "Choose at least one event." in none.text
    assert 'value="https://crm.test/hook"' in none.text
    added = admin_client.post("/settings/webhooks", data={"url": "http://127.0.0.1:9/hook",
                                                          "events": ["reply", "opt_out"], "csrf_token": token})
    assert added.status_code == 200 and 'id="new-secret"' in added.text and "whsec_" in added.text
    with rt.db.sessions() as session:
        endpoint = session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.events == ["reply", "opt_out"] and endpoint.workspace_id == workspace_id
    listed = admin_client.get("/settings/webhooks").text
    assert "http://127.0.0.1:9/hook" in listed and "whsec_" not in listed  # the secret is shown once
    tested = admin_client.post(f"/settings/webhooks/{endpoint.id}/test", data={"csrf_token": token})
    assert "failed (ConnectError" in tested.text  # port 9 refuses: the test says so
    rotated = admin_client.post(f"/settings/webhooks/{endpoint.id}/rotate", data={"csrf_token": token})
    assert "whsec_" in rotated.text
    with rt.db.sessions() as session:
        assert session.get(WebhookEndpoint, endpoint.id).secret != endpoint.secret
    read_only = member_client.get("/settings/webhooks").text
    assert "http://127.0.0.1:9/hook" in read_only and "Add endpoint" not in read_only and "New secret" not in read_only
    admin_client.post(f"/settings/webhooks/{endpoint.id}/remove", data={"csrf_token": token})
    assert "No webhook endpoint yet." in admin_client.get("/settings/webhooks").text


def test_webhooks_over_the_api(client, db, admin, member, other_workspace):
    headers = bearer(api_token(db, admin))
    assert client.post("/api/webhooks", json={"url": "ftp://x.test"}, headers=headers).json()["field"] == "url"
    assert client.post("/api/webhooks", json={"url": "https://crm.test", "events": ["hello"]},
                       headers=headers).status_code == 422
    created = client.post("/api/webhooks", json={"url": "https://crm.test/hook", "events": ["bounce"]},
                          headers=headers)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    endpoint_id = created.json()["endpoint"]["id"]
    assert "secret" not in client.get("/api/webhooks", headers=headers).json()[0]
    rotated = client.post(f"/api/webhooks/{endpoint_id}/rotate", headers=headers).json()
    assert rotated["secret"] != created.json()["secret"]
    members = bearer(api_token(db, member))
    assert client.delete(f"/api/webhooks/{endpoint_id}", headers=members).status_code == 403
    assert client.delete(f"/api/webhooks/{endpoint_id}", headers=bearer(api_token(db, other_workspace))
                         ).status_code == 404
    assert client.delete(f"/api/webhooks/{endpoint_id}", headers=headers).status_code == 204
    assert client.get("/api/webhooks", headers=headers).json() == []


SECRET = "provider-shared-secret"


@pytest.fixture
def linkedin_account(rt, workspace_id) -> int:
    with rt.db.transaction() as session:
        account = add_linkedin_account(session, workspace_id, rt.secrets, name="Sam via API", profile_id="sam-api",
                                       provider="api", api_base_url="http://127.0.0.1:9", api_key="k",
                                       account_ref="acc-1")
        set_webhook_secret(session, account, rt.secrets, SECRET)
        return account.id


def _post(client, account_id, body: bytes, signature: str | None):
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    return client.post(f"/webhooks/linkedin/{account_id}", content=body, headers=headers)


def test_the_linkedin_provider_webhook_checks_the_signature_then_stores_and_acts(client, rt, workspace_id,
                                                                                  linkedin_account):
    event = json.dumps({"event": "message_received", "account_id": "acc-1", "chat_id": "c1", "message_id": "m1",
                        "message": "Hello there", "timestamp": rt.clock.now().isoformat(), "is_sender": False,
                        "sender": {"attendee_provider_id": "someone"}}).encode()
    assert _post(client, linkedin_account, event, None).status_code == 401
    assert _post(client, linkedin_account, event, sign_webhook("wrong", event)).status_code == 401
    assert _post(client, linkedin_account, b"{not json", sign_webhook(SECRET, b"{not json")).status_code == 400
    assert _post(client, 999999, event, sign_webhook(SECRET, event)).status_code == 404
    assert _post(client, "abc", event, sign_webhook(SECRET, event)).status_code == 404
    other = json.dumps({"event": "message_received", "account_id": "acc-2", "chat_id": "c1", "message_id": "m1",
                        "message": "x", "timestamp": rt.clock.now().isoformat(),
                        "sender": {"attendee_provider_id": "someone"}}).encode()
    assert _post(client, linkedin_account, other, sign_webhook(SECRET, other)).status_code == 400
    with rt.db.sessions() as session:
        assert session.scalars(select(InboundMessage)).all() == []  # nothing refused was stored
    accepted = _post(client, linkedin_account, event, sign_webhook(SECRET, event))
    assert accepted.status_code == 200 and "stored" in accepted.json()["detail"]
    assert _post(client, linkedin_account, event, sign_webhook(SECRET, event)).json()["detail"] == \
        "message already stored"
    assert "set-cookie" not in accepted.headers


def test_the_linkedin_webhook_secret_is_set_from_settings_and_the_api(admin_client, client, db, admin, rt,
                                                                        linkedin_account, workspace_id):
    page = admin_client.get("/settings/webhooks")
    assert f"/webhooks/linkedin/{linkedin_account}" in page.text
    token = csrf_token(admin_client, "/settings/webhooks")
    shown = admin_client.post(f"/settings/webhooks/linkedin/{linkedin_account}/secret", data={"csrf_token": token})
    assert 'id="new-secret"' in shown.text
    answer = client.post(f"/api/webhooks/linkedin/{linkedin_account}/secret", headers=bearer(api_token(db, admin)))
    secret = answer.json()["secret"]
    body = json.dumps({"event": "something_else"}).encode()
    assert _post(client, linkedin_account, body, sign_webhook(secret, body)).status_code == 200
    assert _post(client, linkedin_account, body, sign_webhook(SECRET, body)).status_code == 401  # replaced
