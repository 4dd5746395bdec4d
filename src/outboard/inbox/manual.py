"""What a person does from the inbox: reply by hand, mark a lead as opted out, correct a reply's label.

A reply by hand goes through the same account the conversation used, threaded under it (In-Reply-To the
message answered, References the thread, "Re:" the first subject), with the compliance footer and
one-click unsubscribe every email carries. It is refused for a suppressed or opted-out lead (rule 3).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, OutboardError, ValidationError
from outboard.core.sequence import Channel, SendState
from outboard.db.models import (
    Enrollment,
    InboundMessage,
    Lead,
    Message,
    SenderAccount,
    Sequence,
    StrategyProfileRow,
    Workspace,
)
from outboard.db.scope import Scope
from outboard.db.suppressions import identity_of, matching_reason
from outboard.db.timeline import record
from outboard.inbox.labels import Label
from outboard.inbox.linkedin_events import api_settings
from outboard.inbox.linkedin_text import event_of
from outboard.inbox.store import store_raw
from outboard.inbox.webhooks_out import enqueue
from outboard.runtime import Runtime
from outboard.send.accounts import smtp_settings
from outboard.send.channels.email_smtp import SmtpChannel
from outboard.send.channels.linkedin_api import LinkedInApiClient
from outboard.send.email_message import (
    Footer,
    OutgoingEmail,
    Thread,
    Unsubscribe,
    build_email,
)
from outboard.send.outcomes import Outcome, Sent
from outboard.send.reactions import record_opt_out
from outboard.write.strategy_store import load_strategy

MAX_REFERENCES = 20


@dataclass(frozen=True)
class ReplySent:
    inbound_id: int  # our reply is stored with the conversation (kind manual_reply)
    channel: str
    to: str
    subject: str | None
    message_id: str


@dataclass(frozen=True)
class _EmailPlan:
    workspace_id: int
    lead_id: int
    enrollment_id: int | None
    account_id: int
    thread_key: str | None
    email: OutgoingEmail
    subject: str


def _refuse_if_suppressed(session: Session, lead: Lead) -> None:
    reason = matching_reason(session, lead.workspace_id, identity_of(lead))
    if reason is not None or lead.stop_reason in ("opted_out", "blocked"):
        raise OutboardError(f"lead {lead.id} is on the suppression list ({reason or lead.stop_reason}): "
                            "no message goes to them, not even by hand")


def send_reply(rt: Runtime, workspace_id: int, lead_id: int, body: str, *, channel: str | None = None,
               user_id: int | None = None) -> ReplySent:
    """Answer the lead by hand in their conversation (email unless `channel="linkedin"` or they only
    wrote on LinkedIn). Raises OutboardError when it cannot go out, saying why."""
    if not body.strip():
        raise ValidationError("body", "a reply needs some text")
    with rt.db.sessions() as session:
        lead = Scope(session, workspace_id).get(Lead, lead_id, "lead")
        _refuse_if_suppressed(session, lead)
        chosen = channel or _default_channel(session, lead)
    if chosen == "linkedin":
        return _send_linkedin(rt, workspace_id, lead_id, body, user_id)
    if chosen != "email":
        raise ValidationError("channel", "must be email or linkedin", value=chosen)
    with rt.db.sessions() as session:
        plan = _plan_email(rt, session, workspace_id, lead_id, body)
        account = session.get(SenderAccount, plan.account_id)
        assert account is not None
        settings = smtp_settings(account, rt.secrets)
    outcome = asyncio.run(_smtp_send(settings, plan.email))
    if not isinstance(outcome, Sent):
        reason = getattr(outcome, "reason", str(outcome))
        maybe = " It may have been delivered: check the Sent folder before trying again." \
            if getattr(outcome, "maybe_delivered", False) else ""
        raise OutboardError(f"the reply was not sent: {reason}.{maybe}")
    with rt.db.transaction() as session:
        inbound_id = _store_ours(session, plan.workspace_id, plan.account_id, "email", plan.email.message_id,
                                 plan.email.data, lead_id, plan.enrollment_id, plan.thread_key,
                                 {"body": body, "subject": plan.subject, "to": plan.email.recipient,
                                  "provider_id": outcome.provider_id, "by_user": user_id}, rt.clock.now())
    return ReplySent(inbound_id, "email", plan.email.recipient, plan.subject, plan.email.message_id)


async def _smtp_send(settings: Any, email: OutgoingEmail) -> Outcome:
    async with SmtpChannel(settings) as smtp:
        return await smtp.send(email)


def _default_channel(session: Session, lead: Lead) -> str:
    last = session.scalar(select(InboundMessage.channel).where(
        InboundMessage.lead_id == lead.id, InboundMessage.kind.in_(("reply", "manual_reply")))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(1))
    return "linkedin" if last == "linkedin" or not lead.email else "email"


def _plan_email(rt: Runtime, session: Session, workspace_id: int, lead_id: int, body: str) -> _EmailPlan:
    lead = Scope(session, workspace_id).get(Lead, lead_id, "lead")
    if not lead.email or lead.email_verdict == "invalid":
        raise OutboardError(f"lead {lead.id} has no deliverable email address")
    answered = session.scalars(select(InboundMessage).where(
        InboundMessage.lead_id == lead.id, InboundMessage.channel == "email",
        InboundMessage.kind.in_(("reply", "manual_reply", "out_of_office", "auto_reply")))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(1)).first()
    ours = list(session.execute(select(Message.smtp_message_id, Message.subject, Message.sender_account_id,
                                       Message.enrollment_id)
                                .join(Enrollment, Enrollment.id == Message.enrollment_id)
                                .where(Enrollment.lead_id == lead.id, Message.channel == Channel.EMAIL.value,
                                       Message.send_state == SendState.SENT.value, Message.smtp_message_id.is_not(None))
                                .order_by(Message.sent_at, Message.id)))
    if answered is None and not ours:
        raise OutboardError(f"there is no email conversation with lead {lead.id} to reply in")
    enrollment_id = (answered.enrollment_id if answered else None) or (ours[-1].enrollment_id if ours else None)
    account_id = answered.account_id if answered else ours[-1].sender_account_id
    account = session.get(SenderAccount, account_id)
    if account is None or account.kind != "email":
        raise OutboardError("the account this conversation used is gone: connect it again to reply")
    thread_key = (answered.thread_key if answered else None) or (ours[0].smtp_message_id if ours else None)
    ids = [m.smtp_message_id for m in ours]
    if thread_key:
        ids += list(session.scalars(select(InboundMessage.message_id).where(
            InboundMessage.lead_id == lead.id, InboundMessage.thread_key == thread_key,
            InboundMessage.channel == "email").order_by(InboundMessage.received_at, InboundMessage.id)))
    if answered is not None:  # In-Reply-To is the message answered: it goes last
        ids = [i for i in ids if i != answered.message_id] + [answered.message_id]
    ids = list(dict.fromkeys(i for i in ids if i))
    ids = ids[:1] + ids[1:][-(MAX_REFERENCES - 1):]
    first_subject = next((m.subject for m in ours if m.subject), None) or \
        ((answered.classification or {}).get("subject") if answered else None) or "our conversation"
    footer, unsubscribe = _compliance(rt, session, workspace_id, enrollment_id, lead, account)
    email = build_email(sender_name=account.connection.get("from_name") or account.name,
                        sender_address=account.address, to_address=lead.email, to_name=lead.full_name,
                        subject=first_subject, body=body, now=rt.clock.now(), footer=footer,
                        unsubscribe=unsubscribe, thread=Thread(first_subject, tuple(ids)))
    subject = first_subject if first_subject.lower().startswith("re:") else f"Re: {first_subject}"
    return _EmailPlan(workspace_id, lead.id, enrollment_id, account.id, thread_key, email, subject)


def _compliance(rt: Runtime, session: Session, workspace_id: int, enrollment_id: int | None, lead: Lead,
                account: SenderAccount) -> tuple[Footer, Unsubscribe]:
    """The same footer and unsubscribe link the sequence's emails carry."""
    workspace = session.get(Workspace, workspace_id)
    prefs = (workspace.preferences if workspace else None) or {}
    postal, sentence = prefs.get("postal_address", ""), prefs.get("opt_out_sentence")
    enrollment = session.get(Enrollment, enrollment_id) if enrollment_id else None
    sequence = session.get(Sequence, enrollment.sequence_id) if enrollment else None
    strategy_row = session.get(StrategyProfileRow, sequence.strategy_profile_id) if sequence else None
    if strategy_row is not None:
        strategy = load_strategy(strategy_row)
        postal, sentence = strategy.postal_address or postal, sentence or strategy.opt_out_sentence
    footer = Footer(postal_address=postal, opt_out_sentence=sentence) if sentence else Footer(postal_address=postal)
    return footer, Unsubscribe.issue(rt.settings.secret_key or "", workspace_id, enrollment_id or 0, lead.email or "",
                                     f"{rt.settings.public_url.rstrip('/')}/u", account.address.rpartition("@")[2])


