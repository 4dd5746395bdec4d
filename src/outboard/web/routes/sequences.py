"""Sequences: the list for the chosen run, creating one, its dashboard (leads at each step, enrollment states,
pause / resume) and the drill-down into the leads at a step."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.api.services.sequences import SequenceRequest, new_sequence
from outboard.core.errors import OutboardError, ValidationError
from outboard.db import tallies
from outboard.db.models import Run, Sequence
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import pause_sequence, resume_sequence, run_play
from outboard.send.queries import (
    ENROLLMENT_STATES,
    dashboard,
    leads_at_step,
    sender_accounts,
    source_group_stats,
    strategy_profiles,
)
from outboard.send.schedule import WEEKDAYS
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
PAGE_SIZE = 50
# Service field → form field, so a refusal lands beside what was typed.
ALIASES = {"schedule.days": "days", "schedule.start": "start", "schedule.end": "end", "schedule.window": "end",
           "schedule.extra_holidays": "extra_holidays"}


@router.get("/sequences")
def sequences(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    """The chosen run's sequences (Plera's Sequences page); every run's when none is chosen."""
    run_id = web_session(request).state.run_id
    scope = Scope(session, who.workspace_id)
    run = session.scalars(scope.select(Run).where(Run.id == run_id)).first() if run_id else None
    query = scope.select(Sequence).order_by(Sequence.run_id.desc(), Sequence.id)
    rows = list(session.scalars(query.where(Sequence.run_id == run.id) if run else query))
    runs = {r.id: r for r in session.scalars(scope.select(Run))}
    return render(request, "sequences/index.html", {
        "run": run, "rows": rows, "run_names": {r.id: r.name for r in runs.values()},
        "enrolled": tallies.enrollment_totals(session, [s.id for s in rows])})


def _new_page(request: Request, session: Session, who: Viewer, run: Run, form: FormState | None = None,
              status: int = 200) -> Response:
    play = run_play(run)
    form = form or FormState({"name": "", "strategy_profile_id": "", "source_groups": [], "senders": [],
                              "days": ["0", "1", "2", "3", "4"], "start": "09:00", "end": "17:00",
                              "extra_holidays": "", "stop_on_reply": "on" if play.stop_on_reply else "",
                              "stop_colleagues_on_reply": "", "allow_risky_emails": ""})
    return render(request, "sequences/new.html", {
        "run": run, "play": play, "form": form,
        "strategies": [(str(s.id), s.name) for s in strategy_profiles(session, who.workspace_id)],
        "groups": source_group_stats(session, who.workspace_id), "accounts": sender_accounts(session, who.workspace_id),
        "weekdays": list(enumerate(WEEKDAYS)),
    }, status=status)


@router.get("/runs/{run_id}/sequences/new")
def new_form(request: Request, run_id: ObjectId, who: Viewer = Depends(viewer),
             session: Session = Depends(db_session)) -> Response:
    return _new_page(request, session, who, Scope(session, who.workspace_id).get(Run, run_id, "run"))


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 9]


