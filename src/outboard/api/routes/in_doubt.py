"""Sends in doubt over the API: the list of a sequence's messages waiting for a person's decision, and the
decision (`sent`, or `not_sent` to let it go out again)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from outboard.api import owned
from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.runtime import Runtime
from outboard.send.in_doubt import decide, sends_in_doubt

router = APIRouter(tags=["sequences"])


class InDoubtOut(BaseModel):
    message_id: int
    lead_id: int
    to: str | None
    channel: str
    subject: str | None
    smtp_message_id: str | None
    sending_at: datetime | None
    reason: str | None


class DecisionIn(BaseModel):
    decision: Literal["sent", "not_sent"] = Field(
        description="sent: it went out (recorded at its send time, the lead moves on); not_sent: it may be sent "
                    "again, after every rule is checked again")


class DecisionOut(BaseModel):
    message_id: int
    send_state: str


@router.get("/sequences/{sequence_id}/in-doubt", response_model=list[InDoubtOut], responses=responses(404))
def in_doubt(sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
             session: Session = Depends(db_session)) -> list[InDoubtOut]:
    """Messages whose send outcome is unknown (state `reconcile`): never re-sent until a person decides."""
    return [InDoubtOut(message_id=m.id, lead_id=lead.id, to=lead.email or lead.linkedin_id, channel=m.channel,
                       subject=m.subject, smtp_message_id=m.smtp_message_id, sending_at=m.sending_at,
                       reason=m.last_error) for m, _, lead in sends_in_doubt(session, who.workspace_id, sequence_id)]


@router.post("/messages/{message_id}/decision", response_model=DecisionOut, responses=responses(404, 409, 422))
def decision(body: DecisionIn, message_id: int = Depends(owned.message_id), who: Caller = Depends(caller),
             rt: Runtime = Depends(get_runtime)) -> DecisionOut:
    """Decide a send in doubt (409 when the message is not waiting for a decision)."""
    with rt.db.transaction() as session:
        message = decide(session, who.workspace_id, message_id, body.decision, rt.clock.now(),
                         by=f"user:{who.user_id}")
        return DecisionOut(message_id=message.id, send_state=message.send_state)
