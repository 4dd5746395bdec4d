"""Enrichment: choose a source group, enrich its profiles or find and verify its emails in a background job,
watch the progress, and see where its leads stand (stages, email verdicts, outcomes)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.services.jobs import job_progress
from outboard.core.errors import NotFound, OutboardError
from outboard.db.models import SourceGroup
from outboard.db.scope import Scope
from outboard.enrich.status import enrichment_status
from outboard.enrich.tasks import start_email_enrichment, start_profile_enrichment
from outboard.runtime import Runtime
from outboard.send.queries import source_group_stats
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer
from outboard.web.forms import FormState
from outboard.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(csrf_protect)])
KINDS = {"profiles": "Enrich profiles", "emails": "Find and verify emails"}


def _id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _page(request: Request, session: Session, who: Viewer, *, group_id: int | None, form: FormState | None = None,
          job_id: int | None = None, status: int = 200) -> Response:
    group = Scope(session, who.workspace_id).get(SourceGroup, group_id, "source group") if group_id else None
    return render(request, "enrichment/page.html", {
        "groups": source_group_stats(session, who.workspace_id), "group": group,
        "status": enrichment_status(session, who.workspace_id, group=group.id) if group else None,
        "form": form or FormState({"group": str(group_id or ""), "kind": "profiles"}), "kinds": KINDS,
        "job": job_progress(session, who.workspace_id, job_id) if job_id else None}, status=status, block="status")


@router.get("/enrichment")
def enrichment(request: Request, group: str = "", job: str = "", who: Viewer = Depends(viewer),
               session: Session = Depends(db_session)) -> Response:
    if group and _id(group) is None:
        raise NotFound(f"source group {group[:20]} not found")
    return _page(request, session, who, group_id=_id(group), job_id=_id(job))


@router.post("/enrichment")
def start(request: Request, group: str = Form(""), kind: str = Form("profiles"), force: str = Form(""),
          who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    """Start the job; the page then shows its progress bar and, when it ends, the fresh counts."""
    form = FormState({"group": group, "kind": kind})
    group_id = _id(group)
    if group_id is None:
        form.fail("group", "Choose a source group.")
    if kind not in KINDS:
        form.fail("kind", "Choose profiles or emails.")
    job_id = None
    if form.ok:
        with rt.db.sessions() as session:
            Scope(session, who.workspace_id).get(SourceGroup, group_id, "source group")  # not ours: 404
        starter = start_profile_enrichment if kind == "profiles" else start_email_enrichment
        try:
            job_id = starter(rt, who.workspace_id, group=group_id, force=bool(force))
        except NotFound:
            raise
        except OutboardError as exc:  # no provider configured, the budget is spent
            form.fail("group", f"Not started: {exc}.")
    if not form.ok:
        with rt.db.sessions() as session:
            return _page(request, session, who, group_id=group_id, form=form, status=422)
    if is_htmx(request):
        with rt.db.sessions() as session:
            return _page(request, session, who, group_id=group_id, job_id=job_id)
    return RedirectResponse(f"/enrichment?group={group_id}&job={job_id}", status_code=303)
