"""Job progress as the CLI and the web page show it: done of total, a percentage, the last message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from outboard.db.models import Job
from outboard.db.scope import Scope
from outboard.jobs.runner import FINAL


@dataclass(frozen=True)
class JobProgress:
    id: int
    kind: str
    state: str
    done: int
    total: int | None
    message: str
    error: str | None
    result: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def final(self) -> bool:
        return self.state in FINAL

    @property
    def percent(self) -> int | None:
        if self.state == "succeeded":
            return 100
        if not self.total:
            return None
        return max(0, min(100, self.done * 100 // self.total))


def job_progress(session: Session, workspace_id: int, job_id: int) -> JobProgress:
    job = Scope(session, workspace_id).get(Job, job_id, "job")
    return JobProgress(job.id, job.kind, job.state, job.done, job.total, job.message, job.error, job.result or {},
                       job.created_at, job.started_at, job.finished_at)
