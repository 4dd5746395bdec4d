"""Which search results may still be used: not already a lead of the workspace, not suppressed.

A result is "already a lead" when a lead of the workspace has its LinkedIn id, email or name + company key
(the keys an import gives leads), and "suppressed" when any of its suppression hashes is on the
workspace's list, whatever the reason (an erased person never comes back). A lead that is already a
member of the saved search's own group is told apart ("member"): a restarted job counts it as collected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.db.models import Lead, SourceGroupMember, Suppression
from outboard.sources.index.keys import suppression_hashes

NEW, LEAD, MEMBER, SUPPRESSED = "new", "lead", "member", "suppressed"
# The strongest reason is reported when several entries match one person (as the import does).
_REASON_ORDER = ("erasure", "opt_out", "complaint", "hard_bounce", "blocklist")
_CHUNK = 500


@dataclass
class Verdict:
    status: str  # new | lead | member | suppressed
    reason: str | None = None  # the suppression reason
    lead_id: int | None = None


@dataclass
class Excluded:
    already_leads: int = 0
    suppressed: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: Verdict) -> None:
        if verdict.status == LEAD:
            self.already_leads += 1
        elif verdict.status == SUPPRESSED:
            self.suppressed[verdict.reason or "blocklist"] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"already_leads": self.already_leads, "suppressed": sum(self.suppressed.values()),
                "suppressed_by_reason": dict(sorted(self.suppressed.items()))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Excluded:
        data = data or {}
        return cls(int(data.get("already_leads", 0)), Counter(data.get("suppressed_by_reason") or {}))


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def keys_of(record: Mapping[str, Any]) -> tuple[str | None, str | None, str | None, str | None]:
    """(linkedin, email, name + company, company domain) of a search result."""
    keys = record.get("_keys")
    return tuple(keys) if keys else (None, None, None, None)  # type: ignore[return-value]


def screen(session: Session, workspace_id: int, records: Sequence[Mapping[str, Any]],
           group_id: int | None = None) -> list[Verdict]:
    """A verdict per record, in order."""
    keys = [keys_of(r) for r in records]
    hashes = [suppression_hashes(*k) for k in keys]
    found: dict[str, str] = {}
    digests = sorted({digest for hs in hashes for _, digest in hs})
    for chunk in _chunks(digests):
        for kind, digest, reason in session.execute(select(Suppression.kind, Suppression.value_hash,
                                                           Suppression.reason).where(
                Suppression.workspace_id == workspace_id, Suppression.value_hash.in_(list(chunk)))):
            found[f"{kind}:{digest}"] = reason
    owners: dict[tuple[int, str], int] = {}
    for position, column in enumerate((Lead.linkedin_key, Lead.email_key, Lead.name_domain_key)):
        values = sorted({k[position] for k in keys if k[position]})
        for chunk in _chunks(values):
            for lead_id, value in session.execute(select(Lead.id, column).where(
                    Lead.workspace_id == workspace_id, column.in_(list(chunk)))):
                owners[(position, value)] = lead_id
    members: set[int] = set()
    if group_id is not None and owners:
        lead_ids = sorted(set(owners.values()))
        for chunk in _chunks(lead_ids):
            members.update(session.scalars(select(SourceGroupMember.lead_id).where(
                SourceGroupMember.source_group_id == group_id, SourceGroupMember.lead_id.in_(list(chunk)))))
    out = []
    for key, hs in zip(keys, hashes, strict=True):
        reasons = {found[f"{kind}:{digest}"] for kind, digest in hs if f"{kind}:{digest}" in found}
        lead_id = next((owners[(i, v)] for i, v in enumerate(key[:3]) if v and (i, v) in owners), None)
        if lead_id is not None and lead_id in members:
            out.append(Verdict(MEMBER, lead_id=lead_id))
        elif reasons:
            out.append(Verdict(SUPPRESSED, next((r for r in _REASON_ORDER if r in reasons), sorted(reasons)[0])))
        elif lead_id is not None:
            out.append(Verdict(LEAD, lead_id=lead_id))
        else:
            out.append(Verdict(NEW))
    return out
