"""The run selector in the top bar: the chosen run is remembered in the session."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.db.models import Run
from outboard.db.scope import Scope
from outboard.web.deps import Viewer, csrf_protect, db_session, viewer, web_session
from outboard.web.forms import safe_next
from outboard.web.templating import is_htmx

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.post("/runs/select")
def select_run(request: Request, run_id: str = Form(""), next: str = Form("/"), who: Viewer = Depends(viewer),
               session: Session = Depends(db_session)) -> Response:
    chosen = int(run_id) if run_id.isascii() and run_id.isdigit() else None
    if chosen is not None:
        chosen = Scope(session, who.workspace_id).get(Run, chosen, "run").id  # another workspace's run: 404
    web_session(request).update(run_id=chosen)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return RedirectResponse(safe_next(next), status_code=303)
