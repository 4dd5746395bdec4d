"""Job rows: created queued, moved to running, progress written in short transactions of their own so
that the CLI and the web page see it while the job runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from outboard.core.errors import OutboardError
from outboard.db.database import Database
from outboard.db.models import Job


class JobCancelled(OutboardError):
    pass


class Progress:
    """Handed to a job handler: report how far it got; raises JobCancelled when the user cancelled."""

    def __init__(self, db: Database, job_id: int, workspace_id: int):
        self.db, self.job_id, self.workspace_id = db, job_id, workspace_id

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        values: dict[str, Any] = {"done": done, "heartbeat_at": self.db.clock.now()}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:500]
        with self.db.transaction() as session:
            session.execute(update(Job).where(Job.id == self.job_id).values(**values))
            state = session.get(Job, self.job_id).state  # type: ignore[union-attr]
        if state == "cancelled":
            raise JobCancelled(f"job {self.job_id} was cancelled")


def create_job(db: Database, workspace_id: int, kind: str, params: dict[str, Any], total: int | None = None) -> int:
    with db.transaction() as session:
        job = Job(workspace_id=workspace_id, kind=kind, params=params, total=total, state="queued")
        session.add(job)
        session.flush()
        return job.id


def set_state(db: Database, job_id: int, state: str, **values: Any) -> None:
    now = db.clock.now()
    if state == "running":
        values.setdefault("started_at", now)
    if state in ("succeeded", "failed", "cancelled"):
        values.setdefault("finished_at", now)
    with db.transaction() as session:
        session.execute(update(Job).where(Job.id == job_id).values(state=state, heartbeat_at=now, **values))


def read_job(db: Database, job_id: int) -> Job:
    with db.sessions() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise OutboardError(f"job {job_id} not found")
        return job
