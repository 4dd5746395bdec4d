"""Enrichment's reads: which leads a run covers, which fields a play wants, which address patterns a domain
has proven. Every read is scoped to one workspace."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from outboard.core.enrichment import DEFAULT_WANTED, ENRICHABLE_FIELDS
from outboard.core.errors import NotFound
from outboard.core.plays import PlaySpec
from outboard.db.models import Lead, SourceGroup, SourceGroupMember, WorkspacePlay
from outboard.db.scope import Scope
from outboard.enrich.finder import rank_patterns
from outboard.plays.library import get_play, play_from_dict


def find_group(session: Session, workspace_id: int, group: str | int) -> SourceGroup:
    """A source group by id or by name."""
    scope = Scope(session, workspace_id)
    if isinstance(group, int) or str(group).isdigit():
        row = session.scalars(scope.select(SourceGroup).where(SourceGroup.id == int(group))).one_or_none()
        if row is not None:
            return row
    row = session.scalars(scope.select(SourceGroup).where(SourceGroup.name == str(group))).one_or_none()
    if row is None:
        raise NotFound(f"source group {group!r} not found")
    return row


def group_lead_ids(session: Session, group_id: int) -> list[int]:
    return list(session.scalars(select(SourceGroupMember.lead_id).where(
        SourceGroupMember.source_group_id == group_id).order_by(SourceGroupMember.lead_id)))


def checked_lead_ids(session: Session, workspace_id: int, lead_ids: Iterable[int]) -> list[int]:
    """The ids, in the order given and without repeats; NotFound naming the first that is not ours."""
    ids = list(dict.fromkeys(int(i) for i in lead_ids))
    if not ids:
        return []
    found = set(session.scalars(select(Lead.id).where(Lead.workspace_id == workspace_id, Lead.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"lead {missing[0]} not found")
    return ids


def workspace_play(session: Session, workspace_id: int, play_id: str) -> PlaySpec:
    rows = session.scalars(Scope(session, workspace_id).select(WorkspacePlay))
    extra = [play_from_dict(row.spec, source=f"workspace play {row.key}", origin="workspace") for row in rows]
    return get_play(play_id, extra)


def wanted_fields(play: PlaySpec | None) -> tuple[str, ...]:
    """The fact paths a profile waterfall fills for this play: its required fields that providers can give
    (`email` is the email finder's, `signals` come from clues), or everything when there is no play."""
    if play is None:
        return DEFAULT_WANTED
    wanted = []
    for path in play.required_fields:
        path = "company.name" if path == "company" else path
        if path in ENRICHABLE_FIELDS and path not in wanted:
            wanted.append(path)
    return tuple(wanted)


def domain_forms(domain: str) -> set[str]:
    """The domain as stored may be Unicode or punycode: both forms, lower case."""
    name = domain.strip().lower().rstrip(".")
    forms = {name}
    for convert in (lambda n: n.encode("idna").decode("ascii"), lambda n: n.encode("ascii").decode("idna")):
        with contextlib.suppress(UnicodeError):
            forms.add(convert(name))
    return forms


def verified_at_domain(session: Session, workspace_id: int, domain: str) -> list[tuple[str, str, str]]:
    """(address, first name, last name) of the workspace's leads verified valid at this domain."""
    forms = domain_forms(domain)
    rows = session.execute(select(Lead.email, Lead.first_name, Lead.last_name, Lead.full_name).where(
        Lead.workspace_id == workspace_id, Lead.email_verdict == "valid",
        or_(*(func.lower(Lead.email).like(f"%@{form}") for form in forms)))).all()
    return [(email, *split_name(first, last, full)) for email, first, last, full in rows if email]


def proven_patterns(session: Session, workspace_id: int, domain: str) -> list[str]:
    """Patterns of the addresses already verified valid at this domain in the workspace, most used first."""
    return rank_patterns(verified_at_domain(session, workspace_id, domain))


def split_name(first: str | None, last: str | None, full: str | None) -> tuple[str, str]:
    """First and last name, from the full name when the parts are not stored ("Jane van der Berg" →
    "Jane", "van der Berg")."""
    first, last = (first or "").strip(), (last or "").strip()
    if first or last:
        return first, last
    words = (full or "").split()
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    particles = {"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "dos", "das", "ter", "ten"}
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in particles:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])
