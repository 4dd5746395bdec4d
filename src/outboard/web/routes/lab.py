"""The Messaging Lab of a sequence: generate previews (or everything) in a background job, review each lead's
messages, bulk approve, choose the sender accounts, check readiness and launch. One message's review (the
panel beside the list) is in routes/messages.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.api.services.accounts import dns_checker
from outboard.api.services.jobs import job_progress
from outboard.core.errors import NotFound, OutboardError, ValidationError
from outboard.core.sequence import ReviewState
from outboard.db import tallies
from outboard.db.models import Job, Run, Sequence
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import sequence_accounts, sequence_steps, set_senders
from outboard.send.launch import OVERRIDABLE, LaunchBlocked, enroll_leads, launch, readiness
from outboard.send.queries import sender_accounts, step_rows
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import is_htmx, render
from outboard.write.queries import lab_page, review_counts
from outboard.write.review import BulkApproval, bulk_approve
from outboard.write.tasks import KIND as GENERATION_KIND
from outboard.write.tasks import start_generation

router = APIRouter(dependencies=[Depends(csrf_protect)])
PAGE_SIZE = 20
SAMPLE_DEFAULT, SAMPLE_MAX = 5, 200
REVIEW_STATES = tuple(s.value for s in ReviewState)


@router.get("/lab")
def choose(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    """Pick a sequence: the chosen run's, or every run's."""
    run_id = web_session(request).state.run_id
    scope = Scope(session, who.workspace_id)
    query = scope.select(Sequence).order_by(Sequence.run_id.desc(), Sequence.id)
    rows = list(session.scalars(query.where(Sequence.run_id == run_id) if run_id else query))
    runs = {r.id: r for r in session.scalars(scope.select(Run))}
    return render(request, "lab/index.html", {"rows": rows, "run_names": {r.id: r.name for r in runs.values()},
                                              "run": runs.get(run_id or 0),
                                              "enrolled": tallies.enrollment_totals(session, [s.id for s in rows])})


def _state(text: str) -> str | None:
    return text if text in REVIEW_STATES else None


def _cursor(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _context(session: Session, who: Viewer, sequence: Sequence, *, state: str | None = None,
             after: int | None = None) -> dict:
    accounts = sender_accounts(session, who.workspace_id)
    chosen = {a.id for a in sequence_accounts(session, sequence.id)}
    return {
        "sequence": sequence, "run": session.get(Run, sequence.run_id),
        "steps": step_rows(sequence_steps(session, sequence.id)),
        "counts": review_counts(session, who.workspace_id, sequence.id),
        "page": lab_page(session, who.workspace_id, sequence.id, review_state=state, after=after, limit=PAGE_SIZE),
        "query": {"state": state or ""}, "states": REVIEW_STATES, "accounts": accounts, "chosen": chosen,
        "generate": FormState({"sample": str(SAMPLE_DEFAULT)}), "job": None, "bulk": None, "blocked": None,
        "overridable": OVERRIDABLE, "sample_max": SAMPLE_MAX,
    }


@router.get("/sequences/{sequence_id}/lab")
def lab(request: Request, sequence_id: ObjectId, state: str = "", after: str = "", job: str = "",
        who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    context = _context(session, who, sequence, state=_state(state), after=_cursor(after))
    job_id = _cursor(job)
    if job_id is not None:
        context["job"] = job_progress(session, who.workspace_id, job_id)
    return render(request, "lab/page.html", context, block="messages")


@router.post("/sequences/{sequence_id}/lab/generate")
def generate(request: Request, sequence_id: ObjectId, what: str = Form("sample"),
             sample: str = Form(""), force: str = Form(""), who: Viewer = Depends(viewer),
             rt: Runtime = Depends(runtime_of)) -> Response:
    """Start the generation job: previews for N leads, or every enrolled lead."""
    with rt.db.sessions() as session:
        sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    form = FormState({"sample": sample.strip()})
    count = form.whole_number("sample", minimum=1, maximum=SAMPLE_MAX) if what == "sample" else None
    job_id = None
    if form.ok:
        try:
            job_id = start_generation(rt, who.workspace_id, sequence_id, sample=count, force=bool(force),
                                      user_id=who.user_id)
        except ValidationError as exc:
            form.from_error(exc, fallback="sample", aliases={"leads": "sample"})
        except OutboardError as exc:  # launched, no leads enrolled, no writer configured
            form.fail("sample", f"Not started: {exc}.")
    if not form.ok:
        with rt.db.sessions() as session:
            context = {**_context(session, who, sequence), "generate": form}
            # htmx aimed at the progress area; the refused form replaces the whole section instead.
            return render(request, "lab/page.html", context, status=422, block="generation",
                          headers={"HX-Retarget": "#generate", "HX-Reswap": "outerHTML"})
    assert job_id is not None
    if is_htmx(request):
        with rt.db.sessions() as session:
            return _generation(request, session, who, sequence, job_id)
    return RedirectResponse(f"/sequences/{sequence_id}/lab?job={job_id}", status_code=303)


def _generation(request: Request, session: Session, who: Viewer, sequence: Sequence, job_id: int) -> Response:
    progress = job_progress(session, who.workspace_id, job_id)
    context = {"sequence": sequence, "job": progress}
    if progress.final:  # the list and the counts change with it: swapped in beside the progress bar
        context.update(_context(session, who, sequence), job=progress, refresh=True)
    return render(request, "lab/_generation.html", context)


@router.get("/sequences/{sequence_id}/lab/jobs/{job_id}")
def generation(request: Request, sequence_id: ObjectId, job_id: ObjectId, who: Viewer = Depends(viewer),
               session: Session = Depends(db_session)) -> Response:
    """The generation job's progress, polled by htmx; when it ends, the fresh list comes with it."""
    sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    job = Scope(session, who.workspace_id).get(Job, job_id, "job")
    if job.kind != GENERATION_KIND or job.params.get("sequence_id") != sequence.id:
        raise OutboardError(f"job {job_id} is not a generation of this sequence")
    return _generation(request, session, who, sequence, job_id)


