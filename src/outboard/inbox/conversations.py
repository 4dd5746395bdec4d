"""The unified inbox: one conversation per lead across email and LinkedIn, with the reply's label.

A conversation is what we sent (the sequence's messages, our replies by hand) and what came back (replies,
out-of-office, bounces, opt-outs, auto-replies), in time order, with the quoted history of replies
removed. The web page and `outboard inbox list/show` read the same two functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, InboundMessage, Lead, Message, Sequence
from outboard.db.scope import Scope
from outboard.inbox.parse import parse_message
from outboard.inbox.quotes import split_reply

# What a lead sent us, or what a machine sent about them: a reason to look at the conversation.
INBOUND_KINDS = ("reply", "opt_out", "out_of_office", "auto_reply", "bounce")
SHOWN_KINDS = (*INBOUND_KINDS, "manual_reply", "relation", "unparseable")
MAX_TEXT = 4000


@dataclass(frozen=True)
class ConversationSummary:
    lead_id: int
    name: str
    email: str | None
    channels: list[str]
    last_at: datetime
    last_kind: str
    label: str | None  # the label of the lead's latest reply
    needs_review: bool
    messages: int
    stage: str
    stop_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Entry:
    at: datetime | None
    direction: str  # "out" (ours) or "in"
    channel: str
    kind: str  # step message, manual_reply, reply, out_of_office, bounce, ...
    subject: str | None
    text: str
    ref: str  # "message:<id>" (a sequence step) or "inbound:<id>" (stored inbound or our reply by hand)
    label: str | None = None
    confidence: float | None = None
    needs_review: bool = False
    detail: str | None = None  # the action taken, a bounce status, a return date

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Conversation:
    lead_id: int
    name: str
    email: str | None
    linkedin_id: str | None
    stage: str
    stop_reason: str | None
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["entries"] = [e.as_dict() for e in self.entries]
        return data


def _needs_review(row: InboundMessage) -> bool:
    data = row.classification or {}
    return bool(data.get("needs_review")) and not data.get("label_override")


def list_conversations(session: Session, workspace_id: int, *, label: str | None = None,
                       needs_review: bool | None = None, limit: int = 200) -> list[ConversationSummary]:
    """Leads with inbound messages, the most recent first; `label` filters on the latest reply's label."""
    latest = (select(InboundMessage.lead_id, func.max(InboundMessage.received_at).label("last_at"))
              .where(InboundMessage.workspace_id == workspace_id, InboundMessage.lead_id.is_not(None),
                     InboundMessage.kind.in_(INBOUND_KINDS))
              .group_by(InboundMessage.lead_id).order_by(func.max(InboundMessage.received_at).desc())
              .limit(limit if label is None and needs_review is None else limit * 20))
    lead_ids = [row.lead_id for row in session.execute(latest)]
    if not lead_ids:
        return []
    leads = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))}
    rows: dict[int, list[InboundMessage]] = {}
    for row in session.scalars(select(InboundMessage).where(
            InboundMessage.lead_id.in_(lead_ids), InboundMessage.workspace_id == workspace_id,
            InboundMessage.kind.in_(SHOWN_KINDS)).order_by(InboundMessage.received_at, InboundMessage.id)):
        rows.setdefault(row.lead_id or 0, []).append(row)
    summaries = []
    for lead_id in lead_ids:
        lead, mine = leads.get(lead_id), rows.get(lead_id, [])
        theirs = [r for r in mine if r.kind in INBOUND_KINDS]
        if lead is None or not theirs:
            continue
        replies = [r for r in theirs if r.kind == "reply"]
        summary = ConversationSummary(
            lead_id=lead.id, name=lead.full_name, email=lead.email,
            channels=sorted({r.channel for r in mine}), last_at=theirs[-1].received_at, last_kind=theirs[-1].kind or "",
            label=replies[-1].label if replies else None, needs_review=any(_needs_review(r) for r in theirs),
            messages=len(mine), stage=lead.stage, stop_reason=lead.stop_reason)
        if label is not None and summary.label != label:
            continue
        if needs_review is not None and summary.needs_review != needs_review:
            continue
        summaries.append(summary)
    return summaries[:limit]


def _inbound_text(row: InboundMessage) -> str:
    data = row.classification or {}
    if row.kind == "manual_reply":
        return str(data.get("body") or "")
    if row.kind == "bounce":
        parts = [f"status {data.get('status')}" if data.get("status") else "",
                 f"for {data.get('failed_recipient')}" if data.get("failed_recipient") else ""]
        return "Delivery failed " + " ".join(p for p in parts if p)
    if row.kind == "relation":
        return "Accepted the invitation (1st-degree connection now)"
    text = str(data.get("new_text") or "")
    if not text and row.raw and row.channel == "email":
        text = split_reply(parse_message(row.raw).text).new_text
    return text[:MAX_TEXT]


def conversation(session: Session, workspace_id: int, lead_id: int) -> Conversation:
    """Everything between us and one lead, oldest first. NotFound outside the workspace."""
    lead = Scope(session, workspace_id).get(Lead, lead_id, "lead")
    result = Conversation(lead.id, lead.full_name, lead.email, lead.linkedin_id, lead.stage, lead.stop_reason)
    for enrollment, sequence_name in session.execute(
            select(Enrollment, Sequence.name).join(Sequence, Sequence.id == Enrollment.sequence_id)
            .where(Enrollment.lead_id == lead.id).order_by(Enrollment.id)):
        result.enrollments.append({"id": enrollment.id, "sequence": sequence_name, "state": enrollment.state,
                                   "waiting_reason": enrollment.waiting_reason,
                                   "next_due_at": enrollment.next_due_at, "stop_reason": enrollment.stop_reason})
    entries: list[Entry] = []
    for message in session.scalars(select(Message).join(Enrollment, Enrollment.id == Message.enrollment_id).where(
            Enrollment.lead_id == lead.id, Message.send_state.in_((SendState.SENT.value, SendState.RECONCILE.value,
                                                                  SendState.SENDING.value)))):
        entries.append(Entry(message.sent_at or message.sending_at, "out", message.channel, "step",
                             message.subject, message.body[:MAX_TEXT], f"message:{message.id}",
                             detail=None if message.send_state == SendState.SENT.value else message.send_state))
    for row in session.scalars(select(InboundMessage).where(InboundMessage.lead_id == lead.id,
                                                            InboundMessage.workspace_id == workspace_id,
                                                            InboundMessage.kind.in_(SHOWN_KINDS))):
        data = row.classification or {}
        out = row.kind == "manual_reply"
        entries.append(Entry(row.received_at, "out" if out else "in", row.channel, row.kind or "",
                             data.get("subject") or None, _inbound_text(row), f"inbound:{row.id}",
                             label=row.label, confidence=data.get("confidence"), needs_review=_needs_review(row),
                             detail=data.get("action")))
    result.entries = sorted(entries, key=lambda e: (e.at is None, e.at.timestamp() if e.at else 0.0, e.ref))
    return result
