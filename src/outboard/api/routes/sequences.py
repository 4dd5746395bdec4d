from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from outboard.api import owned
from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.params import MAX_ID, Cursor
from outboard.api.schemas_send import (
    EnrolledOut,
    EnrolledPageOut,
    FindingOut,
    LaunchIn,
    LaunchOut,
    LaunchRefusedOut,
    ReadinessOut,
    SendersIn,
    SequenceCreatedOut,
    SequenceIn,
    SequenceOut,
    SequenceSummaryOut,
    StepIn,
    StepOut,
    StepsIn,
)
from outboard.api.services.accounts import dns_checker
from outboard.api.services.sequences import SequenceRequest, check_steps, new_sequence
from outboard.core.writing import Finding
from outboard.db import tallies
from outboard.db.models import Run, Sequence
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import StepInput, pause_sequence, resume_sequence, set_senders, set_steps
from outboard.send.launch import OVERRIDABLE, LaunchBlocked, enroll_leads, launch, readiness
from outboard.send.queries import dashboard, leads_at_step

router = APIRouter(tags=["sequences"])
EnrollmentState = Literal["active", "waiting", "replied", "completed", "stopped"]


def finding_out(finding: Finding) -> FindingOut:
    return FindingOut(code=finding.code, severity=finding.severity, message=finding.message,  # type: ignore[arg-type]
                      fix=finding.fix, overridable=finding.code in OVERRIDABLE)


def sequence_out(session: Session, workspace_id: int, sequence_id: int) -> SequenceOut:
    d = dashboard(session, workspace_id, sequence_id)
    s = d.sequence
    return SequenceOut(
        id=s.id, run_id=s.run_id, name=s.name, state=s.state, strategy_profile_id=s.strategy_profile_id,  # type: ignore[arg-type]
        strategy=d.strategy_name, stop_on_reply=s.stop_on_reply, stop_colleagues_on_reply=s.stop_colleagues_on_reply,
        allow_risky_emails=s.allow_risky_emails, schedule=s.schedule or {},
        source_groups=d.group_names, sender_account_ids=[a.id for a in d.accounts], enrolled=d.total,
        enrollments=d.states, stop_reasons=d.stop_reasons, created_at=s.created_at, launched_at=s.launched_at,
        steps=[StepOut(position=r.position, channel=r.channel, delay_days=r.delay_days, day=r.day,
                       condition=r.condition, intent=r.intent, purpose=r.purpose, waiting=r.waiting, sent=r.sent,
                       sends=r.sends) for r in d.steps])


def step_inputs(steps: list[StepIn]) -> list[StepInput]:
    return [StepInput(s.channel, s.delay_days, s.condition, s.intent, s.purpose) for s in steps]


@router.get("/sequences", response_model=list[SequenceSummaryOut], responses=responses(404, 422))
def sequences(run_id: int | None = Query(None, ge=1, le=MAX_ID), who: Caller = Depends(caller),
              session: Session = Depends(db_session)) -> list[SequenceSummaryOut]:
    """The workspace's sequences (or one run's), oldest first, with how many leads each has enrolled."""
    scope = Scope(session, who.workspace_id)
    query = scope.select(Sequence).order_by(Sequence.id)
    if run_id is not None:
        query = query.where(Sequence.run_id == scope.get(Run, run_id, "run").id)
    rows = list(session.scalars(query))
    totals = tallies.enrollment_totals(session, [s.id for s in rows])
    return [SequenceSummaryOut(id=s.id, run_id=s.run_id, name=s.name, state=s.state,  # type: ignore[arg-type]
                               enrolled=totals.get(s.id, 0)) for s in rows]


