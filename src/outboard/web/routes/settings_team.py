"""Settings → Team: the people of the workspace, their roles, and invitations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.runtime import Runtime
from outboard.team.invitations import INVITATION_TTL, invite, pending_invitations, revoke_invitation
from outboard.team.members import change_role, list_members
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _page(request: Request, session: Session, who: Viewer, form: FormState | None = None,
          link: str | None = None, status: int = 200) -> Response:
    context: dict[str, Any] = {
        "members": list_members(session, who.workspace_id),
        "invitations": pending_invitations(session, who.workspace_id),
        "form": form or FormState({"email": "", "role": "member"}),
        "link": link, "ttl_days": INVITATION_TTL.days, "section": "team",
    }
    return render(request, "settings/team.html", context, status=status)


@router.get("/settings")
def settings_home(_who: Viewer = Depends(viewer)) -> Response:
    return RedirectResponse("/settings/team", status_code=303)


@router.get("/settings/team")
def team(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    return _page(request, session, who)


@router.post("/settings/team/invitations")
def create_invitation(request: Request, email: str = Form(""), role: str = Form("member"),
                      who: Viewer = Depends(admin_viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"email": email.strip(), "role": role})
    try:
        with rt.db.transaction() as session:
            _invitation, token = invite(session, who.workspace_id, email, role, rt.clock.now(), who.user_id)
    except ValidationError as exc:
        with rt.db.sessions() as session:
            return _page(request, session, who, form.from_error(exc, fallback="email"), status=422)
    link = f"{rt.settings.public_url.rstrip('/')}/invite/{token}"
    with rt.db.sessions() as session:  # the link is shown once, so this page is rendered, not redirected to
        return _page(request, session, who, link=link)


@router.post("/settings/team/invitations/{invitation_id}/revoke")
def revoke(request: Request, invitation_id: int, who: Viewer = Depends(admin_viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        revoke_invitation(session, who.workspace_id, invitation_id)
    web_session(request).update(flash="Invitation revoked: its link no longer works.")
    return RedirectResponse("/settings/team", status_code=303)


@router.post("/settings/team/users/{user_id}/role")
def set_role(request: Request, user_id: int, role: str = Form(""), who: Viewer = Depends(admin_viewer),
             rt: Runtime = Depends(runtime_of)) -> Response:
    try:
        with rt.db.transaction() as session:
            user = change_role(session, who.workspace_id, user_id, role, by_user_id=who.user_id)
            message = f"{user.name or user.email} is now {user.role}."
    except ValidationError as exc:
        message = f"Role not changed: {exc.reason}."
    web_session(request).update(flash=message)
    return RedirectResponse("/settings/team", status_code=303)
