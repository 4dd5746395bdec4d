"""Webhook settings over the API (Settings → Webhooks): outgoing endpoints, their secrets (shown once) and a
test delivery; the LinkedIn API provider's shared secret. Everyone lists; admins change."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, admin, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.params import ObjectId
from outboard.api.services.webhooks import new_linkedin_secret
from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.inbox.webhooks_out import (
    EVENTS,
    EndpointView,
    add_endpoint,
    endpoint_of,
    list_endpoints,
    remove_endpoint,
    rotate_secret,
    send_test,
)
from outboard.runtime import Runtime

router = APIRouter(tags=["webhooks"])
EventName = Literal["reply", "bounce", "opt_out"]
assert set(EventName.__args__) == set(EVENTS)  # type: ignore[attr-defined]


class EndpointIn(BaseModel):
    url: str = Field(max_length=1000, description="https:// (plain http only on this machine)")
    events: list[EventName] | None = Field(None, min_length=1, description="Default: every event")


class SecretOut(BaseModel):
    id: int
    secret: str = Field(description="Shown once: Outboard keeps it sealed")


class CreatedEndpointOut(BaseModel):
    endpoint: EndpointView
    secret: str = Field(description="The signing secret, shown once")


class TestOut(BaseModel):
    delivered: bool
    error: str | None


def admin_endpoint_id(endpoint_id: ObjectId, who: Caller = Depends(admin),
                      session: Session = Depends(db_session)) -> int:
    return endpoint_of(session, who.workspace_id, endpoint_id).id


def admin_linkedin_account_id(account_id: ObjectId, who: Caller = Depends(admin),
                              session: Session = Depends(db_session)) -> int:
    return Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account").id


@router.get("/webhooks", response_model=list[EndpointView], responses=responses())
def endpoints(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[EndpointView]:
    """Webhook endpoints with their pending and failed deliveries."""
    return list_endpoints(session, who.workspace_id)


@router.post("/webhooks", response_model=CreatedEndpointOut, status_code=201, responses=responses(403, 422))
def add(body: EndpointIn, who: Caller = Depends(admin), rt: Runtime = Depends(get_runtime)) -> CreatedEndpointOut:
    """Add an endpoint; its signing secret is in the answer, and only there."""
    with rt.db.transaction() as session:
        endpoint, secret = add_endpoint(session, who.workspace_id, rt.secrets, body.url,
                                        events=list(body.events) if body.events else None)
        view = EndpointView(endpoint.id, endpoint.url, list(endpoint.events), endpoint.active, endpoint.created_at)
        return CreatedEndpointOut(endpoint=view, secret=secret)


@router.delete("/webhooks/{endpoint_id}", status_code=204, response_class=Response,
               responses=responses(403, 404, 422))
def delete(endpoint: int = Depends(admin_endpoint_id), who: Caller = Depends(admin),
           rt: Runtime = Depends(get_runtime)) -> Response:
    """Delete the endpoint and its deliveries."""
    with rt.db.transaction() as session:
        remove_endpoint(session, who.workspace_id, endpoint)
    return Response(status_code=204)


@router.post("/webhooks/{endpoint_id}/rotate", response_model=SecretOut, responses=responses(403, 404, 422))
def rotate(endpoint: int = Depends(admin_endpoint_id), who: Caller = Depends(admin),
           rt: Runtime = Depends(get_runtime)) -> SecretOut:
    """A new signing secret (the old one stops at once); shown once."""
    with rt.db.transaction() as session:
        return SecretOut(id=endpoint, secret=rotate_secret(session, who.workspace_id, rt.secrets, endpoint))


@router.post("/webhooks/{endpoint_id}/test", response_model=TestOut, responses=responses(403, 404, 422))
def test(endpoint: int = Depends(admin_endpoint_id), who: Caller = Depends(admin),
         rt: Runtime = Depends(get_runtime)) -> TestOut:
    """POST a signed `test` event to the endpoint now; whether it answered 2xx."""
    error = send_test(rt, who.workspace_id, endpoint)
    return TestOut(delivered=error is None, error=error)


@router.post("/webhooks/linkedin/{account_id}/secret", response_model=SecretOut,
             responses=responses(403, 404, 422))
def linkedin_secret(account: int = Depends(admin_linkedin_account_id), who: Caller = Depends(admin),
                    rt: Runtime = Depends(get_runtime)) -> SecretOut:
    """A new shared secret for the LinkedIn API provider's webhooks to this account (POST
    /webhooks/linkedin/{account_id} on the web app); shown once. 422 for an email account."""
    with rt.db.transaction() as session:
        return SecretOut(id=account, secret=new_linkedin_secret(session, who.workspace_id, rt.secrets, account))