def _store_ours(session: Session, workspace_id: int, account_id: int, channel: str, message_id: str, raw: bytes,
                lead_id: int, enrollment_id: int | None, thread_key: str | None, data: dict[str, Any],
                now: datetime) -> int:
    row_id = store_raw(session, workspace_id=workspace_id, account_id=account_id, channel=channel,
                       message_id=message_id, raw=raw, state="processed", received_at=now, lead_id=lead_id,
                       thread_key=thread_key)
    assert row_id is not None, "a fresh Message-ID cannot exist already"
    row = session.get(InboundMessage, row_id)
    assert row is not None
    row.kind, row.enrollment_id, row.processed_at = "manual_reply", enrollment_id, now
    row.classification = {**row.classification, **data, "direction": "out"}
    record(session, workspace_id, "manual_reply_sent", lead_id=lead_id, subject=f"inbound:{row_id}", channel=channel)
    return row_id


def _send_linkedin(rt: Runtime, workspace_id: int, lead_id: int, body: str, user_id: int | None) -> ReplySent:
    with rt.db.sessions() as session:
        row = session.scalars(select(InboundMessage).where(
            InboundMessage.lead_id == lead_id, InboundMessage.workspace_id == workspace_id,
            InboundMessage.channel == "linkedin", InboundMessage.kind == "reply")
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(1)).first()
        if row is None:
            raise OutboardError(f"lead {lead_id} has not written on LinkedIn: reply by email, or on LinkedIn itself")
        account = session.get(SenderAccount, row.account_id)
        assert account is not None
        if account.connection.get("provider") != "api":
            raise OutboardError("this LinkedIn account works by manual tasks: reply on LinkedIn yourself")
        settings = api_settings(account, rt.secrets)
        chat_id, thread_key, enrollment_id = event_of(row.raw).get("chat_id"), row.thread_key, row.enrollment_id
    outcome = asyncio.run(_linkedin_send(settings, body, chat_id, (thread_key or "").removeprefix("linkedin:")))
    if not isinstance(outcome, Sent):
        raise OutboardError(f"the LinkedIn reply was not sent: {getattr(outcome, 'reason', outcome)}")
    with rt.db.transaction() as session:
        message_id = f"<manual.{outcome.provider_id}@linkedin.invalid>"
        inbound_id = _store_ours(session, workspace_id, row.account_id, "linkedin", message_id, body.encode(), lead_id,
                                 enrollment_id, thread_key, {"body": body, "provider_id": outcome.provider_id,
                                                             "by_user": user_id}, rt.clock.now())
    return ReplySent(inbound_id, "linkedin", thread_key or "", None, message_id)


