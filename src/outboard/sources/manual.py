"""Leads entered by hand (`outboard leads add`, the REST API, the web form): the same normalisation, dedup,
suppression check and storage as an import row (store.LeadWriter), stricter about what was typed: an
email or LinkedIn profile that cannot be read is an error here, not a dropped value.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from outboard.core.errors import OutboardError, ValidationError
from outboard.db.models import Lead
from outboard.db.timeline import record
from outboard.sources.groups import MANUAL_GROUP, group_for
from outboard.sources.normalize.record import FIELDS, normalize_record
from outboard.sources.prepare import Rejected, prepare_record
from outboard.sources.store import LeadWriter

# What people type in forms and flags, besides our own field names.
ALIASES = {"name": "full_name", "linkedin": "linkedin_url", "company": "company_name", "domain": "company_domain",
           "website": "company_website", "size": "company_size"}
_STRICT = ("email", "linkedin_url", "company_domain", "company_website")


class Suppressed(OutboardError):
    """The person is on the workspace's suppression list: nothing about them was stored."""

    def __init__(self, reason: str):
        self.reason = reason
        if reason == "erasure":
            text = "this person asked to be erased; they cannot be added again"
        else:
            text = f"this person is on the suppression list ({reason.replace('_', ' ')}); nothing was added"
        super().__init__(text)


def manual_fields(fields: Mapping[str, object]) -> dict[str, str]:
    """Form or flag values to our field names; unknown names are custom fields; empty values are dropped."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        if value is None or not str(value).strip():
            continue
        key = ALIASES.get(name, name)
        out[key if key in FIELDS else name] = str(value).strip()
    return out


def add_manual_lead(session: Session, workspace_id: int, fields: Mapping[str, object], group_name: str | None = None,
                    *, source: str = "manual") -> tuple[Lead, str]:
    """Add one person by hand, in the caller's transaction. Returns the lead and "new" or "merged" (the
    person existed: new facts were added, different ones recorded as conflicts). ValidationError for
    unusable input, Suppressed when the person must not be stored."""
    values = manual_fields(fields)
    for problem in normalize_record(values).problems:  # what was typed wrong first, then what is missing
        if problem.field in _STRICT:
            raise ValidationError(problem.field, problem.reason, value=problem.value or None)
    prepared = prepare_record(0, values)
    if isinstance(prepared, Rejected):
        raise ValidationError(prepared.field, prepared.reason)
    group = group_for(session, workspace_id, group_name or MANUAL_GROUP, "manual")
    writer = LeadWriter(workspace_id, group.id, source)
    result = writer.write_batch(session, [prepared])
    if result.suppressed:
        raise Suppressed(next(iter(result.suppressed)))
    lead_id, outcome = result.outcomes[0]
    assert lead_id is not None
    if outcome == "new":
        record(session, workspace_id, "lead_added", lead_id=lead_id, subject=f"source_group:{group.id}", source=source)
    lead = session.get(Lead, lead_id)
    assert lead is not None
    session.refresh(lead)  # written with Core statements: load what is stored
    return lead, outcome
