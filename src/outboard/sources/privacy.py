"""Data-subject requests: everything held on one person (GDPR Art. 15) and erasing it (Art. 17).

`export_person` gathers the lead and everything linked to it (provenance, source groups, enrollments,
messages with their revisions and LinkedIn tasks, timeline, inbound mail) and lists the other rows of the
workspace that mention the person (events about them without a lead link, import summaries, webhook
payloads...).

`erase_person` removes all of it in the caller's transaction:
1. hashed suppression entries (reason "erasure") for every email, LinkedIn id and name key the person
   had, so that no later import, manual entry or search brings them back;
2. the lead and what hangs off it: provenance, memberships, enrollments, messages, revisions, LinkedIn
   tasks, events, inbound mail;
3. inbound mail not linked to the lead but sent from or about their address;
4. copies of the person kept elsewhere under their identity keys (rows with a linkedin_key, email_key or
   name key column equal to theirs, e.g. the prospect index): deleted;
5. every other mention of their email, LinkedIn id, phone or name in any text or JSON column of the
   workspace's rows (and in global caches, for the email and LinkedIn id): replaced by "[erased]".
A name alone (no email or id next to it) is not scrubbed from other leads' own name columns or from
companies: a namesake is another person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, String, Table, Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from outboard.core.errors import NotFound, ValidationError
from outboard.core.suppression_keys import InvalidSuppressionValue, SuppressionKind
from outboard.db.models import (
    Base,
    Company,
    Enrollment,
    Event,
    FieldProvenance,
    InboundMessage,
    Lead,
    LinkedinTask,
    Message,
    MessageRevision,
    SourceGroup,
    SourceGroupMember,
    Suppression,
)
from outboard.db.scope import Scope
from outboard.db.suppressions import identity_of, matching_reason, suppress
from outboard.db.timeline import record
from outboard.sources.normalize.email import normalize_email
from outboard.sources.normalize.linkedin import parse_linkedin
from outboard.sources.sql import is_postgres

ERASED = "[erased]"
_MIN_NEEDLE = 5  # shorter values are too likely to occur in unrelated text
_IDENTITY_COLUMNS = ("linkedin_key", "email_key", "name_key", "name_domain_key")
# Hashes only, or nothing about leads.
_SKIP = frozenset({"suppressions", "alembic_version"})
# Staff and configuration: a lead's name or address appearing here belongs to someone else's account.
_NOT_LEAD_DATA = frozenset({"users", "invitations", "api_tokens", "workspaces", "sender_accounts"})
# Other leads' names and company names: the same name there is a namesake, not this person.
_NO_NAME_SCRUB = frozenset({"leads", "companies"})
# ... but in a row that also holds their email or LinkedIn id, their name is theirs too, except in these
# columns, which name the row's own person or company.
_OWN_NAME_COLUMNS = frozenset({"full_name", "first_name", "last_name", "name"})
# What export_person already returns in full; not listed again as mentions.
_EXPORTED = frozenset({"field_provenance", "source_group_members", "enrollments", "messages",
                       "message_revisions", "linkedin_tasks", "inbound_messages"})


@dataclass
class Needles:
    """What identifies the person in text: strong values (email, LinkedIn id, phone, name key) and names."""

    emails: set[str] = field(default_factory=set)
    linkedin_ids: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    name_keys: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @property
    def strong(self) -> set[str]:
        return {v for v in self.emails | self.linkedin_ids | self.phones | self.name_keys if len(v) >= _MIN_NEEDLE}

    def all(self, names: bool = True) -> set[str]:
        return self.strong | ({n for n in self.names if len(n) >= _MIN_NEEDLE} if names else set())


# -- finding the person ----------------------------------------------------------------------------

def find_person(session: Session, workspace_id: int, *, lead_id: int | None = None, email: str | None = None,
                linkedin: str | None = None) -> Lead:
    """The lead named by id, email or LinkedIn URL / id; NotFound when the workspace holds no such person."""
    given = [v for v in (lead_id, email, linkedin) if v]
    if len(given) != 1:
        raise ValidationError("person", "name the person by exactly one of: lead id, --email, --linkedin")
    scope = Scope(session, workspace_id)
    if lead_id:
        return scope.get(Lead, lead_id, "lead")
    if email:
        address, problem = normalize_email(email)
        if address is None:
            raise ValidationError("email", problem or "not an email address", value=email)
        lead = session.scalars(scope.select(Lead).where(or_(Lead.email_key == address, Lead.email == address))).first()
        if lead is None:
            raise NotFound("no lead with this email in this workspace")
        return lead
    public_id, problem = parse_linkedin(linkedin)
    if public_id is None:
        raise ValidationError("linkedin", problem or "not a LinkedIn profile", value=linkedin)
    lead = session.scalars(scope.select(Lead).where(Lead.linkedin_key == public_id)).first()
    if lead is None:
        raise NotFound("no lead with this LinkedIn profile in this workspace")
    return lead


def needles_of(session: Session, lead: Lead) -> Needles:
    needles = Needles()
    values: dict[str, set[str]] = {"email": set(), "linkedin_id": set(), "phone": set(), "full_name": set()}
    for name, value in session.execute(select(FieldProvenance.field, FieldProvenance.value).where(
            FieldProvenance.lead_id == lead.id, FieldProvenance.field.in_(tuple(values)))):
        values[name].add(value)
    needles.emails = {v.lower() for v in {lead.email, lead.email_key, *values["email"]} if v}
    needles.linkedin_ids = {v for v in {lead.linkedin_id, lead.linkedin_key, *values["linkedin_id"]} if v}
    needles.phones = {v for v in {lead.phone, *values["phone"]} if v and len(v) >= 7}
    needles.name_keys = {lead.name_domain_key} if lead.name_domain_key else set()
    needles.names = {v for v in {lead.full_name, *values["full_name"]} if v}
    if lead.first_name and lead.last_name:  # as lists and mail headers write it too: "Schmidt, Anna"
        first, last = lead.first_name, lead.last_name
        needles.names |= {f"{first} {last}", f"{last}, {first}", f"{last} {first}"}
    return needles


# -- rows of the person ----------------------------------------------------------------------------

def _row(obj: Any) -> dict[str, Any]:
    return {column.key: getattr(obj, column.key) for column in obj.__table__.columns}


def _mail_text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _linked(session: Session, lead: Lead) -> tuple[list[int], list[int]]:
    enrollment_ids = list(session.scalars(select(Enrollment.id).where(Enrollment.lead_id == lead.id)))
    message_ids = list(session.scalars(select(Message.id).where(Message.enrollment_id.in_(enrollment_ids)))) \
        if enrollment_ids else []
    return enrollment_ids, message_ids


def _inbound(session: Session, workspace_id: int, lead: Lead, enrollment_ids: list[int],
             needles: Needles) -> list[InboundMessage]:
    """Inbound mail linked to the lead or its enrollments, and unlinked mail that carries their address."""
    linked = or_(InboundMessage.lead_id == lead.id, InboundMessage.enrollment_id.in_(enrollment_ids or [-1]))
    found = {row.id: row for row in session.scalars(
        select(InboundMessage).where(InboundMessage.workspace_id == workspace_id, linked))}
    addresses = [e for e in needles.emails if len(e) >= _MIN_NEEDLE]
    if addresses:
        raw_text = _blob_text(session, InboundMessage.__table__.c.raw)
        mentions = or_(*(raw_text.like(f"%{_like(a)}%", escape="\\") for a in addresses))
        for row in session.scalars(select(InboundMessage).where(
                InboundMessage.workspace_id == workspace_id, InboundMessage.lead_id.is_(None), mentions)):
            found[row.id] = row
    return sorted(found.values(), key=lambda row: row.id)


def export_person(session: Session, workspace_id: int, lead: Lead) -> dict[str, Any]:
    """Everything held on the person, as JSON-ready data."""
    needles = needles_of(session, lead)
    enrollment_ids, message_ids = _linked(session, lead)
    company = session.get(Company, lead.company_id) if lead.company_id else None
    messages = []
    for message in session.scalars(select(Message).where(Message.id.in_(message_ids or [-1])).order_by(Message.id)):
        data = _row(message)
        data["revisions"] = [_row(r) for r in session.scalars(
            select(MessageRevision).where(MessageRevision.message_id == message.id).order_by(MessageRevision.id))]
        task = session.scalar(select(LinkedinTask).where(LinkedinTask.message_id == message.id))
        data["linkedin_task"] = _row(task) if task else None
        messages.append(data)
    inbound = []
    for row in _inbound(session, workspace_id, lead, enrollment_ids, needles):
        data = _row(row)
        data["raw"] = _mail_text(row.raw)
        inbound.append(data)
    groups = session.execute(select(SourceGroup.id, SourceGroup.name, SourceGroup.kind, SourceGroupMember.added_at,
                                    SourceGroupMember.reason)
                             .join(SourceGroupMember, SourceGroupMember.source_group_id == SourceGroup.id)
                             .where(SourceGroupMember.lead_id == lead.id, SourceGroup.workspace_id == workspace_id))
    identity = identity_of(lead)
    hashes = identity.hashes()
    entries = session.execute(select(Suppression.kind, Suppression.value_hash, Suppression.reason,
                                     Suppression.created_at).where(
        Suppression.workspace_id == workspace_id, Suppression.value_hash.in_([h for _, h in hashes] or ["-"])))
    keys = set(hashes)
    return {
        "lead": _row(lead),
        "company": _row(company) if company else None,
        "provenance": [_row(p) for p in session.scalars(
            select(FieldProvenance).where(FieldProvenance.lead_id == lead.id).order_by(FieldProvenance.id))],
        "source_groups": [{"id": g, "name": n, "kind": k, "added_at": a, "reason": r} for g, n, k, a, r in groups],
        "enrollments": [_row(e) for e in session.scalars(
            select(Enrollment).where(Enrollment.id.in_(enrollment_ids or [-1])).order_by(Enrollment.id))],
        "messages": messages,
        "events": [_row(e) for e in session.scalars(
            select(Event).where(Event.workspace_id == workspace_id, Event.lead_id == lead.id).order_by(Event.id))],
        "inbound_messages": inbound,
        "suppression": {
            "contactable": matching_reason(session, workspace_id, identity) is None,
            "entries": [{"kind": kind, "reason": reason, "created_at": created}
                        for kind, digest, reason, created in entries if (kind, digest) in keys],
        },
        "mentions_elsewhere": [{"table": t, "key": k, "columns": c} for t, k, c in
                               _mentions(session, workspace_id, needles, exclude_lead=lead.id)],
    }


# -- scanning the database for mentions ------------------------------------------------------------

def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _blob_text(session: Session, column: Any) -> ColumnElement[str]:
    if is_postgres(session):
        return func.lower(func.encode(column, "escape"))
    return func.lower(cast(column, Text))


def _as_text(session: Session, column: Column[Any]) -> ColumnElement[str]:
    if isinstance(column.type, LargeBinary):
        return _blob_text(session, column)
    if isinstance(column.type, JSON) or (is_postgres(session) and column.type.__class__.__name__ == "JSONB"):
        return func.lower(cast(column, Text))
    return func.lower(column)


def _text_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary) and not c.foreign_keys
            and not c.primary_key]


def _scope_of(table: Table, workspace_id: int, depth: int = 0) -> ColumnElement[bool] | None:
    """A condition keeping the workspace's rows: its workspace_id, or a foreign key to a table that has one.
    None for a table that belongs to no workspace (a global cache)."""
    if "workspace_id" in table.c:
        return table.c.workspace_id == workspace_id
    if depth > 2:
        return None
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        condition = _scope_of(parent, workspace_id, depth + 1)
        if condition is not None:
            return fk.parent.in_(select(fk.column).where(condition))
    return None


def _variants(needle: str) -> set[str]:
    """The needle as text and as it appears inside JSON written with ASCII escapes."""
    lowered = needle.lower()
    return {lowered, json.dumps(lowered)[1:-1]}


def _mentioning(session: Session, table: Table, columns: list[Column[Any]], needles: Iterable[str]) -> Any:
    terms = [_as_text(session, column).like(f"%{_like(variant)}%", escape="\\")
             for column in columns for needle in sorted(needles) for variant in _variants(needle)]
    return or_(*terms)


def _tables(skip: frozenset[str] = frozenset()) -> Iterator[Table]:
    for table in Base.metadata.sorted_tables:
        if table.name not in _SKIP and table.name not in _NOT_LEAD_DATA and table.name not in skip:
            yield table


def _mentions(session: Session, workspace_id: int, needles: Needles, *, exclude_lead: int | None = None
              ) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(table, primary key, columns) of rows outside the person's own that mention them."""
    found = []
    for table, rows in _rows_mentioning(session, workspace_id, needles, exclude_lead, skip=_EXPORTED):
        for row in rows:
            columns = [c.name for c in _text_columns(table) if _mentions_value(row[c.name], needles.all())]
            if columns:
                found.append((table.name, {c.name: row[c.name] for c in table.primary_key.columns}, columns))
    return found