@router.post("/runs/{run_id}/sequences")
def create(request: Request, run_id: ObjectId, name: str = Form(""), strategy_profile_id: str = Form(""),
           source_groups: list[str] = Form([]), senders: list[str] = Form([]), days: list[str] = Form([]),
           start: str = Form(""), end: str = Form(""), extra_holidays: str = Form(""), stop_on_reply: str = Form(""),
           stop_colleagues_on_reply: str = Form(""), allow_risky_emails: str = Form(""),
           who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    """Create it, enroll the leads of its source groups, and open the Messaging Lab (Plera's flow)."""
    with rt.db.sessions() as session:
        Scope(session, who.workspace_id).get(Run, run_id, "run")  # another workspace's run: 404 first
    form = FormState({"name": name.strip(), "strategy_profile_id": strategy_profile_id, "source_groups": source_groups,
                      "senders": senders, "days": days, "start": start.strip(), "end": end.strip(),
                      "extra_holidays": extra_holidays.strip()[:2000], "stop_on_reply": stop_on_reply,
                      "stop_colleagues_on_reply": stop_colleagues_on_reply, "allow_risky_emails": allow_risky_emails})
    strategy = _ids([strategy_profile_id])
    # The schedule as typed: send.timing.checked_schedule parses it, as for the API and the CLI.
    schedule = {"days": days, "start": start, "end": end, "extra_holidays": form.values["extra_holidays"]}
    wanted = SequenceRequest(run_id, name, strategy[0] if strategy else None, _ids(source_groups), _ids(senders),
                             schedule=schedule, stop_on_reply=bool(stop_on_reply),
                             stop_colleagues_on_reply=bool(stop_colleagues_on_reply),
                             allow_risky_emails=bool(allow_risky_emails))
    try:
        with rt.db.transaction() as session:
            sequence, enrolled = new_sequence(session, who.workspace_id, wanted)
            sequence_id, sequence_name = sequence.id, sequence.name
    except ValidationError as exc:
        form.from_error(exc, fallback="name", aliases=ALIASES)
    except OutboardError as exc:  # a completed run, a strategy profile that is not ours
        form.fail("form", f"Not created: {exc}.")
    if not form.ok:
        with rt.db.sessions() as session:
            return _new_page(request, session, who, Scope(session, who.workspace_id).get(Run, run_id, "run"), form,
                             status=422)
    web_session(request).update(run_id=run_id, flash=f"Sequence “{sequence_name}” created with {enrolled:,} leads "
                                                     "enrolled. Next: generate and review its messages.")
    return RedirectResponse(f"/sequences/{sequence_id}/lab", status_code=303)


@router.get("/sequences/{sequence_id}")
def sequence_dashboard(request: Request, sequence_id: ObjectId, who: Viewer = Depends(viewer),
                       session: Session = Depends(db_session)) -> Response:
    return render(request, "sequences/dashboard.html", {"d": dashboard(session, who.workspace_id, sequence_id)},
                  block="counts")


def _act(request: Request, rt: Runtime, who: Viewer, sequence_id: int, action: str) -> Response:
    with rt.db.transaction() as session:
        sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
        try:
            (pause_sequence if action == "pause" else resume_sequence)(session, sequence)
            message = (f"Sequence “{sequence.name}” paused: nothing of it is sent until you resume it."
                       if action == "pause" else f"Sequence “{sequence.name}” resumed.")
        except OutboardError as exc:
            message = f"Not {action}d: {exc}."
    web_session(request).update(flash=message)
    return RedirectResponse(f"/sequences/{sequence_id}", status_code=303)


@router.post("/sequences/{sequence_id}/pause")
def pause(request: Request, sequence_id: ObjectId, who: Viewer = Depends(viewer),
          rt: Runtime = Depends(runtime_of)) -> Response:
    return _act(request, rt, who, sequence_id, "pause")


@router.post("/sequences/{sequence_id}/resume")
def resume(request: Request, sequence_id: ObjectId, who: Viewer = Depends(viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    return _act(request, rt, who, sequence_id, "resume")


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@router.get("/sequences/{sequence_id}/leads")
def leads(request: Request, sequence_id: ObjectId, step: str = "", state: str = "", after: str = "",
          who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    """The leads waiting at a step, or in an enrollment state, in keyset pages."""
    sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    chosen_state = state if state in ENROLLMENT_STATES else None
    page = leads_at_step(session, who.workspace_id, sequence.id, position=_number(step), state=chosen_state,
                         after=_number(after), limit=PAGE_SIZE)
    query = {"step": _number(step) or "", "state": chosen_state or ""}
    return render(request, "sequences/leads.html", {"sequence": sequence, "page": page, "query": query,
                                                    "states": ENROLLMENT_STATES})