async def _linkedin_send(settings: Any, body: str, chat_id: str | None, member: str) -> Outcome:
    async with LinkedInApiClient(settings) as client:
        return await client.send_message(body, chat_id=chat_id, attendee_provider_id=None if chat_id else member)


def mark_opted_out(session: Session, workspace_id: int, lead_id: int, now: datetime, *,
                   source: str = "inbox") -> None:
    """A person says this lead opted out: suppressed workspace-wide, every sequence stops."""
    lead = Scope(session, workspace_id).get(Lead, lead_id, "lead")
    record_opt_out(session, lead, source=source)
    enqueue(session, workspace_id, "opt_out", {"lead": {"id": lead.id, "email": lead.email, "name": lead.full_name,
                                                        "linkedin_id": lead.linkedin_id},
                                               "message": None, "source": source}, now)


def relabel(session: Session, workspace_id: int, inbound_id: int, label: str, now: datetime, *,
            user_id: int | None = None) -> InboundMessage:
    """A person corrects a reply's label (or clears it with "none"); re-classification keeps it."""
    row = session.get(InboundMessage, inbound_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"inbound message {inbound_id} not found")
    if row.kind != "reply":
        raise ValidationError("message", f"only a reply has a label; message {inbound_id} is {row.kind or 'unread'}")
    known = [label.value for label in Label]
    if label not in (*known, "none"):
        raise ValidationError("label", f"must be one of {', '.join(known)} or none", value=label)
    value = None if label == "none" else label
    data = dict(row.classification or {})
    data["label_override"] = {"label": value, "previous": row.label, "by_user": user_id, "at": now.isoformat()}
    data["label"], data["needs_review"] = value, False
    row.classification, row.label = data, value
    record(session, workspace_id, "reply_relabelled", lead_id=row.lead_id, subject=f"inbound:{row.id}",
           label=value, previous=data["label_override"]["previous"])
    return row
