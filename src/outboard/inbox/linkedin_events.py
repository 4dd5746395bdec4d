"""LinkedIn replies and new relations, from the API provider's webhooks and from polling.

Both paths store the event first (channel `linkedin`, keyed by the provider's ids, so a replay or an event
seen by both the webhook and the poll is stored and acted on once) and then act through the send stage's
reactions: a new relation → `record_acceptance`, a message from the lead → classified like mail (an
opt-out on LinkedIn is an opt-out) and, as a reply, `record_reply` on channel linkedin.

Messages name the sender only by provider id. A relation event carries both ids and is kept as the link;
the poll asks the provider for unknown members; until then the message waits, stored, for its lead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import InboundMessage, Lead, MailboxCursor, SenderAccount
from outboard.db.timeline import record
from outboard.inbox.classify import classify
from outboard.inbox.config import classifier_settings
from outboard.inbox.labels import ReplyLabeller, RuleLabeller
from outboard.inbox.linkedin_text import event_message_id, linkedin_mail, member_key
from outboard.inbox.process import finish_row
from outboard.inbox.store import store_raw
from outboard.runtime import Runtime, runtime
from outboard.secrets import SecretBox
from outboard.send.channels.linkedin_api import (
    ChatMessage,
    LinkedInApiClient,
    LinkedInApiSettings,
    Relation,
)
from outboard.send.channels.linkedin_webhooks import NewMessage, NewRelation, parse_webhook, verify_webhook
from outboard.send.reactions import record_acceptance

log = logging.getLogger(__name__)
RELATIONS_CURSOR, CHATS_CURSOR = "linkedin:relations", "linkedin:chats"
MAX_CHATS_PER_POLL = 200


@dataclass(frozen=True)
class WebhookResult:
    """What the web route answers: `status` is the HTTP status to send back."""

    status: int
    outcome: str


def set_webhook_secret(session: Session, account: SenderAccount, box: SecretBox, secret: str | None = None) -> str:
    """The shared secret the provider signs webhooks with (sealed at rest); returns it in clear, once."""
    if account.kind != "linkedin":
        raise ValidationError("account", "only a LinkedIn account receives provider webhooks")
    secret = secret or secrets.token_urlsafe(32)
    account.secrets = {**account.secrets, "webhook_secret": box.seal(secret)}
    record(session, account.workspace_id, "linkedin_webhook_secret_set", subject=f"account:{account.id}")
    return secret


def lead_by_member(session: Session, workspace_id: int, provider_id: str,
                   public_identifier: str | None = None) -> Lead | None:
    keys = [k for k in (provider_id, public_identifier) if k]
    lead = session.scalars(select(Lead).where(Lead.workspace_id == workspace_id, or_(
        Lead.linkedin_id.in_(keys), Lead.linkedin_key.in_([k.lower() for k in keys]),
        func.lower(Lead.linkedin_id).in_([k.lower() for k in keys]))).order_by(Lead.id).limit(1)).first()
    if lead is not None:
        return lead
    # The member's relation event, stored earlier, links their provider id to the lead.
    lead_id = session.scalar(select(InboundMessage.lead_id).where(
        InboundMessage.workspace_id == workspace_id, InboundMessage.channel == "linkedin",
        InboundMessage.thread_key == member_key(provider_id), InboundMessage.lead_id.is_not(None)).limit(1))
    return session.get(Lead, lead_id) if lead_id else None


@dataclass(frozen=True)
class Ingested:
    stored: bool  # False: a replay, our own message, or someone who is not a lead
    outcome: str


def ingest_event(session: Session, account: SenderAccount, event: NewRelation | NewMessage, raw: bytes,
                 now: datetime, *, labeller: ReplyLabeller | None = None) -> Ingested:
    """Store one provider event and act on it, in the caller's transaction."""
    workspace_id = account.workspace_id
    if isinstance(event, NewRelation):
        lead = lead_by_member(session, workspace_id, event.provider_id, event.public_identifier)
        if lead is None:
            return Ingested(False, "new relation with someone who is not a lead: nothing stored")
        row_id = store_raw(session, workspace_id=workspace_id, account_id=account.id, channel="linkedin",
                           message_id=event_message_id("relation", event.provider_id), raw=raw, state="processed",
                           received_at=now, lead_id=lead.id, thread_key=member_key(event.provider_id))
        if row_id is None:
            return Ingested(False, "relation already known")
        row = session.get(InboundMessage, row_id)
        assert row is not None
        row.kind, row.processed_at = "relation", now
        row.classification = {**row.classification, "action": "invite accepted"}
        record_acceptance(session, lead, event.at)
        return Ingested(True, f"lead {lead.id} accepted the invitation")
    if event.from_us:
        return Ingested(False, "our own message: not a reply")
    lead = lead_by_member(session, workspace_id, event.sender_provider_id)
    row_id = store_raw(session, workspace_id=workspace_id, account_id=account.id, channel="linkedin",
                       message_id=event_message_id("msg", event.message_id), raw=raw, received_at=now,
                       lead_id=lead.id if lead else None, thread_key=member_key(event.sender_provider_id))
    if row_id is None:
        return Ingested(False, "message already stored")
    if lead is None:
        return Ingested(True, "stored: the sender is not known yet (the poll resolves them)")
    row = session.get(InboundMessage, row_id)
    assert row is not None
    mail = linkedin_mail(raw, row.message_id)
    result = classify(mail, received_at=now, labeller=labeller or RuleLabeller(),
                      settings=classifier_settings(session, workspace_id))
    outcome = finish_row(session, row, mail, result, secret_key=None, now=now)
    return Ingested(True, outcome.action)


