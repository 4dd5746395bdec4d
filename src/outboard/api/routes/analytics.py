from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from outboard.analytics.outreach import Scope as StatsScope
from outboard.analytics.outreach import outreach_stats
from outboard.analytics.pipeline import pipeline
from outboard.analytics.queries import SERIES, more_daily
from outboard.api.auth import Caller, caller, db_session
from outboard.api.errors import responses
from outboard.api.params import MAX_ID
from outboard.api.schemas_analytics import DayOut, PipelineOut, StatsOut
from outboard.db.models import Run, SenderAccount, Sequence
from outboard.db.scope import Scope

router = APIRouter(tags=["analytics"])
OptionalId = Query(None, ge=1, le=MAX_ID)


def checked_scope(session: Session, workspace_id: int, run_id: int | None, sequence_id: int | None,
                  step: int | None, account_id: int | None) -> StatsScope:
    """The analytics scope, each id checked to be ours (404 otherwise, like every other object)."""
    scope = Scope(session, workspace_id)
    for model, object_id, what in ((Run, run_id, "run"), (Sequence, sequence_id, "sequence"),
                                   (SenderAccount, account_id, "sender account")):
        if object_id is not None:
            scope.get(model, object_id, what)
    return StatsScope(workspace_id, run_id=run_id, sequence_id=sequence_id, step_position=step,
                      account_id=account_id)


def stats_out(session: Session, scope: StatsScope) -> StatsOut:
    stats = outreach_stats(session, scope)
    more = more_daily(session, scope)
    empty = dict.fromkeys(SERIES, 0)
    days = sorted(set(stats.daily) | set(more))
    daily = [DayOut(day=d, **{"sent": 0, "replied": 0, "bounced": 0, **stats.daily.get(d, {})},
                    **{**empty, **more.get(d, {})}) for d in days]
    values = {k: v for k, v in stats.as_dict().items() if k != "daily"}
    return StatsOut(**values, daily=daily)


@router.get("/analytics", response_model=StatsOut, responses=responses(404, 422))
def analytics(run_id: int | None = OptionalId, sequence_id: int | None = OptionalId,
              step: int | None = Query(None, ge=1, le=100, description="A step position"),
              account_id: int | None = OptionalId, who: Caller = Depends(caller),
              session: Session = Depends(db_session)) -> StatsOut:
    """Sent, bounced, replied, positive replies, opt-outs, invites sent and accepted, for the workspace or one
    run, sequence, step or sender account: totals and a daily series."""
    return stats_out(session, checked_scope(session, who.workspace_id, run_id, sequence_id, step, account_id))


@router.get("/analytics/pipeline", response_model=PipelineOut, responses=responses())
def lead_pipeline(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> PipelineOut:
    """The workspace's leads by stage, and those stopped off the path by reason."""
    p = pipeline(session, who.workspace_id)
    return PipelineOut(total=p.total, by_stage={s.value: n for s, n in p.by_stage.items()},
                       stopped={r.value: n for r, n in p.stopped.items()})
