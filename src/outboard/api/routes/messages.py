"""The Messaging Lab over the API: list, read, edit, approve, reject, generate and regenerate messages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from outboard.api import owned
from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas_write import (
    BulkApprovalOut,
    BulkApproveIn,
    GenerateIn,
    HeldOut,
    JobStartedOut,
    MessageDetailOut,
    MessageEditIn,
    MessageOut,
    RejectIn,
    ReviewState,
    RevisionOut,
)
from outboard.core.errors import NotFound
from outboard.runtime import Runtime
from outboard.write.queries import messages_of_sequence
from outboard.write.review import (
    MessageView,
    approve_message,
    bulk_approve,
    edit_message,
    list_messages,
    message_detail,
    reject_message,
)
from outboard.write.tasks import start_generation, start_regeneration

router = APIRouter(tags=["messages"])


def message_out(view: MessageView) -> MessageOut:
    return MessageOut(**view.as_dict())


def _started(job_id: int) -> JobStartedOut:
    return JobStartedOut(job_id=job_id, poll=f"/api/jobs/{job_id}")


@router.get("/sequences/{sequence_id}/messages", response_model=list[MessageOut], responses=responses(404, 422))
def messages(sequence_id: int = Depends(owned.sequence_id), state: ReviewState | None = Query(None),
             blocking: bool | None = Query(None, description="true: only those with a blocking finding; false: "
                                                             "only those without"),
             limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000),
             who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[MessageOut]:
    """A sequence's messages by lead and step."""
    views = list_messages(session, who.workspace_id, sequence_id=sequence_id, review_state=state,
                          has_findings=blocking, blocking_only=blocking is not None, limit=limit, offset=offset)
    return [message_out(v) for v in views]


@router.post("/sequences/{sequence_id}/messages/generate", response_model=JobStartedOut, status_code=202,
             responses=responses(400, 404, 409, 422))
def generate(body: GenerateIn, sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
             rt: Runtime = Depends(get_runtime)) -> JobStartedOut:
    """Write the messages of a Draft sequence in a background job: previews for `sample` leads, the chosen
    `lead_ids`, or every enrolled lead. Follow the job at `poll`."""
    return _started(start_generation(rt, who.workspace_id, sequence_id, lead_ids=list(body.lead_ids),
                                     sample=body.sample, writer=body.writer, force=body.force,
                                     user_id=who.user_id))


@router.post("/sequences/{sequence_id}/messages/approve", response_model=BulkApprovalOut,
             responses=responses(404, 409, 422))
def approve_all(body: BulkApproveIn, sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
                rt: Runtime = Depends(get_runtime)) -> BulkApprovalOut:
    """Approve every draft or edited message that passes the guardrails (or only `message_ids`, which must be
    messages of this sequence); the held-back ones are listed with why."""
    with rt.db.transaction() as session:
        if body.message_ids is None:
            result = bulk_approve(session, who.workspace_id, sequence_id=sequence_id, user_id=who.user_id)
        else:
            ids = list(dict.fromkeys(body.message_ids))
            ours = messages_of_sequence(session, who.workspace_id, sequence_id, ids)
            missing = [i for i in ids if i not in ours]
            if missing:
                raise NotFound(f"message {missing[0]} not found in sequence {sequence_id}")
            result = bulk_approve(session, who.workspace_id, message_ids=ids, user_id=who.user_id)
    return BulkApprovalOut(approved=result.approved, already_approved=result.already_approved,
                           held_back=result.held_back, reasons=result.reasons,
                           held=[HeldOut(message_id=m, reason=r) for m, r in result.held])


@router.get("/messages/{message_id}", response_model=MessageDetailOut, responses=responses(404))
def message(message_id: int = Depends(owned.message_id), who: Caller = Depends(caller),
            session: Session = Depends(db_session)) -> MessageDetailOut:
    """A message beside the hooks it used and the lead's facts they came from, with its edit history."""
    d = message_detail(session, who.workspace_id, message_id)
    return MessageDetailOut(**d.message.as_dict(), facts=d.facts,
                            revisions=[RevisionOut(**r.__dict__) for r in d.revisions])


@router.patch("/messages/{message_id}", response_model=MessageOut, responses=responses(404, 409, 422))
def edit(body: MessageEditIn, message_id: int = Depends(owned.message_id), who: Caller = Depends(caller),
         rt: Runtime = Depends(get_runtime)) -> MessageOut:
    """Change the subject and/or body: the message becomes `edited` and the guardrails run again (its
    `findings` say what they found)."""
    changes = {} if "subject" not in body.model_fields_set else {"subject": body.subject}
    with rt.db.transaction() as session:
        return message_out(edit_message(session, who.workspace_id, message_id, body=body.body, user_id=who.user_id,
                                        **changes))


@router.post("/messages/{message_id}/approve", response_model=MessageOut, responses=responses(404, 409))
def approve(message_id: int = Depends(owned.message_id), who: Caller = Depends(caller),
            rt: Runtime = Depends(get_runtime)) -> MessageOut:
    """Approve one message (409 while it has a blocking guardrail finding, or once its sequence launched)."""
    with rt.db.transaction() as session:
        return message_out(approve_message(session, who.workspace_id, message_id, user_id=who.user_id))


@router.post("/messages/{message_id}/reject", response_model=MessageOut, responses=responses(404, 409, 422))
def reject(body: RejectIn, message_id: int = Depends(owned.message_id), who: Caller = Depends(caller),
           rt: Runtime = Depends(get_runtime)) -> MessageOut:
    """Reject: it blocks launch until it is edited and approved, or regenerated."""
    with rt.db.transaction() as session:
        return message_out(reject_message(session, who.workspace_id, message_id, user_id=who.user_id,
                                          reason=body.reason))


@router.post("/messages/{message_id}/regenerate", response_model=JobStartedOut, status_code=202,
             responses=responses(400, 404, 409))
def regenerate(message_id: int = Depends(owned.message_id), who: Caller = Depends(caller),
               rt: Runtime = Depends(get_runtime)) -> JobStartedOut:
    """Write this message again from the lead's current data, in a background job."""
    return _started(start_regeneration(rt, who.workspace_id, [message_id], user_id=who.user_id))
