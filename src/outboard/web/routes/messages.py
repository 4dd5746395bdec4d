"""One message in the Messaging Lab's panel: the copy beside the hooks and the lead facts they came from, its
guardrail findings and history; edit (the guardrails run again), approve, reject, regenerate."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.api.services.jobs import job_progress
from outboard.core.errors import NotFound, OutboardError, ValidationError
from outboard.db.models import Message
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer
from outboard.web.forms import FormState
from outboard.web.templating import is_htmx, render
from outboard.write.review import ApprovalRefused, approve_message, edit_message, message_detail, reject_message
from outboard.write.tasks import start_regeneration

router = APIRouter(dependencies=[Depends(csrf_protect)])
BODY_MAX = 20_000


def _panel(request: Request, session: Session, who: Viewer, message_id: int, *, form: FormState | None = None,
           notice: str | None = None, job: object = None, status: int = 200) -> Response:
    d = message_detail(session, who.workspace_id, message_id)
    m = d.message
    form = form or FormState({"subject": m.subject or "", "body": m.body, "reason": ""})
    return render(request, "messages/detail.html", {"d": d, "m": m, "form": form, "notice": notice, "job": job,
                                                    "oob": is_htmx(request)}, status=status, block="panel")


@router.get("/messages/{message_id}")
def message(request: Request, message_id: ObjectId, who: Viewer = Depends(viewer),
            session: Session = Depends(db_session)) -> Response:
    return _panel(request, session, who, message_id)


def _owned(rt: Runtime, who: Viewer, message_id: int) -> None:
    with rt.db.sessions() as session:
        Scope(session, who.workspace_id).get(Message, message_id, "message")


@router.post("/messages/{message_id}/edit")
def edit(request: Request, message_id: ObjectId, subject: str = Form(""), body: str = Form(""),
         who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    _owned(rt, who, message_id)
    form = FormState({"subject": subject, "body": body, "reason": ""})
    if not body.strip():
        form.fail("body", "A message needs a body.")
    elif len(body) > BODY_MAX:
        form.fail("body", f"At most {BODY_MAX:,} characters.")
    notice = None
    if form.ok:
        try:
            with rt.db.transaction() as session:
                view = edit_message(session, who.workspace_id, message_id, subject=subject, body=body,
                                    user_id=who.user_id)
            notice = ("Saved. The guardrails found something to fix before it can be approved." if view.blocking
                      else "Saved as edited: approve it when it reads right.")
        except ValidationError as exc:
            form.from_error(exc, fallback="body")
        except OutboardError as exc:  # the sequence was launched: its messages are locked
            form.fail("form", f"Not saved: {exc}.")
    with rt.db.sessions() as session:
        return _panel(request, session, who, message_id, form=None if form.ok else form, notice=notice,
                      status=200 if form.ok else 422)


@router.post("/messages/{message_id}/approve")
def approve(request: Request, message_id: ObjectId, who: Viewer = Depends(viewer),
            rt: Runtime = Depends(runtime_of)) -> Response:
    _owned(rt, who, message_id)
    form, notice = None, None
    try:
        with rt.db.transaction() as session:
            approve_message(session, who.workspace_id, message_id, user_id=who.user_id)
        notice = "Approved."
    except ApprovalRefused as refused:
        form = FormState(errors={"form": "Not approved: fix these guardrail findings first (edit or regenerate): "
                                         + "; ".join(f["message"] for f in refused.findings) + "."})
    except NotFound:
        raise
    except OutboardError as exc:
        form = FormState(errors={"form": f"Not approved: {exc}."})
    with rt.db.sessions() as session:
        if form is not None:
            d = message_detail(session, who.workspace_id, message_id)
            form.values = {"subject": d.message.subject or "", "body": d.message.body, "reason": ""}
        return _panel(request, session, who, message_id, form=form, notice=notice,
                      status=200 if form is None else 409)


@router.post("/messages/{message_id}/reject")
def reject(request: Request, message_id: ObjectId, reason: str = Form(""), who: Viewer = Depends(viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    _owned(rt, who, message_id)
    try:
        with rt.db.transaction() as session:
            reject_message(session, who.workspace_id, message_id, user_id=who.user_id, reason=reason.strip())
        notice, status = "Rejected: it blocks launch until it is edited and approved, or regenerated.", 200
    except NotFound:
        raise
    except OutboardError as exc:
        notice, status = f"Not rejected: {exc}.", 409
    with rt.db.sessions() as session:
        return _panel(request, session, who, message_id, notice=notice, status=status)


@router.post("/messages/{message_id}/regenerate")
def regenerate(request: Request, message_id: ObjectId, who: Viewer = Depends(viewer),
               rt: Runtime = Depends(runtime_of)) -> Response:
    """Write it again from the lead's current data, in a background job."""
    _owned(rt, who, message_id)
    job, notice = None, None
    try:
        job_id = start_regeneration(rt, who.workspace_id, [message_id], user_id=who.user_id)
        with rt.db.sessions() as session:
            job = job_progress(session, who.workspace_id, job_id)
        if job.final:
            notice = ("Regenerated from the lead's current data." if job.state == "succeeded"
                      else f"Not regenerated: {(job.error or job.state).splitlines()[0]}")
            job = None
    except NotFound:
        raise
    except OutboardError as exc:
        notice = f"Not regenerated: {exc}."
    with rt.db.sessions() as session:
        return _panel(request, session, who, message_id, notice=notice, job=job)
