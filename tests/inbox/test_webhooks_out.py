"""Webhook events out: queued in the same transaction as the reply, bounce or opt-out, delivered by the
worker to a real HTTP server on loopback, signed with HMAC-SHA256, retried with backoff, given up after
MAX_ATTEMPTS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import func, select

from outboard.core.errors import ValidationError
from outboard.db.models import Event, WebhookDelivery
from outboard.devservers.http import HttpDevServer
from outboard.inbox.tasks import sync_one
from outboard.inbox.webhooks_out import (
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    add_endpoint,
    backoff,
    list_endpoints,
    remove_endpoint,
    send_pending_webhooks,
    verify_signature,
)
from outboard.send.campaigns import StepInput
from tests.inbox.conftest import MAILBOX_USER, connect_mailbox, reply_to, sent_to
from tests.send.engine_setup import build_campaign, run_days


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then 200) and keeps what it received."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/outboard"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = state.statuses.pop(0) if state.statuses else 200
            state.received.append((dict(self.headers), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with HttpDevServer(Handler, "webhook-receiver") as server:
        state.port = server.port
        yield state


def _replied(rt, workspace_id, sink, imap, text="Interested - can we talk on Tuesday at 10am?"):
    campaign = build_campaign(rt, workspace_id, 1, sink.port, with_email=lambda i: True,
                              steps=[StepInput("email", 0, "always", "intro")], play="cold-email-first")
    connect_mailbox(rt, campaign.email_account_id, imap)
    run_days(rt, 1, step=timedelta(hours=2))
    [ours] = sent_to(sink, "lead0@prospect.test")
    imap.append(MAILBOX_USER, reply_to(rt, ours, text), when=rt.clock.now())
    sync_one(rt, campaign.email_account_id)
    return campaign


def test_a_reply_event_is_signed_retried_with_backoff_and_delivered(rt, workspace_id, sink, imap, receiver):
    with rt.db.transaction() as session:
        endpoint, secret = add_endpoint(session, workspace_id, rt.secrets, receiver.url, events=["reply", "opt_out"])
        endpoint_id = endpoint.id
    campaign = _replied(rt, workspace_id, sink, imap)
    with rt.db.sessions() as session:
        [delivery] = session.scalars(select(WebhookDelivery)).all()
        assert delivery.state == "pending" and delivery.event_kind == "reply"
    receiver.statuses = [500, 503]
    assert send_pending_webhooks(rt).retrying == 1
    assert send_pending_webhooks(rt).attempted == 0, "retried before its backoff"
    rt.clock.advance(backoff(1) + timedelta(seconds=1))
    assert send_pending_webhooks(rt).retrying == 1
    rt.clock.advance(backoff(2) + timedelta(seconds=1))
    assert send_pending_webhooks(rt).delivered == 1
    bodies = {body for _, body, _ in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1, "each retry must send the same bytes"
    headers, body, _ = receiver.received[-1]
    assert verify_signature(secret, body, headers[SIGNATURE_HEADER])
    assert not verify_signature("another-secret", body, headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["event"] == "reply" and payload["id"].startswith("evt_")
    assert payload["data"]["lead"]["id"] == campaign.lead_ids[0]
    assert payload["data"]["message"]["label"] == "meeting_request"
    assert "Tuesday" in payload["data"]["message"]["text"]
    with rt.db.sessions() as session:
        delivery = session.get(WebhookDelivery, delivery.id)
        assert delivery.state == "delivered" and delivery.attempts == 3
        [view] = list_endpoints(session, workspace_id)
        assert view.id == endpoint_id and view.pending == 0 and view.events == ["reply", "opt_out"]


def test_a_dead_endpoint_is_given_up_after_max_attempts_and_endpoints_are_checked(rt, workspace_id, sink, imap,
                                                                                   receiver):
    with rt.db.transaction() as session:
        with pytest.raises(ValidationError):
            add_endpoint(session, workspace_id, rt.secrets, "http://crm.example.com/hook")  # https only
        with pytest.raises(ValidationError):
            add_endpoint(session, workspace_id, rt.secrets, "https://crm.example.com/hook", events=["clicked"])
        endpoint, _secret = add_endpoint(session, workspace_id, rt.secrets, receiver.url)
        endpoint_id = endpoint.id
    _replied(rt, workspace_id, sink, imap, text="Please remove me from your list.")
    receiver.statuses = [500] * MAX_ATTEMPTS
    for attempt in range(1, MAX_ATTEMPTS + 1):
        send_pending_webhooks(rt)
        rt.clock.advance(backoff(attempt) + timedelta(seconds=1))
    with rt.db.sessions() as session:
        [delivery] = session.scalars(select(WebhookDelivery)).all()
        assert delivery.event_kind == "opt_out"
        assert delivery.state == "failed" and delivery.attempts == MAX_ATTEMPTS and "500" in delivery.last_error
        assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == "webhook_failed")) == 1
    assert send_pending_webhooks(rt).attempted == 0
    with rt.db.transaction() as session:
        remove_endpoint(session, workspace_id, endpoint_id)
    with rt.db.sessions() as session:
        assert list_endpoints(session, workspace_id) == []
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
