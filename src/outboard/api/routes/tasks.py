from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api import owned
from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas_send import TaskActionIn, TaskOut
from outboard.db.models import LinkedinTask
from outboard.runtime import Runtime
from outboard.send.linkedin_tasks import mark_task, open_tasks
from outboard.send.queries import TaskLead, task_leads

router = APIRouter(tags=["tasks"])


def task_out(task: LinkedinTask, lead: TaskLead | None) -> TaskOut:
    return TaskOut(id=task.id, kind=task.kind, state=task.state, profile_url=task.profile_url, text=task.text,
                   lead_id=lead.lead_id if lead else None, lead=lead.full_name if lead else None,
                   sequence_id=lead.sequence_id if lead else None, sequence=lead.sequence if lead else None,
                   step=lead.position if lead else None, created_at=task.created_at, completed_at=task.completed_at)


@router.get("/tasks", response_model=list[TaskOut], responses=responses())
def tasks(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[TaskOut]:
    """Manual LinkedIn tasks to do (`open`) or whose invite may still be accepted (`done`), oldest first."""
    rows = open_tasks(session, who.workspace_id)
    leads = task_leads(session, who.workspace_id, [t.message_id for t in rows])
    return [task_out(t, leads.get(t.message_id)) for t in rows]


@router.post("/tasks/{task_id}/mark", response_model=TaskOut, responses=responses(404, 422))
def mark(body: TaskActionIn, task_id: int = Depends(owned.task_id), who: Caller = Depends(caller),
         rt: Runtime = Depends(get_runtime)) -> TaskOut:
    """Say what happened: `done` (you sent it), `accepted` (an invite was accepted), `replied` (the person
    answered: their automation stops)."""
    with rt.db.transaction() as session:
        task = mark_task(session, who.workspace_id, task_id, body.action, rt.clock.now())
        return task_out(task, task_leads(session, who.workspace_id, [task.message_id]).get(task.message_id))
