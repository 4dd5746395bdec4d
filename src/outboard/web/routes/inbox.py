"""Inbox: conversations across email and LinkedIn, one per lead, with the reply's label; a conversation's
page to reply (through the account the conversation used), correct a label, or mark the lead opted out.
The services are the CLI's (`outboard inbox`): inbox.conversations and inbox.manual."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from outboard.core.errors import NotFound, OutboardError, ValidationError
from outboard.inbox.conversations import conversation, list_conversations
from outboard.inbox.labels import Label
from outboard.inbox.manual import mark_opted_out, relabel, send_reply
from outboard.runtime import Runtime
from outboard.web.deps import Viewer, csrf_protect, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
LABELS = [label.value for label in Label]
CHANNELS = {"": "Where they last wrote", "email": "Email", "linkedin": "LinkedIn"}


@router.get("/inbox")
def inbox(request: Request, label: str = "", review: str = "", who: Viewer = Depends(viewer),
          rt: Runtime = Depends(runtime_of)) -> Response:
    chosen = label if label in (*LABELS, "none") else ""
    with rt.db.sessions() as session:
        found = list_conversations(session, who.workspace_id, label=chosen if chosen in LABELS else None,
                                   needs_review=True if review else None)
    if chosen == "none":
        found = [c for c in found if c.label is None]
    return render(request, "inbox/list.html", {"conversations": found, "labels": LABELS, "label": chosen,
                                               "review": bool(review)})


def _conversation(request: Request, rt: Runtime, who: Viewer, lead_id: int, form: FormState | None = None,
                  status: int = 200) -> Response:
    with rt.db.sessions() as session:
        found = conversation(session, who.workspace_id, lead_id)
    return render(request, "inbox/conversation.html", {
        "c": found, "labels": LABELS, "channels": CHANNELS,
        "form": form or FormState({"body": "", "channel": ""})}, status=status)


@router.get("/inbox/{lead_id}")
def show(request: Request, lead_id: int, who: Viewer = Depends(viewer),
         rt: Runtime = Depends(runtime_of)) -> Response:
    return _conversation(request, rt, who, lead_id)


@router.post("/inbox/{lead_id}/reply")
async def reply(request: Request, lead_id: int, body: str = Form(""), channel: str = Form(""),
                who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    """Send the reply by hand (SMTP or the LinkedIn provider: in a thread, not on the event loop)."""
    form = FormState({"body": body, "channel": channel})
    with rt.db.sessions() as session:
        conversation(session, who.workspace_id, lead_id)  # not ours: 404 before anything else
    try:
        sent = await run_in_threadpool(send_reply, rt, who.workspace_id, lead_id, body,
                                       channel=channel or None, user_id=who.user_id)
    except NotFound:
        raise
    except ValidationError as exc:
        return await run_in_threadpool(_conversation, request, rt, who, lead_id,
                                       form.from_error(exc, fallback="body"), 422)
    except OutboardError as exc:  # suppressed lead, no conversation to reply in, the server refused
        return await run_in_threadpool(_conversation, request, rt, who, lead_id,
                                       form.fail("body", f"Not sent: {exc}"), 422)
    web_session(request).update(flash=f"Reply sent to {sent.to or 'the lead'} by {sent.channel}.")
    return RedirectResponse(f"/inbox/{lead_id}", status_code=303)


@router.post("/inbox/{lead_id}/opt-out")
def opt_out(request: Request, lead_id: int, who: Viewer = Depends(viewer),
            rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        mark_opted_out(session, who.workspace_id, lead_id, rt.clock.now(), source="inbox: marked by hand")
    web_session(request).update(flash="Marked as opted out: suppressed in every run, every sequence stops.")
    return RedirectResponse(f"/inbox/{lead_id}", status_code=303)


@router.post("/inbox/messages/{inbound_id}/label")
def label(request: Request, inbound_id: int, label: str = Form(""), who: Viewer = Depends(viewer),
          rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        row = relabel(session, who.workspace_id, inbound_id, label, rt.clock.now(), user_id=who.user_id)
        lead_id = row.lead_id
    web_session(request).update(flash=f"Label set to {label.replace('_', ' ')}.")
    return RedirectResponse(f"/inbox/{lead_id}" if lead_id else "/inbox", status_code=303)
