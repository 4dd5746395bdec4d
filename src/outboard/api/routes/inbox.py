"""The inbox over the API: conversations, one lead's conversation, reply by hand, correct a label, mark
opted out; the Inbox page's services (inbox.conversations, inbox.manual)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.params import ObjectId
from outboard.db.models import InboundMessage, Lead
from outboard.db.scope import Scope
from outboard.inbox.conversations import Conversation, ConversationSummary, conversation, list_conversations
from outboard.inbox.labels import Label
from outboard.inbox.manual import ReplySent, mark_opted_out, relabel, send_reply
from outboard.runtime import Runtime

router = APIRouter(tags=["inbox"])
LabelName = Literal["interested", "meeting_request", "information_request", "not_interested", "wrong_person", "none"]
assert set(LabelName.__args__) == {*(label.value for label in Label), "none"}  # type: ignore[attr-defined]


class ReplyIn(BaseModel):
    body: str = Field(max_length=20_000, description="The text of the reply")
    channel: Literal["email", "linkedin"] | None = Field(None, description="Default: where they last wrote")


class LabelIn(BaseModel):
    label: LabelName


class LabelOut(BaseModel):
    id: int
    label: str | None
    lead_id: int | None


class OptedOutOut(BaseModel):
    lead_id: int
    opted_out: bool


def lead_id(lead_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return Scope(session, who.workspace_id).get(Lead, lead_id, "lead").id


def inbound_id(inbound_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return Scope(session, who.workspace_id).get(InboundMessage, inbound_id, "inbound message").id


@router.get("/inbox", response_model=list[ConversationSummary], responses=responses(422))
def conversations(label: LabelName | None = Query(None, description="The latest reply's label"),
                  review: bool = Query(False, description="Only those a person should check"),
                  limit: int = Query(200, ge=1, le=1000), who: Caller = Depends(caller),
                  session: Session = Depends(db_session)) -> list[ConversationSummary]:
    """Conversations across email and LinkedIn, one per lead, the most recent first."""
    found = list_conversations(session, who.workspace_id, label=None if label in (None, "none") else label,
                               needs_review=True if review else None, limit=limit)
    if label == "none":
        found = [c for c in found if c.label is None]
    return found


@router.get("/inbox/{lead_id}", response_model=Conversation, responses=responses(404, 422))
def read(lead: int = Depends(lead_id), who: Caller = Depends(caller),
         session: Session = Depends(db_session)) -> Conversation:
    """What we sent and what came back, oldest first, quoted history removed. Each entry's `ref` is
    message:<id> (a sequence step) or inbound:<id> (the id a label correction takes)."""
    return conversation(session, who.workspace_id, lead)


@router.post("/inbox/{lead_id}/reply", response_model=ReplySent, responses=responses(400, 404, 422))
async def reply(body: ReplyIn, lead: int = Depends(lead_id), who: Caller = Depends(caller),
                rt: Runtime = Depends(get_runtime)) -> ReplySent:
    """Reply by hand through the account the conversation used, in its thread. 400 when it cannot go out
    (suppressed lead, no conversation on that channel, the server refused), saying why."""
    return await run_in_threadpool(send_reply, rt, who.workspace_id, lead, body.body, channel=body.channel,
                                   user_id=who.user_id)


@router.post("/inbox/{lead_id}/opt-out", response_model=OptedOutOut, responses=responses(404, 422))
def opt_out(lead: int = Depends(lead_id), who: Caller = Depends(caller),
            rt: Runtime = Depends(get_runtime)) -> OptedOutOut:
    """Mark the lead as opted out: suppressed workspace-wide, every sequence stops."""
    with rt.db.transaction() as session:
        mark_opted_out(session, who.workspace_id, lead, rt.clock.now(), source="api: marked by hand")
    return OptedOutOut(lead_id=lead, opted_out=True)


@router.put("/inbox/messages/{inbound_id}/label", response_model=LabelOut, responses=responses(404, 422))
def set_label(body: LabelIn, message: int = Depends(inbound_id), who: Caller = Depends(caller),
              rt: Runtime = Depends(get_runtime)) -> LabelOut:
    """Correct a reply's label (or clear it with `none`); kept when the classifier runs again."""
    with rt.db.transaction() as session:
        row = relabel(session, who.workspace_id, message, body.label, rt.clock.now(), user_id=who.user_id)
        return LabelOut(id=row.id, label=row.label, lead_id=row.lead_id)
