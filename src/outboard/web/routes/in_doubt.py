"""Sends in doubt of a sequence (`/sequences/{id}/in-doubt`): messages whose outcome is unknown after a
crash and that the Sent folder did not show. A person looks in the mailbox and decides each one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.core.errors import NotFound, OutboardError
from outboard.db.models import Enrollment, Message, Sequence
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.in_doubt import decide, sends_in_doubt
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/sequences/{sequence_id}/in-doubt")
def in_doubt(request: Request, sequence_id: ObjectId, who: Viewer = Depends(viewer),
             session: Session = Depends(db_session)) -> Response:
    sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    return render(request, "sequences/in_doubt.html", {
        "sequence": sequence, "rows": sends_in_doubt(session, who.workspace_id, sequence.id)})


@router.post("/sequences/{sequence_id}/in-doubt/{message_id}")
def decide_one(request: Request, sequence_id: ObjectId, message_id: ObjectId, decision: str = Form(""),
               who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        scope = Scope(session, who.workspace_id)
        sequence = scope.get(Sequence, sequence_id, "sequence")
        message = scope.get(Message, message_id, "message")
        enrollment = session.get(Enrollment, message.enrollment_id)
        if enrollment is None or enrollment.sequence_id != sequence.id:
            raise NotFound(f"message {message_id} not found")
        try:
            state = decide(session, who.workspace_id, message_id, decision, rt.clock.now(),
                           by=f"user:{who.user_id}").send_state
            flash = ("Recorded as sent; the lead moves on to its next step." if state == "sent" else
                     "Recorded as not sent: it goes out again once every rule allows it." if state == "scheduled"
                     else "Recorded as not sent; the lead's sequence has ended, so it will not be sent.")
        except OutboardError as exc:
            flash = f"Nothing changed: {exc}."
    web_session(request).update(flash=flash)
    return RedirectResponse(f"/sequences/{sequence_id}/in-doubt", status_code=303)
