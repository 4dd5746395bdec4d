"""LinkedIn replies and new relations from the API provider (the local Unipile-style server): signed
webhooks POSTed to a real HTTP route on loopback that calls `handle_linkedin_webhook`, and polling when
webhooks are missed. They move and stop sequences exactly as email does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from sqlalchemy import func, select

from outboard.db.models import Enrollment, Event, InboundMessage, Lead, Suppression
from outboard.devservers.http import HttpDevServer
from outboard.devservers.linkedin_api import LinkedInApiServer
from outboard.inbox.linkedin_events import handle_linkedin_webhook, poll_linkedin_account, set_webhook_secret
from outboard.inbox.process import process_pending
from outboard.send.accounts import add_linkedin_account
from outboard.send.campaigns import StepInput
from outboard.send.channels.linkedin_webhooks import SIGNATURE_HEADER
from tests.send.engine_setup import build_campaign, run_days

SECRET = "shared-webhook-secret"
STEPS = [StepInput("linkedin_invite", 0, "always", "connect"), StepInput("linkedin_message", 1, "no_reply", "intro"),
         StepInput("email", 2, "no_reply", "bump")]


@dataclass
class Route:
    """What the web app will mount: POST /webhooks/linkedin/<account> → handle_linkedin_webhook."""

    rt: object
    workspace_id: int
    account_id: int = 0
    port: int = 0
    answers: list[tuple[int, str]] = field(default_factory=list)
    bodies: list[tuple[bytes, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/linkedin"


@pytest.fixture
def route(rt, workspace_id) -> Iterator[Route]:
    state = Route(rt, workspace_id)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            signature = self.headers.get(SIGNATURE_HEADER) or ""
            state.bodies.append((body, signature))
            with rt.db.transaction() as session:
                result = handle_linkedin_webhook(session, state.workspace_id, state.account_id, body, signature,
                                                 rt.clock.now(), box=rt.secrets)
            state.answers.append((result.status, result.outcome))
            self.send_response(result.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with HttpDevServer(Handler, "webhook-route") as server:
        state.port = server.port
        yield state


@pytest.fixture
def provider(rt, route) -> Iterator[LinkedInApiServer]:
    with LinkedInApiServer(webhook_url=route.url, webhook_secret=SECRET, clock=rt.clock) as server:
        yield server


def _api_account(rt, workspace_id, provider, route) -> int:
    with rt.db.transaction() as session:
        account = add_linkedin_account(session, workspace_id, rt.secrets, name="Sam via API", profile_id="sam-api",
                                       provider="api", api_base_url=provider.base_url, api_key=provider.api_key,
                                       account_ref=provider.account_id)
        set_webhook_secret(session, account, rt.secrets, SECRET)
        route.account_id = account.id
        return account.id


def _enrollment(rt, lead_id) -> Enrollment:
    with rt.db.sessions() as session:
        return session.scalars(select(Enrollment).where(Enrollment.lead_id == lead_id)).one()


def _count(rt, kind: str, lead_id: int) -> int:
    with rt.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.kind == kind,
                                                                            Event.lead_id == lead_id)) or 0


def test_signed_webhooks_move_and_stop_the_sequence_and_replays_or_forgeries_change_nothing(rt, workspace_id, sink,
                                                                                            route, provider):
    campaign = build_campaign(rt, workspace_id, 2, sink.port, with_email=lambda i: True, steps=STEPS)
    account_id = _api_account(rt, workspace_id, provider, route)
    anna = provider.add_profile("lead-number-0", "Lead", "Number0")
    run_days(rt, 1, accept=lambda lead_id: False, step=timedelta(hours=2))
    anna_id = campaign.lead_ids[0]
    assert _enrollment(rt, anna_id).waiting_reason == "invite_pending"

    provider.accept_invitation(anna)
    assert route.answers[-1][0] == 200 and "accepted" in route.answers[-1][1]
    enrollment = _enrollment(rt, anna_id)
    assert enrollment.invite_accepted_at is not None and enrollment.waiting_reason is None
    run_days(rt, 2, accept=lambda lead_id: False, step=timedelta(hours=2))  # the message task goes out

    provider.reply(anna, "Thanks for connecting! Happy to talk next week - are you free Tuesday at 3pm?")
    assert route.answers[-1][0] == 200
    assert _enrollment(rt, anna_id).state == "replied"
    with rt.db.sessions() as session:
        assert session.get(Lead, anna_id).stage == "replied"
        row = session.scalars(select(InboundMessage).where(InboundMessage.kind == "reply")).one()
        assert row.channel == "linkedin" and row.lead_id == anna_id and row.label == "meeting_request"
        assert row.account_id == account_id

    # The provider retries (or someone replays) the same events: nothing happens twice.
    for body, signature in list(route.bodies):
        assert httpx.post(route.url, content=body, headers={SIGNATURE_HEADER: signature}).status_code == 200
    assert _count(rt, "replied", anna_id) == 1 and _count(rt, "invite_accepted", anna_id) == 1

    run_days(rt, 4, accept=lambda lead_id: False, step=timedelta(hours=2))
    assert not [m for m in sink.messages if "lead0@prospect.test" in m.rcpt_tos], "an email step followed a reply"

    # A forged event (wrong secret, or none) is refused before anything is read or stored.
    bob = provider.add_profile("lead-number-1", "Lead", "Number1")
    provider.webhook_secret = "not-the-shared-secret"
    provider.reply(bob, "Please stop")
    assert provider.webhook_statuses[-1] == 401
    assert httpx.post(route.url, content=b'{"event": "message_received"}').status_code == 401
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.lead_id == campaign.lead_ids[1])) == 0
    assert _enrollment(rt, campaign.lead_ids[1]).state != "stopped"


def test_polling_finds_relations_and_messages_when_webhooks_are_missed(rt, workspace_id, sink, route, provider):
    campaign = build_campaign(rt, workspace_id, 2, sink.port, with_email=lambda i: True, steps=STEPS)
    account_id = _api_account(rt, workspace_id, provider, route)
    anna = provider.add_profile("lead-number-0", "Lead", "Number0")
    bob = provider.add_profile("lead-number-1", "Lead", "Number1")
    run_days(rt, 1, accept=lambda lead_id: False, step=timedelta(hours=2))
    provider.webhook_url = None  # webhooks lost: only the poll can tell
    provider.accept_invitation(anna)
    provider.reply(bob, "Please remove me from your list.")  # no relation event for him: his id is resolved
    result = poll_linkedin_account(rt, account_id)
    assert (result.relations, result.messages) == (1, 1)
    anna_id, bob_id = campaign.lead_ids
    assert _enrollment(rt, anna_id).invite_accepted_at is not None
    with rt.db.sessions() as session:
        assert session.get(Lead, bob_id).stop_reason == "opted_out"
        assert session.scalar(select(Suppression.reason).where(Suppression.kind == "linkedin")) == "opt_out"
    assert _enrollment(rt, bob_id).state == "stopped"
    again = poll_linkedin_account(rt, account_id)
    assert (again.relations, again.messages) == (0, 0)
    assert process_pending(rt).processed == 0
