"""Settings → Webhooks: the endpoints Outboard posts reply, bounce and opt-out events to (signed with a
secret shown once; rotate it, send a test, delete), and the secret LinkedIn's API provider signs the
webhooks it sends us with. Everyone reads; admins change."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from outboard.api.services.webhooks import linkedin_api_accounts, new_linkedin_secret
from outboard.core.errors import ValidationError
from outboard.inbox.webhooks_out import (
    EVENTS,
    SIGNATURE_HEADER,
    add_endpoint,
    list_endpoints,
    remove_endpoint,
    rotate_secret,
    send_test,
)
from outboard.runtime import Runtime
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _page(request: Request, rt: Runtime, who: Viewer, form: FormState | None = None, *, secret: str | None = None,
          secret_for: str = "", status: int = 200) -> Response:
    with rt.db.sessions() as session:
        endpoints = list_endpoints(session, who.workspace_id)
        incoming = linkedin_api_accounts(session, who.workspace_id)
    return render(request, "settings/webhooks.html", {
        "endpoints": endpoints, "incoming": incoming, "events": EVENTS, "signature_header": SIGNATURE_HEADER,
        "public_url": rt.settings.public_url.rstrip("/"), "secret": secret, "secret_for": secret_for,
        "form": form or FormState({"url": "", "events": list(EVENTS)}), "section": "webhooks"}, status=status)


@router.get("/settings/webhooks")
def webhooks(request: Request, who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    return _page(request, rt, who)


@router.post("/settings/webhooks")
def add(request: Request, url: str = Form(""), events: list[str] = Form([]), who: Viewer = Depends(admin_viewer),
        rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"url": url, "events": events})
    if not events:
        form.fail("events", "Choose at least one event.")
    secret = None
    if form.ok:
        try:
            with rt.db.transaction() as session:
                endpoint, secret = add_endpoint(session, who.workspace_id, rt.secrets, url, events=events)
                label = endpoint.url
        except ValidationError as exc:
            form.from_error(exc, fallback="url")
    if not form.ok:
        return _page(request, rt, who, form, status=422)
    return _page(request, rt, who, secret=secret, secret_for=label)


@router.post("/settings/webhooks/{endpoint_id}/rotate")
def rotate(request: Request, endpoint_id: int, who: Viewer = Depends(admin_viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        secret = rotate_secret(session, who.workspace_id, rt.secrets, endpoint_id)
    return _page(request, rt, who, secret=secret, secret_for=f"endpoint {endpoint_id}")


@router.post("/settings/webhooks/{endpoint_id}/test")
def test(request: Request, endpoint_id: int, who: Viewer = Depends(admin_viewer),
         rt: Runtime = Depends(runtime_of)) -> Response:
    error = send_test(rt, who.workspace_id, endpoint_id)
    web_session(request).update(flash=f"Test delivery to endpoint {endpoint_id}: "
                                      + ("answered 2xx." if error is None else f"failed ({error[:200]})."))
    return RedirectResponse("/settings/webhooks", status_code=303)


@router.post("/settings/webhooks/{endpoint_id}/remove")
def remove(request: Request, endpoint_id: int, who: Viewer = Depends(admin_viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        remove_endpoint(session, who.workspace_id, endpoint_id)
    web_session(request).update(flash=f"Webhook endpoint {endpoint_id} deleted, with its pending deliveries.")
    return RedirectResponse("/settings/webhooks", status_code=303)


@router.post("/settings/webhooks/linkedin/{account_id}/secret")
def linkedin_secret(request: Request, account_id: int, who: Viewer = Depends(admin_viewer),
                    rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        secret = new_linkedin_secret(session, who.workspace_id, rt.secrets, account_id)
    return _page(request, rt, who, secret=secret, secret_for=f"LinkedIn account {account_id}")
