"""How far enrichment got for a set of leads: stages, email verdicts, outcomes, LinkedIn-only leads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.core.verdicts import EmailVerdict
from outboard.db.models import Lead
from outboard.enrich.queries import find_group, group_lead_ids

_CHUNK = 500


def enrichment_status(session: Session, workspace_id: int, *, group: str | int | None = None,
                      lead_ids: Iterable[int] = ()) -> dict[str, Any]:
    """Counts for a source group (name or id) or for chosen leads."""
    name = None
    if group is not None:
        source = find_group(session, workspace_id, group)
        ids, name = group_lead_ids(session, source.id), source.name
    else:
        ids = list(dict.fromkeys(lead_ids))
    stages: Counter[str] = Counter({s.value: 0 for s in LeadStage})
    verdicts: Counter[str] = Counter({v.value: 0 for v in EmailVerdict} | {"none": 0})
    profile: Counter[str] = Counter()
    email: Counter[str] = Counter()
    linkedin_only = stopped = 0
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(select(Lead.stage, Lead.stop_reason, Lead.email_verdict, Lead.profile)
                               .where(Lead.workspace_id == workspace_id, Lead.id.in_(ids[start:start + _CHUNK])))
        for stage, stop_reason, verdict, data in rows:
            stages[stage] += 1
            stopped += stop_reason is not None
            verdicts[verdict or "none"] += 1
            status = (data or {}).get("enrichment") or {}
            profile[(status.get("profile") or {}).get("outcome", "not_run")] += 1
            email_status = status.get("email") or {}
            email[email_status.get("outcome", "not_run")] += 1
            linkedin_only += bool(email_status.get("linkedin_only")) and verdict != EmailVerdict.VALID
    return {"group": name, "leads": sum(stages.values()), "stages": dict(stages), "verdicts": dict(verdicts),
            "profile_outcomes": dict(profile), "email_outcomes": dict(email), "linkedin_only": linkedin_only,
            "stopped": stopped}