@router.post("/sequences/{sequence_id}/lab/approve")
def approve_all(request: Request, sequence_id: ObjectId, who: Viewer = Depends(viewer),
                rt: Runtime = Depends(runtime_of)) -> Response:
    """Bulk approve: every draft or edited message that passes the guardrails; the rest is reported."""
    result: BulkApproval | None = None
    problem = None
    try:
        with rt.db.transaction() as session:
            sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
            result = bulk_approve(session, who.workspace_id, sequence_id=sequence.id, user_id=who.user_id)
    except NotFound:
        raise
    except OutboardError as exc:  # launched meanwhile: its messages are locked
        problem = str(exc)
    with rt.db.sessions() as session:
        sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
        context = {**_context(session, who, sequence), "bulk": result, "bulk_problem": problem}
        return render(request, "lab/page.html", context, status=200 if problem is None else 409)


@router.get("/sequences/{sequence_id}/readiness")
def readiness_panel(request: Request, sequence_id: ObjectId, dns: str = "", who: Viewer = Depends(viewer),
                    session: Session = Depends(db_session)) -> Response:
    """The readiness findings with their fixes, and the launch form (loaded after the page: it reads every
    enrollment)."""
    sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    rt: Runtime = request.app.state.rt
    findings = readiness(session, sequence, rt.clock.now(), dns_checker(rt) if dns else None,
                         rt.settings.public_url)
    context = {**_context(session, who, sequence), "findings": findings, "dns": bool(dns)}
    return render(request, "lab/page.html", context, block="readiness")


@router.post("/sequences/{sequence_id}/launch")
def launch_sequence(request: Request, sequence_id: ObjectId, overrides: list[str] = Form([]),
                    dns: str = Form(""), who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    """Launch with the overridable findings the user ticked; refused with the findings that still block."""
    chosen = frozenset(o for o in overrides if o in OVERRIDABLE)
    try:
        with rt.db.transaction() as session:
            result = launch(session, who.workspace_id, sequence_id, rt.clock.now(), overrides=chosen,
                            dns_check=dns_checker(rt) if dns else None, public_url=rt.settings.public_url)
    except LaunchBlocked as blocked:
        with rt.db.sessions() as session:
            sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
            findings = readiness(session, sequence, rt.clock.now(), dns_checker(rt) if dns else None,
                         rt.settings.public_url)
            context = {**_context(session, who, sequence), "findings": findings, "blocked": blocked.findings,
                       "ticked": chosen, "dns": bool(dns)}
            return render(request, "lab/page.html", context, status=409, block="readiness")
    web_session(request).update(flash=f"Launched: {result.enrolled:,} leads start at their first step. Follow them "
                                      "here as the worker sends.")
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": f"/sequences/{sequence_id}"})
    return RedirectResponse(f"/sequences/{sequence_id}", status_code=303)


@router.post("/sequences/{sequence_id}/senders")
def choose_senders(request: Request, sequence_id: ObjectId, senders: list[str] = Form([]),
                   who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    ids = [int(s) for s in senders if s.isascii() and s.isdigit() and len(s) <= 9]
    with rt.db.transaction() as session:
        scope = Scope(session, who.workspace_id)
        sequence = scope.get(Sequence, sequence_id, "sequence")
        set_senders(session, scope, sequence, ids)
        names = ", ".join(a.name for a in sequence_accounts(session, sequence.id)) or "none"
    web_session(request).update(flash=f"Sender accounts of this sequence: {names}.")
    return RedirectResponse(f"/sequences/{sequence_id}/lab", status_code=303)


@router.post("/sequences/{sequence_id}/enroll")
def enroll(request: Request, sequence_id: ObjectId, who: Viewer = Depends(viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    """Enroll the leads added to the source groups since the sequence was created."""
    try:
        with rt.db.transaction() as session:
            added = enroll_leads(session, Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence"))
        message = f"{added:,} new leads enrolled." if added else "No new lead in the source groups."
    except NotFound:
        raise
    except OutboardError as exc:  # launched: leads are enrolled before launch only
        message = f"Not enrolled: {exc}."
    web_session(request).update(flash=message)
    return RedirectResponse(f"/sequences/{sequence_id}/lab", status_code=303)
