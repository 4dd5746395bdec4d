"""Webhook events out (reply, bounce, opt-out) for CRMs: an outbox, signed deliveries, retries with backoff.

A delivery row is written in the same transaction as the event it reports (`enqueue`), so an event is
never lost and never reported without having happened. The worker sends what is due
(`send_pending_webhooks`): each POST carries `X-Outboard-Signature: sha256=<hex HMAC-SHA256 of the raw
body>` made with the endpoint's secret, and is retried with exponential backoff until a 2xx answer or
MAX_ATTEMPTS. The body has an `id`, so a receiver can drop a delivery it has already seen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, ValidationError
from outboard.db.models import WebhookDelivery, WebhookEndpoint
from outboard.db.timeline import record
from outboard.runtime import Runtime
from outboard.secrets import SecretBox

EVENTS = ("reply", "bounce", "opt_out")
SIGNATURE_HEADER = "X-Outboard-Signature"
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
LEASE = timedelta(minutes=2)  # a worker that dies mid-POST gives the delivery back after this
TIMEOUT = 10.0
_LOOPBACK = ("http://127.0.0.1", "http://localhost", "http://[::1]")


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    pending: int = 0
    failed: int = 0


@dataclass
class DeliveryStats:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def sign(secret: str | bytes, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """For receivers (and our tests): constant-time check over the exact bytes received."""
    return bool(header) and hmac.compare_digest(sign(secret, body).encode(), str(header).strip().encode())


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 6 h: after the n-th failed attempt."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _check_url(url: str) -> str:
    url = url.strip()
    if not (url.startswith("https://") or url.startswith(_LOOPBACK)):
        raise ValidationError("url", "must be https (plain http only on this machine)", value=url)
    if len(url) > 1000:
        raise ValidationError("url", "is longer than 1000 characters")
    return url


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


def add_endpoint(session: Session, workspace_id: int, box: SecretBox, url: str, *,
                 events: list[str] | None = None, secret: str | None = None) -> tuple[WebhookEndpoint, str]:
    """A new endpoint; returns it with its signing secret in clear (shown once, stored sealed)."""
    chosen = list(events or EVENTS)
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise ValidationError("events", f"unknown event {unknown[0]!r}; known: {', '.join(EVENTS)}")
    secret = secret or _new_secret()
    endpoint = WebhookEndpoint(workspace_id=workspace_id, url=_check_url(url), secret=box.seal(secret),
                               events=chosen, active=True)
    session.add(endpoint)
    session.flush()
    record(session, workspace_id, "webhook_endpoint_added", subject=f"webhook:{endpoint.id}", url=endpoint.url)
    return endpoint, secret


def list_endpoints(session: Session, workspace_id: int) -> list[EndpointView]:
    views = []
    for endpoint in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.workspace_id == workspace_id)
                                    .order_by(WebhookEndpoint.id)):
        states = list(session.scalars(select(WebhookDelivery.state).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state.in_(("pending", "failed")))))
        views.append(EndpointView(endpoint.id, endpoint.url, list(endpoint.events), endpoint.active,
                                  endpoint.created_at, states.count("pending"), states.count("failed")))
    return views


def endpoint_of(session: Session, workspace_id: int, endpoint_id: int) -> WebhookEndpoint:
    """The workspace's endpoint; NotFound for another workspace's, as for a missing one."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.workspace_id != workspace_id:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return endpoint


def remove_endpoint(session: Session, workspace_id: int, endpoint_id: int) -> None:
    """Delete the endpoint and its deliveries (sent or not)."""
    endpoint = endpoint_of(session, workspace_id, endpoint_id)
    for delivery in session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)):
        session.delete(delivery)
    session.delete(endpoint)
    record(session, workspace_id, "webhook_endpoint_removed", subject=f"webhook:{endpoint_id}")


def set_endpoint_active(session: Session, workspace_id: int, endpoint_id: int, active: bool) -> None:
    endpoint_of(session, workspace_id, endpoint_id).active = active


def rotate_secret(session: Session, workspace_id: int, box: SecretBox, endpoint_id: int) -> str:
    """A new signing secret for the endpoint (sealed at rest); returned in clear, to be shown once."""
    endpoint = endpoint_of(session, workspace_id, endpoint_id)
    secret = _new_secret()
    endpoint.secret = box.seal(secret)
    record(session, workspace_id, "webhook_secret_rotated", subject=f"webhook:{endpoint.id}")
    return secret


