"""The public one-click unsubscribe (RFC 8058): POST unsubscribes, GET only asks.

Mail providers POST `List-Unsubscribe=One-Click` to the link without any cookie, so this router has no
CSRF check: the signed token is the whole authority, and it can only opt its own address out. A GET never
changes anything, because link scanners and previews fetch links nobody clicked.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from outboard.core.suppression_keys import SuppressionKind, mask
from outboard.runtime import Runtime
from outboard.web.deps import runtime_of
from outboard.web.templating import plain
from outboard.web.unsubscribe import apply_unsubscribe, read_token

router = APIRouter()


def _masked(address: str) -> str:
    try:
        return mask(SuppressionKind.EMAIL, address)
    except ValueError:
        return "this address"


@router.get("/u/{token}")
def confirm(request: Request, token: str, rt: Runtime = Depends(runtime_of)) -> Response:
    claim = read_token(rt.settings, token)
    if claim is None:
        return plain(request, "unsubscribe/invalid.html", {}, status=400)
    return plain(request, "unsubscribe/confirm.html", {"token": token, "address": _masked(claim.address)})


@router.post("/u/{token}")
def unsubscribe(request: Request, token: str, rt: Runtime = Depends(runtime_of)) -> Response:
    claim = read_token(rt.settings, token)
    if claim is None:
        return plain(request, "unsubscribe/invalid.html", {}, status=400)
    with rt.db.transaction() as session:
        apply_unsubscribe(session, claim)
    return plain(request, "unsubscribe/done.html", {"address": _masked(claim.address)})
