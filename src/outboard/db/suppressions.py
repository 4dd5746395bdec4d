"""Reading and writing the suppression list (checked at import and immediately before every send)."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from outboard.core.suppression_keys import Identity, hash_value
from outboard.db.models import Lead, Suppression
from outboard.db.timeline import record


def identity_of(lead: Lead) -> Identity:
    return Identity(email=lead.email, linkedin_id=lead.linkedin_id, name_domain=lead.name_domain_key)


def matching_reason(session: Session, workspace_id: int, identity: Identity) -> str | None:
    """The reason of the first suppression entry matching this person, or None when they may be contacted."""
    keys = identity.hashes()
    if not keys:
        return None
    return session.scalar(select(Suppression.reason).where(
        Suppression.workspace_id == workspace_id,
        tuple_(Suppression.kind, Suppression.value_hash).in_(keys)).limit(1))


def suppress(session: Session, workspace_id: int, kind: str, value: str, reason: str, note: str = "") -> bool:
    """Add an entry (idempotent); returns whether it was new."""
    value_hash = hash_value(kind, value)
    exists = session.scalar(select(Suppression.id).where(
        Suppression.workspace_id == workspace_id, Suppression.kind == kind, Suppression.value_hash == value_hash))
    if exists is not None:
        return False
    session.add(Suppression(workspace_id=workspace_id, kind=kind, value_hash=value_hash, reason=reason, note=note))
    session.flush()
    record(session, workspace_id, "suppression_added", entry=kind, reason=reason)
    return True