def send_test(rt: Runtime, workspace_id: int, endpoint_id: int) -> str | None:
    """POST a signed `test` event to the endpoint now, exactly as a real delivery goes; None when it
    answered 2xx, else what went wrong. Nothing is stored."""
    with rt.db.sessions() as session:
        endpoint = endpoint_of(session, workspace_id, endpoint_id)
        url, secret = endpoint.url, rt.secrets.open(endpoint.secret).reveal()
    payload = {"id": f"evt_test_{uuid.uuid4().hex}", "event": "test", "created_at": rt.clock.now().isoformat(),
               "workspace_id": workspace_id, "data": {"message": "A test delivery from Outboard's settings."}}
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        return _post(client, _Due(0, url, secret, "test", body_of(payload)))


def enqueue(session: Session, workspace_id: int, event: str, data: dict[str, Any], now: datetime) -> int:
    """One pending delivery per active endpoint that wants this event, in the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [e for e in session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.active.is_(True))) if event in e.events]
    for endpoint in endpoints:
        payload = {"id": f"evt_{uuid.uuid4().hex}", "event": event, "created_at": now.isoformat(),
                   "workspace_id": workspace_id, "data": data}
        session.add(WebhookDelivery(endpoint_id=endpoint.id, event_kind=event, payload=payload, state="pending",
                                    attempts=0, next_attempt_at=now))
    return len(endpoints)


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: the same on every retry."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


@dataclass(frozen=True)
class _Due:
    id: int
    url: str
    secret: str
    event: str
    body: bytes


def _lease(rt: Runtime, limit: int) -> list[_Due]:
    now = rt.clock.now()
    with rt.db.transaction() as session:
        query = (select(WebhookDelivery, WebhookEndpoint).join(WebhookEndpoint,
                                                                WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                 .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now,
                        WebhookEndpoint.active.is_(True))
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
        if rt.db.is_postgres:
            query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
        due = []
        box = rt.secrets
        for delivery, endpoint in session.execute(query).all():
            delivery.next_attempt_at = now + LEASE
            due.append(_Due(delivery.id, endpoint.url, box.open(endpoint.secret).reveal(), delivery.event_kind,
                            body_of(delivery.payload)))
        return due


def _post(client: httpx.Client, due: _Due) -> str | None:
    """None when delivered, else what went wrong."""
    headers = {"Content-Type": "application/json", "User-Agent": "Outboard-Webhooks/1",
               "X-Outboard-Event": due.event, "X-Outboard-Delivery": str(due.id),
               SIGNATURE_HEADER: sign(due.secret, due.body)}
    try:
        response = client.post(due.url, content=due.body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code} {response.text[:200]}".strip()


def send_pending_webhooks(rt: Runtime, *, limit: int = 50) -> DeliveryStats:
    """Send what is due now; called by the worker loop. Never raises for a receiver's problem."""
    stats = DeliveryStats()
    due = _lease(rt, limit)
    if not due:
        return stats
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        for item in due:
            error = _post(client, item)
            stats.attempted += 1
            with rt.db.transaction() as session:
                delivery = session.get(WebhookDelivery, item.id)
                if delivery is None or delivery.state != "pending":
                    continue
                endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
                _finish(session, delivery, endpoint, error, rt.clock.now(), stats)
    return stats


def _finish(session: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint | None, error: str | None,
            now: datetime, stats: DeliveryStats) -> None:
    delivery.attempts += 1
    if error is None:
        delivery.state, delivery.next_attempt_at, delivery.last_error = "delivered", None, None
        stats.delivered += 1
        return
    delivery.last_error = error[:1000]
    stats.errors.append(error)
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = "failed", None
        stats.failed += 1
        if endpoint is not None:
            record(session, endpoint.workspace_id, "webhook_failed", subject=f"webhook:{endpoint.id}",
                   delivery=delivery.id, attempts=delivery.attempts, error=error[:300])
        return
    delivery.next_attempt_at = now + backoff(delivery.attempts)
    stats.retrying += 1
