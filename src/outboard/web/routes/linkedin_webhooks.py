"""The public endpoint LinkedIn's API provider posts its webhooks to: POST /webhooks/linkedin/{account_id}.
No session and no CSRF token: the provider signs the raw body with the account's shared secret (Settings
→ Webhooks), checked by inbox.linkedin_events.handle_linkedin_webhook before anything is read or stored.
401 bad or missing signature, 400 a body that does not fit, 404 no such LinkedIn account, 413 too big."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from outboard.db.models import SenderAccount
from outboard.inbox.linkedin_events import WebhookResult, handle_linkedin_webhook
from outboard.runtime import Runtime
from outboard.send.channels.linkedin_webhooks import SIGNATURE_HEADER

router = APIRouter()
MAX_BODY = 1024 * 1024


def _handle(rt: Runtime, account_id: int, body: bytes, signature: str | None) -> WebhookResult:
    with rt.db.transaction() as session:
        account = session.get(SenderAccount, account_id)
        if account is None:
            return WebhookResult(404, "no such LinkedIn account")
        return handle_linkedin_webhook(session, account.workspace_id, account, body, signature, rt.clock.now(),
                                       box=rt.secrets)


@router.post("/webhooks/linkedin/{account_id}")
async def linkedin_webhook(request: Request, account_id: str) -> JSONResponse:
    if not (account_id.isascii() and account_id.isdigit() and len(account_id) <= 9):
        return JSONResponse({"detail": "no such LinkedIn account"}, status_code=404)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return JSONResponse({"detail": "the body is too large"}, status_code=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return JSONResponse({"detail": "the body is too large"}, status_code=413)
    result = await run_in_threadpool(_handle, request.app.state.rt, int(account_id), bytes(body),
                                     request.headers.get(SIGNATURE_HEADER))
    return JSONResponse({"detail": result.outcome}, status_code=result.status)
