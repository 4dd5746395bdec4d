"""Sign-in, sign-out and accepting an invitation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from outboard.core.errors import NotFound, ValidationError
from outboard.runtime import Runtime
from outboard.team import sessions
from outboard.team.invitations import accept_invitation, open_invitation
from outboard.team.ratelimit import LoginLimiter
from outboard.web.deps import csrf_protect, current_viewer, runtime_of, web_session
from outboard.web.forms import FormState, safe_next
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    if current_viewer(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "signin.html", {"form": FormState({"email": "", "next": safe_next(next)})})


@router.post("/signin")
def signin(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/"),
           rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"email": email.strip(), "next": safe_next(next)})
    if not form.values["email"]:
        form.fail("email", "Enter the email address of your account.")
    if not password:
        form.fail("password", "Enter your password.")
    if not form.ok:
        return render(request, "signin.html", {"form": form}, status=422)
    limiter: LoginLimiter = request.app.state.login_limiter
    address = _client_address(request)
    refusal = limiter.check(email, address)
    if refusal is not None:
        form.fail("form", refusal.message)
        return render(request, "signin.html", {"form": form}, status=429,
                      headers={"Retry-After": str(refusal.retry_after)})
    with rt.db.sessions() as session:
        user = sessions.authenticate(session, email, password)
    if user is None:
        limiter.failed(email, address)
        form.fail("form", "That email and password do not match an account.")
        return render(request, "signin.html", {"form": form}, status=401)
    limiter.succeeded(email)
    session_state = web_session(request)
    session_state.replace(sessions.start(session_state.state, request.app.state.codec, user, rt.clock.now()))
    return RedirectResponse(form.values["next"], status_code=303)


@router.post("/signout")
def signout(request: Request) -> Response:
    session = web_session(request)
    session.clear()
    session.update(flash="You are signed out.")
    return RedirectResponse("/signin", status_code=303)


@router.get("/invite/{token}")
def invitation_page(request: Request, token: str, rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.sessions() as session:
        try:
            invitation = open_invitation(session, token, rt.clock.now())
        except NotFound as exc:
            return render(request, "invite_invalid.html", {"message": str(exc)}, status=404)
        shown = {"email": invitation.email, "role": invitation.role}
    return render(request, "invite_accept.html", {"invitation": shown, "token": token, "form": FormState({"name": ""})})


@router.post("/invite/{token}")
def accept(request: Request, token: str, name: str = Form(""), password: str = Form(""),
           password_again: str = Form(""), rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"name": name.strip()})
    if password != password_again:
        form.fail("password_again", "The two passwords are not the same.")
    shown: dict[str, str] = {}
    try:
        with rt.db.transaction() as session:
            invitation = open_invitation(session, token, rt.clock.now())
            shown = {"email": invitation.email, "role": invitation.role}  # plain values: a rollback expires rows
            if form.ok:
                user = accept_invitation(session, token, name, password, rt.clock.now())
    except NotFound as exc:
        return render(request, "invite_invalid.html", {"message": str(exc)}, status=404)
    except ValidationError as exc:
        form.from_error(exc, fallback="password")
    if not form.ok:
        return render(request, "invite_accept.html", {"invitation": shown, "token": token, "form": form}, status=422)
    state = web_session(request)
    state.replace(sessions.start(state.state, request.app.state.codec, user, rt.clock.now()))
    state.update(flash="Welcome to Outboard. Your account is ready.")
    return RedirectResponse("/", status_code=303)
