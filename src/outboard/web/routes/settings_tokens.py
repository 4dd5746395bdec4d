"""Settings → API tokens: create (shown once), list, revoke. Every user manages their own; admins see all."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.runtime import Runtime
from outboard.team.members import list_members
from outboard.team.tokens import create_token, list_tokens, revoke_token
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _page(request: Request, session: Session, who: Viewer, form: FormState | None = None,
          created: str | None = None, status: int = 200) -> Response:
    tokens = list_tokens(session, who.workspace_id, None if who.is_admin else who.user_id)
    owners = {u.id: u.name or u.email for u in list_members(session, who.workspace_id)}
    return render(request, "settings/tokens.html",
                  {"tokens": tokens, "owners": owners, "form": form or FormState({"name": ""}), "created": created,
                   "api_base": str(request.base_url).rstrip("/") + "/api", "section": "tokens"}, status=status)


@router.get("/settings/tokens")
def tokens(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    return _page(request, session, who)


@router.post("/settings/tokens")
def create(request: Request, name: str = Form(""), who: Viewer = Depends(viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"name": name.strip()})
    try:
        with rt.db.transaction() as session:
            _token, plaintext = create_token(session, who.workspace_id, who.user_id, name)
    except ValidationError as exc:
        with rt.db.sessions() as session:
            return _page(request, session, who, form.from_error(exc, fallback="name"), status=422)
    with rt.db.sessions() as session:
        return _page(request, session, who, created=plaintext)


@router.post("/settings/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int, who: Viewer = Depends(viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        token = revoke_token(session, who.workspace_id, token_id, user_id=None if who.is_admin else who.user_id)
        name = token.name
    web_session(request).update(flash=f"Token “{name}” revoked: requests with it now get 401.")
    return RedirectResponse("/settings/tokens", status_code=303)