@router.post("/sequences", response_model=SequenceCreatedOut, status_code=201, responses=responses(400, 404, 422))
def create(body: SequenceIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> SequenceCreatedOut:
    """Create a Draft sequence in a run from a strategy profile and eligible source groups (with some enriched
    leads), and enroll their leads. Steps default to the run's play."""
    request = SequenceRequest(body.run_id, body.name, body.strategy_profile_id, list(body.source_group_ids),
                              list(body.sender_account_ids), step_inputs(body.steps) if body.steps else None,
                              body.schedule.model_dump() if body.schedule else {}, body.stop_on_reply,
                              body.stop_colleagues_on_reply, body.allow_risky_emails)
    with rt.db.transaction() as session:
        sequence, enrolled = new_sequence(session, who.workspace_id, request)
        out = sequence_out(session, who.workspace_id, sequence.id)
    return SequenceCreatedOut(**out.model_dump(), newly_enrolled=enrolled)


@router.get("/sequences/{sequence_id}", response_model=SequenceOut, responses=responses(404))
def sequence(sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
             session: Session = Depends(db_session)) -> SequenceOut:
    """A sequence's dashboard: its steps (with each one's day), the leads waiting at each step and what each
    sent, its enrollments by state."""
    return sequence_out(session, who.workspace_id, sequence_id)


@router.put("/sequences/{sequence_id}/steps", response_model=SequenceOut, responses=responses(400, 404, 422))
def put_steps(body: StepsIn, sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
              rt: Runtime = Depends(get_runtime)) -> SequenceOut:
    """Replace the steps of a Draft sequence (400 once launched). Messages of the old steps are removed."""
    steps = step_inputs(body.steps)
    check_steps(steps)
    with rt.db.transaction() as session:
        set_steps(session, Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence"), steps)
        return sequence_out(session, who.workspace_id, sequence_id)


@router.put("/sequences/{sequence_id}/senders", response_model=SequenceOut, responses=responses(404, 422))
def put_senders(body: SendersIn, sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
                rt: Runtime = Depends(get_runtime)) -> SequenceOut:
    """Choose the sender accounts of a sequence (email accounts send its email steps, LinkedIn accounts its
    LinkedIn steps)."""
    with rt.db.transaction() as session:
        scope = Scope(session, who.workspace_id)
        set_senders(session, scope, scope.get(Sequence, sequence_id, "sequence"), list(body.sender_account_ids))
        return sequence_out(session, who.workspace_id, sequence_id)


@router.post("/sequences/{sequence_id}/enroll", response_model=EnrolledOut, responses=responses(400, 404))
def enroll(sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
           rt: Runtime = Depends(get_runtime)) -> EnrolledOut:
    """Enroll the leads added to the sequence's source groups since it was created (Draft only)."""
    with rt.db.transaction() as session:
        return EnrolledOut(newly_enrolled=enroll_leads(
            session, Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")))


def _move(rt: Runtime, workspace_id: int, sequence_id: int, action: str) -> SequenceOut:
    with rt.db.transaction() as session:
        found = Scope(session, workspace_id).get(Sequence, sequence_id, "sequence")
        (pause_sequence if action == "pause" else resume_sequence)(session, found)
        session.flush()
        return sequence_out(session, workspace_id, sequence_id)


@router.post("/sequences/{sequence_id}/pause", response_model=SequenceOut, responses=responses(404, 409))
def pause(sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
          rt: Runtime = Depends(get_runtime)) -> SequenceOut:
    """Pause an Active sequence: nothing of it is sent until it is resumed."""
    return _move(rt, who.workspace_id, sequence_id, "pause")


@router.post("/sequences/{sequence_id}/resume", response_model=SequenceOut, responses=responses(400, 404, 409))
def resume(sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
           rt: Runtime = Depends(get_runtime)) -> SequenceOut:
    """Resume a Paused sequence (400 while its run is paused: resume the run)."""
    return _move(rt, who.workspace_id, sequence_id, "resume")


@router.get("/sequences/{sequence_id}/readiness", response_model=ReadinessOut, responses=responses(404))
def get_readiness(sequence_id: int = Depends(owned.sequence_id),
                  dns_check: bool = Query(False, description="Also look up the sender domains' SPF, DKIM, DMARC"),
                  who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime),
                  session: Session = Depends(db_session)) -> ReadinessOut:
    """What must be fixed before launch, each finding with its fix."""
    found = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    findings = readiness(session, found, rt.clock.now(), dns_checker(rt) if dns_check else None,
                         rt.settings.public_url)
    return ReadinessOut(ready=not any(f.blocking for f in findings), findings=[finding_out(f) for f in findings])


LAUNCH_REFUSED = {409: {"model": LaunchRefusedOut, "description": "Blocking findings remain (or it was launched "
                                                                   "already): nothing changed"}}


@router.post("/sequences/{sequence_id}/launch", response_model=LaunchOut,
             responses={**responses(400, 404, 422), **LAUNCH_REFUSED})
def post_launch(body: LaunchIn, sequence_id: int = Depends(owned.sequence_id), who: Caller = Depends(caller),
                rt: Runtime = Depends(get_runtime)) -> LaunchOut | JSONResponse:
    """Launch a Draft sequence: refused while a blocking finding remains (overridable ones may be named in
    `overrides`); else its leads start at their first step and the sequence and its run become Active."""
    try:
        with rt.db.transaction() as session:
            result = launch(session, who.workspace_id, sequence_id, rt.clock.now(),
                            overrides=frozenset(body.overrides), dns_check=dns_checker(rt) if body.dns_check else None,
                            public_url=rt.settings.public_url)
    except LaunchBlocked as blocked:
        refused = LaunchRefusedOut(detail=str(blocked), findings=[finding_out(f) for f in blocked.findings])
        return JSONResponse(refused.model_dump(), status_code=409)
    return LaunchOut(sequence_id=result.sequence_id, enrolled=result.enrolled,
                     findings=[finding_out(f) for f in result.findings])


@router.get("/sequences/{sequence_id}/leads", response_model=EnrolledPageOut, responses=responses(404, 422))
def leads(sequence_id: int = Depends(owned.sequence_id),
          step: int | None = Query(None, ge=1, le=100, description="Leads whose next step is this position"),
          state: EnrollmentState | None = Query(None, description="Leads in this enrollment state"),
          after: Cursor = None, limit: int = Query(50, ge=1, le=200), who: Caller = Depends(caller),
          session: Session = Depends(db_session)) -> EnrolledPageOut:
    """Drill into a sequence's leads: those at a step, or in an enrollment state, in keyset pages."""
    page = leads_at_step(session, who.workspace_id, sequence_id, position=step, state=state, after=after,
                         limit=limit)
    return EnrolledPageOut(items=page.rows, next_cursor=page.next_cursor)
