"""Tasks: the manual LinkedIn steps that are due, with their text to copy, and done / accepted / replied."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.core.errors import NotFound, OutboardError
from outboard.db.models import LinkedinTask
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.linkedin_tasks import ACTIONS, mark_task, open_tasks
from outboard.send.queries import task_leads
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
SAID = {"done": "marked as sent", "accepted": "marked as accepted: the next LinkedIn message can follow",
        "replied": "marked as replied: the lead's automated steps stop"}


@router.get("/tasks")
def tasks(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    rows = open_tasks(session, who.workspace_id)
    return render(request, "tasks/list.html", {
        "todo": [t for t in rows if t.state == "open"], "waiting": [t for t in rows if t.state == "done"],
        "leads": task_leads(session, who.workspace_id, [t.message_id for t in rows])})


@router.post("/tasks/{task_id}")
def mark(request: Request, task_id: ObjectId, action: str = Form(""), who: Viewer = Depends(viewer),
         rt: Runtime = Depends(runtime_of)) -> Response:
    """Say what happened with a task: done (sent), accepted (the invite), replied (the person answered)."""
    with rt.db.sessions() as session:
        Scope(session, who.workspace_id).get(LinkedinTask, task_id, "task")
    if action not in ACTIONS:
        message = "Choose done, accepted or replied."
    else:
        try:
            with rt.db.transaction() as session:
                mark_task(session, who.workspace_id, task_id, action, rt.clock.now())
            message = f"Task {task_id} {SAID[action]}."
        except NotFound:
            raise
        except OutboardError as exc:
            message = f"Task {task_id} not changed: {exc}."
    web_session(request).update(flash=message)
    return RedirectResponse("/tasks", status_code=303)
