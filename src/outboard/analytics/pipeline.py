"""The lead pipeline by stage, and leads stopped off the path by reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage, StopReason
from outboard.db.models import Lead


@dataclass(frozen=True)
class Pipeline:
    by_stage: dict[LeadStage, int]
    stopped: dict[StopReason, int]

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


def pipeline(session: Session, workspace_id: int) -> Pipeline:
    rows = session.execute(
        select(Lead.stage, Lead.stop_reason, func.count()).where(Lead.workspace_id == workspace_id)
        .group_by(Lead.stage, Lead.stop_reason)
    ).all()
    by_stage = dict.fromkeys(LeadStage, 0)
    stopped = dict.fromkeys(StopReason, 0)
    for stage, stop_reason, count in rows:
        by_stage[LeadStage(stage)] += count
        if stop_reason:
            stopped[StopReason(stop_reason)] += count
    return Pipeline(by_stage, stopped)
