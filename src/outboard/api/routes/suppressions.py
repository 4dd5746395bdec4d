from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, admin, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.params import ObjectId
from outboard.api.schemas import ComplianceOut, PrimaryDomainIn, SuppressionIn, SuppressionOut
from outboard.db.models import Suppression, Workspace
from outboard.runtime import Runtime
from outboard.team.compliance import (
    add_to_blocklist,
    footer_of,
    list_suppressions,
    primary_domain_of,
    remove_suppression,
    set_primary_domain,
)

router = APIRouter(tags=["compliance"])
Reason = Query(None, description="blocklist, opt_out, hard_bounce, erasure or complaint")


def suppression_out(entry: Suppression) -> SuppressionOut:
    return SuppressionOut(id=entry.id, kind=entry.kind, reason=entry.reason, note=entry.note,
                          created_at=entry.created_at)


@router.get("/suppressions", response_model=list[SuppressionOut], responses=responses(403))
def suppressions(reason: str | None = Reason, who: Caller = Depends(admin),
                 session: Session = Depends(db_session)) -> list[SuppressionOut]:
    """The suppression list (newest 500). Values are stored hashed; `note` holds a masked hint."""
    return [suppression_out(e) for e in list_suppressions(session, who.workspace_id, reason)]


@router.post("/suppressions", response_model=SuppressionOut, status_code=201, responses=responses(403, 422))
def add_suppression(body: SuppressionIn, response: Response, who: Caller = Depends(admin),
                    rt: Runtime = Depends(get_runtime)) -> SuppressionOut:
    """Blocklist an email address or a whole domain (200 instead of 201 when it was already listed)."""
    with rt.db.transaction() as session:
        entry, created = add_to_blocklist(session, who.workspace_id, body.value, body.note, body.kind)
        if not created:
            response.status_code = 200
        return suppression_out(entry)


@router.delete("/suppressions/{suppression_id}", status_code=204, response_class=Response,
               responses=responses(403, 404, 422))
def delete_suppression(suppression_id: ObjectId, who: Caller = Depends(admin),
                       rt: Runtime = Depends(get_runtime)) -> Response:
    """Remove a blocklist or hard-bounce entry; opt-outs cannot be removed."""
    with rt.db.transaction() as session:
        remove_suppression(session, who.workspace_id, suppression_id)
    return Response(status_code=204)


def compliance_out(session: Session, workspace_id: int) -> ComplianceOut:
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    footer = footer_of(workspace)
    return ComplianceOut(primary_domain=primary_domain_of(workspace) or None, postal_address=footer.postal_address,
                         opt_out_sentence=footer.opt_out_sentence, footer_saved=footer.saved)


@router.get("/compliance", response_model=ComplianceOut, responses=responses())
def compliance(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> ComplianceOut:
    """The workspace's compliance settings: the primary domain and the email footer."""
    return compliance_out(session, who.workspace_id)


@router.put("/compliance/primary-domain", response_model=ComplianceOut, responses=responses(403, 422))
def put_primary_domain(body: PrimaryDomainIn, who: Caller = Depends(admin),
                       rt: Runtime = Depends(get_runtime)) -> ComplianceOut:
    """Set the primary domain (admins only; null or empty clears it). Readiness warns (`primary_domain`) when
    a sequence sends from a mailbox on it."""
    with rt.db.transaction() as session:
        set_primary_domain(session, who.workspace_id, body.primary_domain)
        session.flush()
        return compliance_out(session, who.workspace_id)
