"""Settings → Compliance: the blocklist (hashed), opt-outs and bounces, the email footer and the primary domain."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import Workspace
from outboard.runtime import Runtime
from outboard.team.compliance import (
    REMOVABLE_REASONS,
    add_to_blocklist,
    find_entry,
    footer_of,
    list_suppressions,
    primary_domain_of,
    remove_suppression,
    set_footer,
    set_primary_domain,
)
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _page(request: Request, session: Session, who: Viewer, *, block: FormState | None = None,
          footer: FormState | None = None, check: FormState | None = None, check_result: str | None = None,
          domain: FormState | None = None, status: int = 200) -> Response:
    workspace = session.get(Workspace, who.workspace_id)
    current = footer_of(workspace)  # type: ignore[arg-type]
    return render(request, "settings/compliance.html", {
        "entries": list_suppressions(session, who.workspace_id),
        "removable": REMOVABLE_REASONS,
        "block_form": block or FormState({"value": "", "note": ""}),
        "footer_form": footer or FormState({"postal_address": current.postal_address,
                                            "opt_out_sentence": current.opt_out_sentence}),
        "footer_saved": current.saved,
        "domain_form": domain or FormState({"primary_domain": primary_domain_of(workspace)}),  # type: ignore[arg-type]
        "check_form": check or FormState({"check": ""}),
        "check_result": check_result,
        "section": "compliance",
    }, status=status)


@router.get("/settings/compliance")
def compliance(request: Request, check: str = "", who: Viewer = Depends(viewer),
               session: Session = Depends(db_session)) -> Response:
    if not check.strip():
        return _page(request, session, who)
    form, result = FormState({"check": check.strip()}), None
    try:
        entry = find_entry(session, who.workspace_id, check)
        result = (f"Yes: blocked by a {entry.kind} entry ({entry.reason.replace('_', ' ')}, note “{entry.note}”)."
                  if entry else "No: not on the list.")
    except ValidationError as exc:
        form.from_error(exc, fallback="check")
    return _page(request, session, who, check=form, check_result=result)


@router.post("/settings/compliance/blocklist")
def add(request: Request, value: str = Form(""), note: str = Form(""), who: Viewer = Depends(admin_viewer),
        rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"value": value.strip(), "note": note.strip()})
    try:
        with rt.db.transaction() as session:
            entry, created = add_to_blocklist(session, who.workspace_id, value, note)
            kind = entry.kind
    except ValidationError as exc:
        with rt.db.sessions() as session:
            return _page(request, session, who, block=form.from_error(exc, fallback="value"), status=422)
    what = "Address" if kind == "email" else "Domain"
    web_session(request).update(flash=f"{what} added to the blocklist." if created else f"{what} was already blocked.")
    return RedirectResponse("/settings/compliance", status_code=303)


@router.post("/settings/compliance/blocklist/{suppression_id}/remove")
def remove(request: Request, suppression_id: int, who: Viewer = Depends(admin_viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    try:
        with rt.db.transaction() as session:
            remove_suppression(session, who.workspace_id, suppression_id)
        message = "Entry removed from the list."
    except ValidationError as exc:
        message = f"Not removed: {exc.reason}."
    web_session(request).update(flash=message)
    return RedirectResponse("/settings/compliance", status_code=303)


@router.post("/settings/compliance/footer")
def footer(request: Request, postal_address: str = Form(""), opt_out_sentence: str = Form(""),
           who: Viewer = Depends(admin_viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"postal_address": postal_address.strip(), "opt_out_sentence": opt_out_sentence.strip()})
    try:
        with rt.db.transaction() as session:
            set_footer(session, who.workspace_id, postal_address, opt_out_sentence)
    except ValidationError as exc:
        with rt.db.sessions() as session:
            return _page(request, session, who, footer=form.from_error(exc, fallback="postal_address"), status=422)
    web_session(request).update(flash="Footer saved: every email will carry it.")
    return RedirectResponse("/settings/compliance", status_code=303)


@router.post("/settings/compliance/domain")
def primary_domain(request: Request, primary_domain: str = Form(""), who: Viewer = Depends(admin_viewer),
                   rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"primary_domain": primary_domain.strip()[:300]})
    try:
        with rt.db.transaction() as session:
            stored = set_primary_domain(session, who.workspace_id, primary_domain)
    except ValidationError as exc:
        with rt.db.sessions() as session:
            return _page(request, session, who, domain=form.from_error(exc, fallback="primary_domain"), status=422)
    web_session(request).update(flash=f"Primary domain set to {stored}: readiness warns when a sequence sends from it."
                                if stored else "Primary domain cleared.")
    return RedirectResponse("/settings/compliance", status_code=303)
