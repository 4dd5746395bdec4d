"""Storing one lead's email outcome, in the caller's transaction.

- Lead.email / email_verdict / email_checked_at hold the current state; a catch_all address is stored as
  catch_all (the send engine uses it only when a sequence allows risky addresses), never as valid.
- The verifier's evidence (Verification.to_dict(): SMTP code, enhanced status, MX host, times) goes into
  the lead's timeline event, one per check, so every verdict can be audited later.
- Lead.profile["enrichment"]["email"] keeps the outcome, and `linkedin_only: true` when there is no valid
  address: such leads are never dropped, the send engine skips their email steps (send.advance).
- Only a valid find is charged (`email_found`, ref `email_found:<lead>:<address>`); a valid verdict moves
  the lead to Email enriched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.db.models import Lead
from outboard.db.timeline import reach_lead_stage, record
from outboard.db.usage import PRICES, charge
from outboard.enrich.email_waterfall import EmailOutcome
from outboard.enrich.profile_store import record_conflict, record_provenance

CHARGE_KIND = "email_found"
_EVENTS = {"verified": "email_verified", "found": "email_found", "catch_all": "email_catch_all",
           "unknown": "email_unknown", "not_found": "email_not_found", "no_domain": "email_not_found",
           "no_name": "email_not_found"}


def charge_ref(lead_id: int, address: str) -> str:
    return f"email_found:{lead_id}:{address.lower()}"[:200]


@dataclass
class StoredEmail:
    kind: str
    credits: int = 0
    linkedin_only: bool = False


def store_email(session: Session, lead: Lead, outcome: EmailOutcome,
                fingerprint: Callable[[str | None], str]) -> StoredEmail:
    """`fingerprint(address)`: what the outcome depends on, for the lead's address as stored now (a found
    address is part of it, so the next run sees the lead as current)."""
    now = session.info["clock"].now()
    kind = outcome.kind
    if kind in ("found", "catch_all") and outcome.address and not lead.email:
        owner = _owner(session, lead, outcome.address)
        if owner is not None:  # another lead of this workspace has this address: never two people, one inbox
            record_conflict(session, lead, "email", outcome.address, outcome.source or "finder")
            kind, outcome.detail = "not_found", f"{outcome.address} belongs to lead {owner}"
        else:
            lead.email, lead.email_key = outcome.address, outcome.address.lower()
            record_provenance(session, lead, "email", outcome.address, outcome.source or "finder")
    if kind in ("verified", "found", "catch_all", "unknown"):
        lead.email_verdict, lead.email_checked_at = outcome.verdict or "unknown", now
        record_provenance(session, lead, "email_verdict", lead.email_verdict, "verifier")
    stored = StoredEmail(kind)
    valid = lead.email_verdict == "valid" and bool(lead.email) and kind in ("verified", "found")
    if kind == "found" and outcome.metered and outcome.address \
            and charge(session, lead.workspace_id, CHARGE_KIND, charge_ref(lead.id, outcome.address)):
        stored.credits = PRICES[CHARGE_KIND]
    stored.linkedin_only = not valid
    status = {"at": now.isoformat(), "outcome": kind, "verdict": outcome.verdict, "address": outcome.address,
              "source": outcome.source, "detail": outcome.detail[:500], "linkedin_only": stored.linkedin_only,
              "fingerprint": fingerprint(lead.email)}
    enrichment = dict((lead.profile or {}).get("enrichment") or {})
    lead.profile = {**(lead.profile or {}), "enrichment": {**enrichment, "email": status}}
    record(session, lead.workspace_id, _EVENTS[kind], lead_id=lead.id, **_event_data(outcome, kind, stored, lead))
    if valid and lead.stop_reason is None:
        reach_lead_stage(session, lead, LeadStage.EMAIL_ENRICHED, by="email_enrichment", source=outcome.source)
    return stored


def _owner(session: Session, lead: Lead, address: str) -> int | None:
    return session.scalar(select(Lead.id).where(Lead.workspace_id == lead.workspace_id,
                                                Lead.email_key == address.lower(), Lead.id != lead.id))


def _event_data(outcome: EmailOutcome, kind: str, stored: StoredEmail, lead: Lead) -> dict[str, Any]:
    data: dict[str, Any] = {"outcome": kind, "verdict": outcome.verdict, "address": outcome.address,
                            "source": outcome.source, "pattern": outcome.pattern, "confidence": outcome.confidence,
                            "detail": outcome.detail, "tried": outcome.tried[:20],
                            "conversations": outcome.conversations, "credits": stored.credits,
                            "evidence": outcome.verification, "unavailable": outcome.unavailable or None}
    if stored.linkedin_only:
        data["linkedin_only"] = True
        data["next"] = ("email steps are skipped; LinkedIn steps go ahead" if lead.linkedin_id else
                        "email steps are skipped, and the lead has no LinkedIn id yet")
        if kind == "unknown":
            data["retry"] = "asked again on a later run"
    return {k: v for k, v in data.items() if v is not None}
