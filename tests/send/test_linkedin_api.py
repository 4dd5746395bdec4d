"""The LinkedIn API client against the local provider server, and signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from outboard.core.clock import SimulatedClock
from outboard.core.errors import ValidationError
from outboard.devservers.linkedin_api import LinkedInApiServer
from outboard.send.channels.linkedin_api import (
    LinkedInApiClient,
    LinkedInApiError,
    LinkedInApiSettings,
    outcome_for_response,
)
from outboard.send.channels.linkedin_webhooks import (
    SIGNATURE_HEADER,
    NewMessage,
    NewRelation,
    parse_webhook,
    sign_webhook,
    verify_webhook,
)
from outboard.send.outcomes import (
    AddressRejected,
    AuthFailed,
    ConnectionFailed,
    Deferred,
    Failed,
    ReputationBlocked,
    Sent,
)

SECRET = "shared-webhook-secret"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Receiver:
    """Our side of the webhook: accepts only correctly signed bodies, as the API endpoint will."""

    url: str = ""
    accepted: list[bytes] = field(default_factory=list)
    rejected: list[bytes] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    seen = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ok = verify_webhook(SECRET, body, self.headers.get(SIGNATURE_HEADER))
            (seen.accepted if ok else seen.rejected).append(body)
            self.send_response(204 if ok else 401)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    seen.url = f"http://127.0.0.1:{http.server_address[1]}/webhooks/linkedin"
    threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True).start()
    yield seen
    http.shutdown()
    http.server_close()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def provider(receiver: Receiver, clock: SimulatedClock) -> Iterator[LinkedInApiServer]:
    with LinkedInApiServer(clock=clock, webhook_url=receiver.url, webhook_secret=SECRET) as server:
        yield server


@pytest.fixture
async def client(provider: LinkedInApiServer) -> LinkedInApiClient:
    api = LinkedInApiClient(LinkedInApiSettings(provider.base_url, provider.api_key, provider.account_id, timeout=5))
    yield api  # type: ignore[misc]
    await api.aclose()


async def test_invitation_with_a_note(client: LinkedInApiClient, provider: LinkedInApiServer) -> None:
    anna = provider.add_profile("anna-schmidt", "Anna", "Schmidt")
    profile = await client.get_profile("https://www.linkedin.com/in/anna-schmidt/?trk=abc")
    assert (profile.provider_id, profile.name, profile.connected) == (anna, "Anna Schmidt", False)
    outcome = await client.send_invitation(anna, "Hi Anna, enjoyed your post on onboarding.")
    assert isinstance(outcome, Sent) and outcome.provider_id.startswith("inv-")
    invite = provider.requests[-1]
    assert (invite.method, invite.path) == ("POST", "/users/invite")
    assert invite.body == {"account_id": provider.account_id, "provider_id": anna,
                           "message": "Hi Anna, enjoyed your post on onboarding."}
    assert invite.headers["X-API-KEY"] == provider.api_key
    [pending] = provider.pending_invitations()
    assert pending["invited_user_id"] == anna


async def test_a_note_over_the_limit_is_refused_before_any_request(client: LinkedInApiClient,
                                                                   provider: LinkedInApiServer) -> None:
    with pytest.raises(ValidationError, match="300"):
        await client.send_invitation("ACoAA1", "x" * 301)
    assert provider.requests == []


async def test_rate_limit_is_deferred_by_retry_after(client: LinkedInApiClient, provider: LinkedInApiServer) -> None:
    anna = provider.add_profile("anna-schmidt")
    provider.rate_limit(times=1, retry_after=7)
    outcome = await client.send_invitation(anna, "Hello")
    assert isinstance(outcome, Deferred) and outcome.retry_after == timedelta(seconds=7)
    assert "429" in outcome.reason
    assert provider.pending_invitations() == []
    assert isinstance(await client.send_invitation(anna, "Hello"), Sent)


async def test_auth_errors(client: LinkedInApiClient, provider: LinkedInApiServer) -> None:
    anna = provider.add_profile("anna-schmidt")
    provider.auth_error()
    assert isinstance(await client.send_invitation(anna), AuthFailed)
    provider.auth_error()
    with pytest.raises(LinkedInApiError) as raised:
        await client.list_relations()
    assert isinstance(raised.value.outcome, AuthFailed)
    async with LinkedInApiClient(LinkedInApiSettings(provider.base_url, "wrong-key", provider.account_id)) as bad:
        assert isinstance(await bad.send_invitation(anna), AuthFailed)


async def test_a_restriction_warning_pauses_the_account(client: LinkedInApiClient,
                                                        provider: LinkedInApiServer) -> None:
    anna = provider.add_profile("anna-schmidt")
    ben = provider.add_profile("ben-okafor", connected=True)
    provider.restricted = True
    for outcome in (await client.send_invitation(anna, "Hi"),
                    await client.send_message("Hello", attendee_provider_id=ben)):
        assert isinstance(outcome, ReputationBlocked) and outcome.enhanced == "errors/account_restricted"


async def test_messages_only_after_acceptance_then_in_the_same_chat(
        client: LinkedInApiClient, provider: LinkedInApiServer, receiver: Receiver) -> None:
    anna = provider.add_profile("anna-schmidt", "Anna", "Schmidt")
    assert isinstance(await client.send_invitation(anna, "Hi"), Sent)
    early = await client.send_message("Thanks for connecting", attendee_provider_id=anna)
    assert isinstance(early, Failed) and early.enhanced == "errors/not_connected"

    provider.accept_invitation(anna)
    [event] = [parse_webhook(body) for body in receiver.accepted]
    assert isinstance(event, NewRelation) and event.provider_id == anna and event.at == START
    assert (await client.get_profile("anna-schmidt")).connected

    first = await client.send_message("Thanks for connecting", attendee_provider_id=anna)
    assert isinstance(first, Sent) and first.thread_id
    second = await client.send_message("One more thing", chat_id=first.thread_id)
    assert isinstance(second, Sent) and second.thread_id == first.thread_id
    messages = (await client.list_messages(first.thread_id)).items
    assert [m.text for m in messages] == ["One more thing", "Thanks for connecting"]
    assert all(m.from_us for m in messages)
    missing = await client.send_message("hello?", chat_id="chat-404")
    assert isinstance(missing, AddressRejected)


async def test_a_reply_arrives_as_a_signed_webhook_and_in_the_chat_list(
        client: LinkedInApiClient, provider: LinkedInApiServer, receiver: Receiver, clock: SimulatedClock) -> None:
    ben = provider.add_profile("ben-okafor", "Ben", "Okafor", connected=True)
    sent = await client.send_message("Hi Ben", attendee_provider_id=ben)
    assert isinstance(sent, Sent)
    clock.advance(timedelta(hours=2))
    chat_id = provider.reply(ben, "Sounds good, call me Tuesday")
    assert chat_id == sent.thread_id
    [event] = [parse_webhook(body) for body in receiver.accepted]
    assert isinstance(event, NewMessage)
    assert (event.chat_id, event.sender_provider_id, event.text, event.from_us) == (
        chat_id, ben, "Sounds good, call me Tuesday", False)
    assert event.at == START + timedelta(hours=2)
    [chat] = (await client.list_chats()).items
    assert (chat.id, chat.attendee_provider_id) == (chat_id, ben)
    latest = (await client.list_messages(chat_id)).items[0]
    assert (latest.sender_provider_id, latest.from_us) == (ben, False)


async def test_relations_page_with_a_cursor_and_new_ones_are_found_since_a_moment(
        client: LinkedInApiClient, provider: LinkedInApiServer, clock: SimulatedClock) -> None:
    provider.webhook_url = None  # 250 webhooks are not the point here
    ids = [provider.add_profile(f"lead-{i}") for i in range(250)]
    for provider_id in ids:
        clock.advance(timedelta(minutes=1))
        provider.accept_invitation(provider_id)
    first = await client.list_relations(limit=100)
    second = await client.list_relations(first.cursor, limit=100)
    third = await client.list_relations(second.cursor, limit=100)
    assert (len(first.items), len(second.items), len(third.items), third.cursor) == (100, 100, 50, None)
    assert [r.provider_id for r in first.items + second.items + third.items] == ids[::-1]
    since = START + timedelta(minutes=130)  # relations 131..250 are newer
    fresh = await client.new_relations(since)
    assert [r.provider_id for r in fresh] == ids[130:][::-1]
    assert sum(1 for r in provider.requests if r.path == "/users/relations") == 3 + 2


async def test_withdraw_a_pending_invitation(client: LinkedInApiClient, provider: LinkedInApiServer) -> None:
    anna = provider.add_profile("anna-schmidt")
    sent = await client.send_invitation(anna, "Hi")
    assert isinstance(sent, Sent)
    [invitation] = (await client.list_sent_invitations()).items
    assert (invitation.id, invitation.provider_id, invitation.sent_at) == (sent.provider_id, anna, START)
    assert await client.withdraw_invitation(sent.provider_id) == Sent(sent.provider_id)
    assert provider.pending_invitations() == []
    assert isinstance(await client.withdraw_invitation(sent.provider_id), AddressRejected)


async def test_unknown_profiles_and_duplicates(client: LinkedInApiClient, provider: LinkedInApiServer) -> None:
    with pytest.raises(LinkedInApiError) as raised:
        await client.get_profile("nobody-here")
    assert isinstance(raised.value.outcome, AddressRejected)
    anna = provider.add_profile("anna-schmidt")
    await client.send_invitation(anna)
    again = await client.send_invitation(anna)
    assert isinstance(again, Failed) and again.enhanced == "errors/already_invited_recently"


async def test_provider_down_is_a_connection_failure_that_sent_nothing(provider: LinkedInApiServer) -> None:
    url = provider.base_url
    provider.stop()
    async with LinkedInApiClient(LinkedInApiSettings(url, "k", "a", timeout=2)) as api:
        outcome = await api.send_invitation("ACoAA1", "Hi")
    assert isinstance(outcome, ConnectionFailed) and not outcome.maybe_delivered
    provider.start = lambda: provider  # type: ignore[method-assign]  # the fixture's exit stops it again
    provider.stop = lambda: None  # type: ignore[method-assign]


def response(status: int, body: dict[str, object] | None = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body or {}, headers=headers)


@pytest.mark.parametrize(("answer", "mutation", "expected"), [
    (response(401, {"type": "errors/disconnected_account"}), True, AuthFailed),
    (response(403, {"type": "errors/forbidden"}), True, AuthFailed),
    (response(422, {"type": "errors/account_restricted"}), True, ReputationBlocked),
    (response(403, {"type": "errors/account_warning"}), True, ReputationBlocked),
    (response(404, {"type": "errors/resource_not_found"}), True, AddressRejected),
    (response(422, {"type": "errors/invalid_recipient"}), True, Failed),
    (response(503), True, Deferred),
    (response(500), True, ConnectionFailed),
    (response(500), False, ConnectionFailed),
])
def test_error_answers_map_to_outcomes(answer: httpx.Response, mutation: bool, expected: type) -> None:
    outcome = outcome_for_response(answer, mutation=mutation)
    assert isinstance(outcome, expected)
    if isinstance(outcome, ConnectionFailed):
        assert outcome.maybe_delivered is mutation  # a 500 on a send may have sent it: reconcile


def test_retry_after_forms() -> None:
    date = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    as_date = response(429, Date=format_datetime(date, usegmt=True),
                       **{"Retry-After": format_datetime(date + timedelta(seconds=90), usegmt=True)})
    assert outcome_for_response(as_date, mutation=True) == Deferred(timedelta(seconds=90), "429 Too Many Requests")
    assert outcome_for_response(response(429), mutation=True).retry_after == timedelta(minutes=1)  # type: ignore[union-attr]
    limit = outcome_for_response(response(422, {"type": "errors/limit_exceeded"}), mutation=True)
    assert isinstance(limit, Deferred) and limit.retry_after == timedelta(hours=5)


def test_webhook_signatures() -> None:
    body = json.dumps({"event": "new_relation"}).encode()
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign_webhook(SECRET, body) == expected
    assert verify_webhook(SECRET, body, expected)
    assert not verify_webhook(SECRET, body + b" ", expected)  # body altered
    assert not verify_webhook("another-secret", body, expected)
    assert not verify_webhook(SECRET, body, expected[:-1] + ("0" if expected[-1] != "0" else "1"))
    assert not verify_webhook(SECRET, body, None) and not verify_webhook(SECRET, body, "")
    assert not verify_webhook(SECRET, body, "sha256=é")


def test_a_badly_signed_webhook_is_rejected_by_the_receiver(receiver: Receiver, clock: SimulatedClock) -> None:
    with LinkedInApiServer(clock=clock, webhook_url=receiver.url, webhook_secret="not-the-shared-one") as forged:
        forged.reply(forged.add_profile("mallory", connected=True), "click this")
    assert receiver.accepted == [] and len(receiver.rejected) == 1
    assert forged.webhook_statuses == [401]


def test_webhook_parsing_edges() -> None:
    assert parse_webhook(b'{"event": "account_status", "account_id": "x"}') is None
    for bad in (b"not json", b'{"event": "new_relation"}', b"[]"):
        with pytest.raises(ValidationError):
            parse_webhook(bad)
