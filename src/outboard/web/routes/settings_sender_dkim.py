"""Settings → Sender accounts → *DKIM key*: give an email account the RSA private key Outboard signs its
emails with (admins). The key is checked and sealed by the same code as `outboard accounts set-dkim`, and never
shown again: the page says only whether a key is set, with its selector and domain."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from outboard.api.params import ObjectId
from outboard.core.errors import ValidationError
from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.accounts import set_dkim
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, runtime_of, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
PEM_LIMIT = 20_000  # an RSA 4096 key in PEM is about 3,300 characters


def _page(request: Request, account: SenderAccount, form: FormState, status: int = 200) -> Response:
    connection = account.connection or {}
    current = ({"selector": connection.get("dkim_selector"), "domain": connection.get("dkim_domain")}
               if "dkim_private_key" in (account.secrets or {}) and connection.get("dkim_selector") else None)
    form.values["private_key_pem"] = ""  # the key is never echoed back into the page
    return render(request, "settings/sender_dkim.html", {"account": account, "form": form, "current": current,
                                                         "section": "senders"}, status=status)


@router.get("/settings/senders/{account_id}/dkim")
def dkim_page(request: Request, account_id: ObjectId, who: Viewer = Depends(admin_viewer),
              rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.sessions() as session:
        account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        connection = account.connection or {}
        form = FormState({"selector": connection.get("dkim_selector") or "",
                          "domain": connection.get("dkim_domain") or "", "private_key_pem": ""})
        if account.kind != "email":
            form.fail("form", "DKIM signing is for email accounts.")
        return _page(request, account, form)


@router.post("/settings/senders/{account_id}/dkim")
async def change_dkim(request: Request, account_id: ObjectId, who: Viewer = Depends(admin_viewer),
                      rt: Runtime = Depends(runtime_of)) -> Response:
    posted = await request.form()
    with rt.db.sessions() as session:  # another workspace's account: 404 before anything is read
        Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
    form = FormState({"selector": str(posted.get("selector", "")).strip()[:64],
                      "domain": str(posted.get("domain", "")).strip()[:253], "private_key_pem": ""})
    pem = str(posted.get("private_key_pem", ""))
    if not pem.strip():
        form.fail("private_key_pem", "Paste the private key (PEM).")
    elif len(pem) > PEM_LIMIT:
        form.fail("private_key_pem", "Is too long for a private key in PEM.")
    if form.ok:
        try:
            with rt.db.transaction() as session:
                account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
                set_dkim(session, account, rt.secrets, selector=form.values["selector"], private_key_pem=pem,
                         domain=form.values["domain"] or None, by=f"user:{who.user_id}")
                name, selector = account.name, account.connection["dkim_selector"]
                domain = account.connection["dkim_domain"]
        except ValidationError as exc:
            form.from_error(exc, fallback="form", aliases={"key": "private_key_pem"})
    if not form.ok:
        with rt.db.sessions() as session:
            account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
            return _page(request, account, form, status=422)
    web_session(request).update(flash=f"{name}: emails are DKIM-signed as {selector}._domainkey.{domain}. "
                                      "Publish the public key there.")
    return RedirectResponse("/settings/senders", status_code=303)
