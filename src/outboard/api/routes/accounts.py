"""Sender accounts: everyone may list them (to choose a sequence's senders); admins connect and change them."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api import owned
from outboard.api.auth import Caller, admin, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas_send import (
    AccountDkimIn,
    AccountLimitsIn,
    AccountOut,
    ConnectionTestOut,
    DnsCheckOut,
    EmailAccountIn,
    LinkedInAccountIn,
    PauseIn,
)
from outboard.api.services.accounts import connection_test, dns_report
from outboard.core.errors import ValidationError
from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.accounts import (
    add_email_account,
    add_linkedin_account,
    pause_account,
    resume_account,
    set_dkim,
    set_limits,
)
from outboard.send.queries import sender_accounts

router = APIRouter(tags=["sender accounts"])


def account_out(a: SenderAccount) -> AccountOut:
    return AccountOut(id=a.id, kind=a.kind, name=a.name, address=a.address, status=a.status,  # type: ignore[arg-type]
                      status_reason=a.status_reason, timezone=a.timezone, connection=dict(a.connection or {}),
                      secrets=sorted(a.secrets or {}), limits=dict(a.limits or {}), created_at=a.created_at,
                      first_send_at=a.first_send_at, last_send_at=a.last_send_at)


@router.get("/accounts", response_model=list[AccountOut], responses=responses())
def accounts(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[AccountOut]:
    """The workspace's email and LinkedIn sender accounts. Passwords and keys are never returned."""
    return [account_out(a) for a in sender_accounts(session, who.workspace_id)]


@router.get("/accounts/{account_id}", response_model=AccountOut, responses=responses(404))
def account(account_id: int = Depends(owned.account_id), who: Caller = Depends(caller),
            session: Session = Depends(db_session)) -> AccountOut:
    return account_out(Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account"))


@router.post("/accounts/email", response_model=AccountOut, status_code=201, responses=responses(403, 422))
def add_email(body: EmailAccountIn, who: Caller = Depends(admin), rt: Runtime = Depends(get_runtime)) -> AccountOut:
    """Connect a mailbox: SMTP to send, IMAP to read replies (admins). Passwords are sealed."""
    with rt.db.transaction() as session:
        return account_out(add_email_account(session, who.workspace_id, rt.secrets, **body.model_dump()))


@router.post("/accounts/linkedin", response_model=AccountOut, status_code=201, responses=responses(403, 422))
def add_linkedin(body: LinkedInAccountIn, who: Caller = Depends(admin),
                 rt: Runtime = Depends(get_runtime)) -> AccountOut:
    """Connect a LinkedIn account: `manual` (a person does the tasks) or `api` (a Unipile-style provider)."""
    with rt.db.transaction() as session:
        return account_out(add_linkedin_account(session, who.workspace_id, rt.secrets, **body.model_dump()))


@router.patch("/accounts/{account_id}", response_model=AccountOut, responses=responses(403, 404, 422))
def change_limits(body: AccountLimitsIn, account_id: int = Depends(owned.admin_account_id),
                  who: Caller = Depends(admin), rt: Runtime = Depends(get_runtime)) -> AccountOut:
    """Change an account's limits and timezone (admins). Limits left out keep their value; a bad value is
    refused (422, naming the limit) and nothing is stored."""
    with rt.db.transaction() as session:
        found = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        set_limits(session, found, dict(body.limits), timezone=body.timezone, by=f"user:{who.user_id}")
        return account_out(found)


@router.put("/accounts/{account_id}/dkim", response_model=AccountOut, responses=responses(403, 404, 422))
def change_dkim(body: AccountDkimIn, account_id: int = Depends(owned.admin_account_id),
                who: Caller = Depends(admin), rt: Runtime = Depends(get_runtime)) -> AccountOut:
    """Have Outboard DKIM-sign an email account's emails (admins): the RSA private key is stored sealed and never
    returned; `connection` shows `dkim_selector` and `dkim_domain`. A bad key, selector or domain is refused
    (422, naming the field) and nothing is stored. Setting a key again replaces it."""
    with rt.db.transaction() as session:
        found = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        try:
            set_dkim(session, found, rt.secrets, selector=body.selector, private_key_pem=body.private_key_pem,
                     domain=body.domain, by=f"user:{who.user_id}")
        except ValidationError as exc:  # name the field of the body
            if exc.field != "key":
                raise
            raise ValidationError("private_key_pem", exc.reason, value=exc.value) from None
        return account_out(found)


@router.post("/accounts/{account_id}/pause", response_model=AccountOut, responses=responses(403, 404, 422))
def pause(body: PauseIn, account_id: int = Depends(owned.admin_account_id), who: Caller = Depends(admin),
          rt: Runtime = Depends(get_runtime)) -> AccountOut:
    """Stop an account from sending; its steps wait until it is resumed."""
    with rt.db.transaction() as session:
        found = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        pause_account(session, found, body.reason)
        return account_out(found)


@router.post("/accounts/{account_id}/resume", response_model=AccountOut, responses=responses(403, 404))
def resume(account_id: int = Depends(owned.admin_account_id), who: Caller = Depends(admin),
           rt: Runtime = Depends(get_runtime)) -> AccountOut:
    with rt.db.transaction() as session:
        found = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        resume_account(session, found)
        return account_out(found)


@router.post("/accounts/{account_id}/test", response_model=ConnectionTestOut, responses=responses(403, 404, 422))
def test_connection(account_id: int = Depends(owned.admin_account_id), who: Caller = Depends(admin),
                    rt: Runtime = Depends(get_runtime), session: Session = Depends(db_session)) -> ConnectionTestOut:
    """Connect to the mailbox's SMTP server and log in, sending nothing."""
    report = connection_test(rt, Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account"))
    return ConnectionTestOut(ok=report.ok, detail=report.detail)


@router.post("/accounts/{account_id}/dns-check", response_model=DnsCheckOut, responses=responses(403, 404, 422))
def dns_check(account_id: int = Depends(owned.admin_account_id), who: Caller = Depends(admin),
              rt: Runtime = Depends(get_runtime), session: Session = Depends(db_session)) -> DnsCheckOut:
    """Look up the sending domain's SPF, DKIM and DMARC records."""
    report = dns_report(rt, Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account"))
    return DnsCheckOut(domain=report.domain, spf=report.spf, dkim=report.dkim, dmarc=report.dmarc,
                       missing=report.missing)