def handle_linkedin_webhook(session: Session, workspace_id: int, account: SenderAccount | int, body: bytes,
                            signature: str | None, now: datetime, *, box: SecretBox | None = None,
                            labeller: ReplyLabeller | None = None) -> WebhookResult:
    """The web route's whole job: check the signature over the raw body, then store and act.

    Runs in the caller's transaction (commit after it returns). Never raises for what the request holds:
    401 for a bad or missing signature, 400 for a body or account that does not fit, 200 otherwise
    (also for replays and events we do not use, so the provider does not retry them).
    """
    row = account if isinstance(account, SenderAccount) else session.get(SenderAccount, account)
    if row is None or row.workspace_id != workspace_id or row.kind != "linkedin":
        return WebhookResult(404, "no such LinkedIn account")
    sealed = row.secrets.get("webhook_secret")
    if not sealed:
        return WebhookResult(401, "no webhook secret is set for this account")
    secret = (box or runtime().secrets).open(sealed).reveal()
    if not verify_webhook(secret, body, signature):
        return WebhookResult(401, "bad signature")
    try:
        event = parse_webhook(body)
    except ValidationError as exc:
        return WebhookResult(400, str(exc))
    if event is None:
        return WebhookResult(200, "event not used")
    expected = row.connection.get("account_ref")
    if expected and event.account_id != expected:
        return WebhookResult(400, f"event for provider account {event.account_id}, not this one")
    return WebhookResult(200, ingest_event(session, row, event, body, now, labeller=labeller).outcome)


# Polling: the fallback when webhooks are missed, and how unknown members are resolved.


@dataclass
class PollResult:
    account_id: int
    relations: int = 0  # new ones stored (replays of the boundary second are not counted)
    messages: int = 0
    resolved: int = 0
    outcomes: list[str] = field(default_factory=list)


def api_settings(account: SenderAccount, box: SecretBox) -> LinkedInApiSettings:
    c = account.connection
    if c.get("provider") != "api" or not c.get("api_base_url") or "api_key" not in account.secrets:
        raise ValidationError("provider", f"LinkedIn account {account.id} is not connected through an API provider")
    return LinkedInApiSettings(base_url=c["api_base_url"], api_key=box.open(account.secrets["api_key"]).reveal(),
                               account_id=c.get("account_ref") or "")


def _relation_body(account_ref: str, relation: Relation) -> bytes:
    return json.dumps({"event": "new_relation", "account_id": account_ref, "user_provider_id": relation.provider_id,
                       "user_public_identifier": relation.public_identifier, "user_full_name": relation.name,
                       "timestamp": relation.connected_at.isoformat(), "via": "poll"}).encode()