def _rows_mentioning(session: Session, workspace_id: int, needles: Needles, exclude_lead: int | None,
                     skip: frozenset[str] = frozenset()) -> Iterator[tuple[Table, list[Any]]]:
    for table in _tables(skip):
        columns = _text_columns(table)
        if not columns:
            continue
        scope = _scope_of(table, workspace_id)
        words = needles.all(names=scope is not None and table.name not in _NO_NAME_SCRUB)
        if scope is None:
            words = {w for w in words if w not in needles.names}
        if not words:
            continue
        query = select(table).where(_mentioning(session, table, columns, words))
        if scope is not None:
            query = query.where(scope)
        if exclude_lead is not None and "lead_id" in table.c:
            query = query.where(or_(table.c.lead_id.is_(None), table.c.lead_id != exclude_lead))
        if exclude_lead is not None and table.name == "leads":
            query = query.where(table.c.id != exclude_lead)
        rows = list(session.execute(query).mappings())
        if rows:
            yield table, rows


def _pattern(needles: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)), re.IGNORECASE)


def _mentions_value(value: Any, needles: set[str]) -> bool:
    if value is None or not needles:
        return False
    if isinstance(value, bytes):
        value = _mail_text(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return bool(_pattern(needles).search(text))


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {_scrub(k, pattern): _scrub(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    return value


# -- erasure ---------------------------------------------------------------------------------------

@dataclass
class ErasureReport:
    lead_id: int
    suppression_entries: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    scrubbed: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], table: str, n: int) -> None:
        if n:
            bucket[table] = bucket.get(table, 0) + n

    def as_dict(self) -> dict[str, Any]:
        return {"lead_id": self.lead_id, "suppression_entries": self.suppression_entries,
                "deleted": dict(sorted(self.deleted.items())), "scrubbed": dict(sorted(self.scrubbed.items()))}


def _suppress_forever(session: Session, workspace_id: int, needles: Needles, report: ErasureReport) -> None:
    for kind, values in ((SuppressionKind.EMAIL, needles.emails), (SuppressionKind.LINKEDIN, needles.linkedin_ids),
                         (SuppressionKind.NAME_DOMAIN, needles.name_keys)):
        for value in sorted(values):
            try:
                report.suppression_entries += suppress(session, workspace_id, kind.value, value, "erasure",
                                                       note="erased on request")
            except InvalidSuppressionValue:
                continue


def _delete(session: Session, report: ErasureReport, model: Any, condition: ColumnElement[bool]) -> None:
    result = session.execute(delete(model).where(condition))
    report.count(report.deleted, model.__tablename__, result.rowcount or 0)  # type: ignore[attr-defined]


def _identity_copies(session: Session, workspace_id: int, needles: Needles, report: ErasureReport) -> None:
    """Rows elsewhere that are a copy of the person (they carry an identity key of theirs): deleted; when the
    row extends a parent row one to one (its primary key is the foreign key), the parent goes with it."""
    keys = needles.emails | needles.linkedin_ids | needles.name_keys
    for table in _tables():
        columns = [table.c[name] for name in _IDENTITY_COLUMNS if name in table.c]
        scope = _scope_of(table, workspace_id)
        if not columns or scope is None or not keys:
            continue
        matching = or_(*(column.in_(sorted(keys)) for column in columns))
        primary = list(table.primary_key.columns)
        if len(primary) == 1 and primary[0].foreign_keys:
            fk = next(iter(primary[0].foreign_keys))
            parent = fk.column.table
            ids = list(session.scalars(select(primary[0]).where(scope, matching)))
            if ids:
                result = session.execute(delete(parent).where(fk.column.in_(ids)))
                report.count(report.deleted, parent.name, result.rowcount or 0)
                result = session.execute(delete(table).where(primary[0].in_(ids)))  # when not cascaded
                report.count(report.deleted, table.name, result.rowcount or 0)
            continue
        result = session.execute(delete(table).where(scope, matching))
        report.count(report.deleted, table.name, result.rowcount or 0)


def _scrub_mentions(session: Session, workspace_id: int, needles: Needles, report: ErasureReport) -> None:
    for table, rows in _rows_mentioning(session, workspace_id, needles, exclude_lead=None):
        scoped = _scope_of(table, workspace_id) is not None
        words = needles.all(names=scoped and table.name not in _NO_NAME_SCRUB)
        if not scoped:
            words -= needles.names
        pattern, full = _pattern(words), _pattern(needles.all())
        primary = list(table.primary_key.columns)
        blobs = [c for c in _text_columns(table) if isinstance(c.type, LargeBinary)]
        for row in rows:
            where = [column == row[column.name] for column in primary]
            if not scoped or any(_mentions_value(row[c.name], words) for c in blobs):
                # A global cache entry about them, or raw bytes that cannot be edited: the row goes.
                session.execute(delete(table).where(*where))
                report.count(report.deleted, table.name, 1)
                continue
            if table.name in _NO_NAME_SCRUB:  # found by a strong value: the name next to it is theirs too
                values = {c.name: _scrub(row[c.name], pattern if c.name in _OWN_NAME_COLUMNS else full)
                          for c in _text_columns(table) if _mentions_value(row[c.name], needles.all())}
            else:
                values = {c.name: _scrub(row[c.name], pattern) for c in _text_columns(table)
                          if _mentions_value(row[c.name], words)}
            if values:
                session.execute(update(table).where(*where).values(**values))
                report.count(report.scrubbed, table.name, 1)


def erase_person(session: Session, workspace_id: int, lead: Lead) -> ErasureReport:
    """Erase the person everywhere, in the caller's transaction (see the module docstring)."""
    if lead.workspace_id != workspace_id:
        raise NotFound(f"lead {lead.id} not found")
    report = ErasureReport(lead.id)
    needles = needles_of(session, lead)
    _suppress_forever(session, workspace_id, needles, report)
    enrollment_ids, message_ids = _linked(session, lead)
    inbound = [row.id for row in _inbound(session, workspace_id, lead, enrollment_ids, needles)]
    _delete(session, report, InboundMessage, InboundMessage.id.in_(inbound or [-1]))
    if message_ids:
        _delete(session, report, LinkedinTask, LinkedinTask.message_id.in_(message_ids))
        _delete(session, report, MessageRevision, MessageRevision.message_id.in_(message_ids))
        _delete(session, report, Message, Message.id.in_(message_ids))
    if enrollment_ids:
        _delete(session, report, Enrollment, Enrollment.id.in_(enrollment_ids))
    _delete(session, report, Event, Event.lead_id == lead.id)
    _delete(session, report, FieldProvenance, FieldProvenance.lead_id == lead.id)
    _delete(session, report, SourceGroupMember, SourceGroupMember.lead_id == lead.id)
    lead_id = lead.id
    session.expunge(lead)
    _delete(session, report, Lead, Lead.id == lead_id)
    _identity_copies(session, workspace_id, needles, report)
    _scrub_mentions(session, workspace_id, needles, report)
    record(session, workspace_id, "person_erased", subject=f"lead:{lead_id}",
           suppression_entries=report.suppression_entries)
    session.flush()
    return report