def _message_body(account_ref: str, message: ChatMessage) -> bytes:
    return json.dumps({"event": "message_received", "account_id": account_ref, "chat_id": message.chat_id,
                       "message_id": message.id, "message": message.text, "timestamp": message.sent_at.isoformat(),
                       "is_sender": message.from_us, "sender": {"attendee_provider_id": message.sender_provider_id},
                       "via": "poll"}).encode()


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def _when(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


async def _fetch(settings: LinkedInApiSettings, relations_since: int, chats_since: int,
                 unknown: list[str]) -> tuple[list[Relation], list[ChatMessage], dict[str, str]]:
    async with LinkedInApiClient(settings) as client:
        relations = await client.new_relations(_when(relations_since))
        messages: list[ChatMessage] = []
        cursor, seen = None, 0
        while seen < MAX_CHATS_PER_POLL:
            page = await client.list_chats(cursor)
            # The cursor is whole seconds: the boundary second is read again (stored ids make it a no-op).
            fresh = [c for c in page.items if _stamp(c.updated_at) >= chats_since]
            for chat in fresh:
                found = await client.list_messages(chat.id)
                messages += [m for m in found.items if _stamp(m.sent_at) >= chats_since]
            seen += len(page.items)
            if len(fresh) < len(page.items) or page.cursor is None:
                break
            cursor = page.cursor
        members = {m.sender_provider_id for m in messages if not m.from_us} | set(unknown)
        public: dict[str, str] = {}
        for member in members:
            try:
                public[member] = (await client.get_profile(member)).public_identifier
            except Exception as exc:  # one unknown member must not stop the poll
                log.warning("LinkedIn profile %s could not be read: %s", member, exc)
        return relations, messages, public


def _cursor(session: Session, account_id: int, folder: str) -> MailboxCursor:
    cursor = session.get(MailboxCursor, (account_id, folder))
    if cursor is None:
        cursor = MailboxCursor(account_id=account_id, folder=folder, uidvalidity=1, last_uid=0)
        session.add(cursor)
    return cursor


def poll_linkedin_account(rt: Runtime, account_id: int, *, labeller: ReplyLabeller | None = None) -> PollResult:
    """New relations and messages since the last poll; raises LinkedInApiError when the provider fails."""
    result = PollResult(account_id)
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, account_id)
        if account is None:
            return result
        settings = api_settings(account, rt.secrets)
        relations_cursor = session.get(MailboxCursor, (account_id, RELATIONS_CURSOR))
        chats_cursor = session.get(MailboxCursor, (account_id, CHATS_CURSOR))
        unknown = list(session.scalars(select(InboundMessage.thread_key).where(
            InboundMessage.account_id == account_id, InboundMessage.channel == "linkedin",
            InboundMessage.state == "unprocessed", InboundMessage.lead_id.is_(None))))
    since_relations = relations_cursor.last_uid if relations_cursor else 0
    since_chats = chats_cursor.last_uid if chats_cursor else 0
    unknown_members = [k.removeprefix("linkedin:") for k in unknown if k]
    relations, messages, public = asyncio.run(_fetch(settings, since_relations, since_chats, unknown_members))
    ref = settings.account_id
    now = rt.clock.now()
    # Links first: a member the provider named gets their lead before their messages are read.
    with rt.db.transaction() as session:
        result.resolved = _resolve_waiting(session, account_id, public)
    for relation in sorted(relations, key=lambda r: r.connected_at):
        with rt.db.transaction() as session:
            account = session.get(SenderAccount, account_id)
            assert account is not None
            event = NewRelation(ref, relation.provider_id, relation.public_identifier, relation.name,
                                relation.connected_at)
            done = ingest_event(session, account, event, _relation_body(ref, relation), now)
            cursor = _cursor(session, account_id, RELATIONS_CURSOR)
            cursor.last_uid, cursor.synced_at = max(cursor.last_uid, _stamp(relation.connected_at)), now
        result.outcomes.append(done.outcome)
        result.relations += done.stored
    for message in sorted(messages, key=lambda m: m.sent_at):
        with rt.db.transaction() as session:
            account = session.get(SenderAccount, account_id)
            assert account is not None
            if not message.from_us and lead_by_member(session, account.workspace_id,
                                                      message.sender_provider_id) is None:
                _link_member(session, account, message.sender_provider_id, public.get(message.sender_provider_id))
            event = NewMessage(ref, message.chat_id, message.id, message.sender_provider_id, message.text,
                               message.sent_at, message.from_us)
            done = ingest_event(session, account, event, _message_body(ref, message), now, labeller=labeller)
            cursor = _cursor(session, account_id, CHATS_CURSOR)
            cursor.last_uid, cursor.synced_at = max(cursor.last_uid, _stamp(message.sent_at)), now
        result.outcomes.append(done.outcome)
        result.messages += done.stored
    return result


def _link_member(session: Session, account: SenderAccount, provider_id: str, public_identifier: str | None) -> None:
    """Remember which lead a provider id is (from the provider's profile), as a relation event would."""
    if not public_identifier:
        return
    lead = lead_by_member(session, account.workspace_id, provider_id, public_identifier)
    if lead is None:
        return
    link: dict[str, Any] = {"event": "member_link", "user_provider_id": provider_id,
                            "user_public_identifier": public_identifier}
    row_id = store_raw(session, workspace_id=account.workspace_id, account_id=account.id, channel="linkedin",
                       message_id=event_message_id("member", provider_id), raw=json.dumps(link).encode(),
                       state="processed", lead_id=lead.id, thread_key=member_key(provider_id))
    if row_id is not None:
        row = session.get(InboundMessage, row_id)
        assert row is not None
        row.kind = "relation"


def _resolve_waiting(session: Session, account_id: int, public: dict[str, str]) -> int:
    """Messages stored by a webhook before their sender was known: give them their lead now."""
    account = session.get(SenderAccount, account_id)
    assert account is not None
    resolved = 0
    for row in session.scalars(select(InboundMessage).where(
            InboundMessage.account_id == account_id, InboundMessage.channel == "linkedin",
            InboundMessage.state == "unprocessed", InboundMessage.lead_id.is_(None))):
        provider_id = (row.thread_key or "").removeprefix("linkedin:")
        lead = lead_by_member(session, account.workspace_id, provider_id, public.get(provider_id))
        if lead is not None:
            _link_member(session, account, provider_id, public.get(provider_id))
            row.lead_id = lead.id  # process_pending picks it up now
            resolved += 1
    return resolved
