"""Writing prepared rows into a workspace: suppression check, dedup against the workspace, merge, store.

One call of `LeadWriter.write_batch` is one batch inside the caller's transaction; imports and manual
leads both go through it. For a batch it:

1. drops rows whose person is suppressed (blocklisted email or domain, opted out, bounced, erased): they
   are counted by reason and nothing about them is stored;
2. finds the leads the rows may be: the same LinkedIn id, email or exact name key (the unique keys, looked
   up with IN (...)), and the leads of the same companies with the same last name (fuzzy first names);
3. clusters leads and rows with dedup.DedupIndex (existing leads first, by id; then rows in file order),
   so a row joins the oldest lead it matches, and rows of one person in the batch become one lead;
4. a row that shows two existing leads are one person folds the younger into the older (lead_merge) when
   that is safe; otherwise the row is reported as ambiguous and the leads stay apart;
5. merges rows into their lead with dedup.merge: new facts are added with provenance, a different value
   is a conflict row (conflict=True, is_current=False) and the stored value stays;
6. writes with bulk statements: companies, new leads (INSERT ... RETURNING), changed leads, provenance,
   source group membership (a lead already in the group is left alone).

Provenance of a new lead is one row with field "*": every fact it was created with came from that source
(value lists the fields). Facts added later and conflicts get a row per field. This keeps a million-row
import at two provenance rows per lead instead of fifteen; see docs/import.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.db.models import (
    Company,
    Enrollment,
    FieldProvenance,
    InboundMessage,
    Lead,
    SourceGroup,
    SourceGroupMember,
    Suppression,
)
from outboard.db.session import clock_of
from outboard.sources.bits import Bloom, IdSet
from outboard.sources.companies import Companies
from outboard.sources.dedup import DedupIndex, first_names_match, merge
from outboard.sources.lead_merge import absorb
from outboard.sources.normalize.record import Identity, NormalizedLead
from outboard.sources.prepare import Prepared, company_key, identity_of
from outboard.sources.records import LEAD_FACTS, fact_fields, fact_value, lead_columns, normalized_from_row
from outboard.sources.sql import BulkInsert, allocate_ids, is_postgres, one_of
from outboard.sources.summary import BatchResult

ALL_FIELDS = "*"
# The strongest reason is reported when several entries match one person.
_REASON_ORDER = ("erasure", "opt_out", "complaint", "hard_bounce", "blocklist")
_LEAD = Lead.__table__
_PROVENANCE = FieldProvenance.__table__
_COMPANY = Company.__table__
_COLUMNS = (_LEAD.c.id, _LEAD.c.workspace_id, *(_LEAD.c[name] for name in LEAD_FACTS), _LEAD.c.profile,
            _LEAD.c.company_id, _LEAD.c.stage, _LEAD.c.stop_reason, _LEAD.c.linkedin_connected_at,
            _LEAD.c.linkedin_key, _LEAD.c.email_key, _LEAD.c.name_domain_key,
            _COMPANY.c.name.label("company_name"), _COMPANY.c.domain.label("company_domain"),
            _COMPANY.c.industry.label("company_industry"), _COMPANY.c.size.label("company_size"),
            _COMPANY.c.facts.label("company_facts"))
_KEY_COLUMNS = ("linkedin_key", "email_key", "name_domain_key")
_COMPANY_FIELDS = frozenset({"company_name", "company_domain", "company_website", "industry", "company_size"})
_CONNECTED_FORMATS = ("%d %b %Y", "%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%b %d, %Y")


@dataclass(eq=False, slots=True)
class _State:
    """One lead as this batch sees it: stored (id set) or about to be created."""

    view: NormalizedLead
    before: NormalizedLead | None = None  # as stored (None: new)
    row: dict[str, Any] | None = None  # the stored row (None: new)
    id: int | None = None
    fresh: bool = False  # created earlier in this import
    company_id: int | None = None
    connected_at: datetime | None = None
    provenance: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[int, str]] = field(default_factory=list)  # (file row, outcome)
    identity: Identity | None = None  # of the view, while no other row changed it
    keys: tuple[str | None, str | None, str | None] = (None, None, None)

    @property
    def is_new(self) -> bool:
        return self.row is None


def parse_connected_on(text: str) -> datetime | None:
    """LinkedIn's "Connected On" ("14 Feb 2024") as a UTC datetime, or None."""
    for pattern in _CONNECTED_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _reached(firsts: set[str], leads: list[tuple[int, str]]) -> list[int]:
    """The leads of one block (id, first name key) that first-name-match one of `firsts`, directly or
    through another such lead: the ones DedupIndex could put in a cluster with a row of the batch."""
    reached, rest, found = list(firsts), leads, []
    while rest:
        hits = [lead for lead in rest if any(first_names_match(lead[1], first) for first in reached)]
        if not hits:
            break
        found += [lead_id for lead_id, _ in hits]
        reached += [first for _, first in hits]
        rest = [lead for lead in rest if lead not in hits]
    return found


class LeadWriter:
    """Per-import state (company cache, leads created so far) and the batch write."""

    def __init__(self, workspace_id: int, group_id: int, source: str, *, connections: bool = False,
                 companies: Companies | None = None):
        self.workspace_id = workspace_id
        self.group_id = group_id
        self.source = source
        self.connections = connections  # rows are the sender's 1st-degree LinkedIn connections
        # The row rewritten to take SQLite's write lock before ids are allocated: our source group.
        self.lock = (SourceGroup.__table__, group_id, "name")
        self.companies = companies or Companies(workspace_id, self.lock)
        self.created = IdSet()
        self.blocks = Bloom()  # "last@domain" of every lead this import wrote
        self._inserts: dict[tuple[str, str], BulkInsert] = {}

    def _bulk(self, session: Session, name: str) -> BulkInsert:
        """Compiled once per import and dialect."""
        key = (name, session.get_bind().dialect.name)
        if key not in self._inserts:
            if name == "leads":
                self._inserts[key] = BulkInsert(session, _LEAD, [c.name for c in _LEAD.columns])
            elif name == "provenance":
                self._inserts[key] = BulkInsert(session, _PROVENANCE, [c.name for c in _PROVENANCE.columns
                                                                       if c.name != "id"])
            else:
                self._inserts[key] = BulkInsert(session, SourceGroupMember.__table__,
                                                ["source_group_id", "lead_id", "reason", "added_at"],
                                                skip_conflicts_on=["source_group_id", "lead_id"])
        return self._inserts[key]

    def source_of(self, row: int) -> str:
        return f"{self.source}#row={row}" if row > 0 else self.source

    def committed(self, result: BatchResult) -> None:
        """The batch's transaction committed: keep what it created in the caches."""
        for lead_id in result.created_ids:
            self.created.add(lead_id)
        for block in result.blocks:
            self.blocks.add(block)
        self.companies.commit()

    def rolled_back(self) -> None:
        self.companies.rollback()

    # -- 1. suppression ------------------------------------------------------------------------------
    def has_suppressions(self, session: Session) -> bool:
        """Whether the workspace has a suppression list at all (a new workspace has none)."""
        return session.scalar(select(Suppression.id).where(Suppression.workspace_id == self.workspace_id)
                              .limit(1)) is not None

    def _screen(self, session: Session, items: list[Prepared], result: BatchResult) -> list[Prepared]:
        if not self.has_suppressions(session):
            return items  # an empty list (a new workspace) costs nothing
        by_kind: dict[str, set[str]] = {}
        for item in items:
            for kind, digest in item.suppression_keys():
                by_kind.setdefault(kind, set()).add(digest)
        found: dict[tuple[str, str], str] = {}
        for kind, digests in sorted(by_kind.items()):  # one query per kind: the unique index is (ws, kind, hash)
            for digest, reason in session.execute(select(Suppression.value_hash, Suppression.reason).where(
                    Suppression.workspace_id == self.workspace_id, Suppression.kind == kind,
                    one_of(session, Suppression.value_hash, sorted(digests)))):
                found[(kind, digest)] = reason
        if not found:
            return items
        kept = []
        for item in items:
            reasons = {found[key] for key in item.suppression_keys() if key in found}
            if not reasons:
                kept.append(item)
                continue
            reason = next((r for r in _REASON_ORDER if r in reasons), sorted(reasons)[0])
            result.suppressed[reason] += 1
            result.outcomes[item.row] = (None, "suppressed")
        return kept

    # -- 2. candidates -------------------------------------------------------------------------------
    def _select(self) -> Any:
        return (select(*_COLUMNS).select_from(_LEAD.outerjoin(_COMPANY, _COMPANY.c.id == _LEAD.c.company_id))
                .where(_LEAD.c.workspace_id == self.workspace_id))

    def _lookup(self, session: Session, items: list[Prepared]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for column, attribute in ((_LEAD.c.linkedin_key, "linkedin_id"), (_LEAD.c.email_key, "email"),
                                  (_LEAD.c.name_domain_key, "name_domain_key")):
            values = sorted({getattr(item.identity, attribute) for item in items} - {""})
            if values:
                for row in session.execute(self._select().where(one_of(session, column, values))).mappings():
                    found[row["id"]] = dict(row)
        self._same_company_same_last_name(session, items, found)
        return found

    def _same_company_same_last_name(self, session: Session, items: list[Prepared],
                                     found: dict[int, dict[str, Any]]) -> None:
        """Leads whose first name may match fuzzily ("Jon" / "Jonathan"): same company, same last name key.
        The index on (company_id, name_domain_key) gives the name keys of the companies' leads without
        reading a row; the tail of the key ("last@domain") selects the block, and only the leads that
        first-name-match a row of the batch or a lead already found (directly or through another such lead,
        as DedupIndex clusters) are loaded. (No
        workspace condition: the company ids are this workspace's, and the planner must take this index,
        not the workspace's name keys.)"""
        named = [item.identity for item in items if item.identity.name_domain_key]
        if not named:
            return
        ids = self.companies.known_ids(session, {i.company_domain for i in named})
        company_ids: set[int] = set()
        firsts: dict[str, set[str]] = {}  # block -> first name keys of the batch's rows
        for ident in named:
            company_id = ids.get(ident.company_domain)
            block = f"{ident.last_key}@{ident.company_domain}"
            # A company this import created holds only this import's leads: if none of them had this last
            # name there (the filter is sure of "no"), there is nothing to look for.
            if company_id is None or (company_id in self.companies.created_ids and block not in self.blocks):
                continue
            company_ids.add(company_id)
            firsts.setdefault(block, set()).add(ident.first_key)
        if not company_ids:
            return
        for row in found.values():  # leads found by other keys cluster with their namesakes too
            ident = identity_of(normalized_from_row(row))
            block = f"{ident.last_key}@{ident.company_domain}"
            if ident.first_key and block in firsts:
                firsts[block].add(ident.first_key)
        key = _LEAD.c.name_domain_key
        position = func.strpos(key, " ") if is_postgres(session) else func.instr(key, " ")
        tail = func.substr(key, position + 1)
        query = select(_LEAD.c.id, key).where(one_of(session, _LEAD.c.company_id, sorted(company_ids)),
                                               one_of(session, tail, sorted(firsts)))
        blocks: dict[str, list[tuple[int, str]]] = {}
        for lead_id, name_key in session.execute(query):
            if lead_id not in found:
                first, _, block = name_key.partition(" ")
                blocks.setdefault(block, []).append((lead_id, first))
        wanted = [lead_id for block, leads in blocks.items() for lead_id in _reached(firsts[block], leads)]
        if wanted:
            for row in session.execute(self._select().where(one_of(session, _LEAD.c.id, wanted))).mappings():
                found.setdefault(row["id"], dict(row))

    # -- the batch -----------------------------------------------------------------------------------
    def write_batch(self, session: Session, items: list[Prepared]) -> BatchResult:
        result = BatchResult(last_row=max((item.row for item in items), default=0))
        items = self._screen(session, items, result)
        if not items:
            return result
        now = clock_of(session).now()
        found = self._lookup(session, items)
        states, folded = self._plan(session, items, found, result, now)
        self._claim_keys(session, states, found, folded, {item.identity.name_domain_key for item in items})
        self._write(session, states, result, now)
        return result

    def _plan(self, session: Session, items: list[Prepared], found: dict[int, dict[str, Any]],
              result: BatchResult, now: datetime) -> tuple[list[_State], set[int]]:
        views = {lead_id: normalized_from_row(row) for lead_id, row in found.items()}
        index = DedupIndex()
        for lead_id in sorted(found):
            index.add(identity_of(views[lead_id]), ("lead", lead_id))
        by_row = {}
        for item in items:
            index.add(item.identity, item.row)
            by_row[item.row] = item
        clusters: list[tuple[list[int], list[Prepared]]] = []
        for refs in index.clusters():
            lead_ids = [r[1] for r in refs if isinstance(r, tuple)]
            rows = [by_row[r] for r in refs if not isinstance(r, tuple)]  # type: ignore[index]
            if rows:
                clusters.append((lead_ids, rows))
        unsafe = self._unsafe_to_fold(session, [i for ids, _ in clusters for i in ids[1:]], found)
        states: list[_State] = []
        folded: set[int] = set()
        for lead_ids, rows in clusters:
            if lead_ids:
                state = self._stored_state(found[lead_ids[0]], views[lead_ids[0]])
                for other in lead_ids[1:]:
                    if self._fold(session, state, found[other], views[other], other in unsafe, rows[0].row,
                                  result, now):
                        folded.add(other)
                merging = rows
            else:
                first = rows[0]
                state = _State(view=first.lead, rows=[(first.row, "new")])
                state.provenance.append(self._provenance(ALL_FIELDS, first.fields or ",".join(fact_fields(first.lead)),
                                                         first.row, now))
                state.identity = first.identity
                result.new += 1
                merging = rows[1:]
            for item in merging:
                self._merge_row(state, item, result, now)
            if self.connections and state.view.linkedin_id and (state.row is None
                                                                or state.row["linkedin_connected_at"] is None):
                state.connected_at = parse_connected_on(rows[0].lead.custom.get("Connected On", "")) or now
            states.append(state)
        return states, folded

    def _stored_state(self, row: dict[str, Any], view: NormalizedLead) -> _State:
        return _State(view=view, before=view, row=row, id=row["id"],
                      fresh=row["id"] in self.created, company_id=row["company_id"],
                      keys=(row["linkedin_key"], row["email_key"], row["name_domain_key"]))

    def _unsafe_to_fold(self, session: Session, lead_ids: list[int], found: dict[int, dict[str, Any]]) -> set[int]:
        """Leads that must not be folded into another: anything beyond Discovered, a stop reason, an
        enrollment or inbound mail (outreach history is never rewritten by an import)."""
        unsafe = {i for i in lead_ids if found[i]["stage"] != LeadStage.DISCOVERED.value or found[i]["stop_reason"]}
        rest = [i for i in lead_ids if i not in unsafe]
        if rest:
            unsafe.update(session.scalars(select(Enrollment.lead_id).where(one_of(session, Enrollment.lead_id, rest))))
            unsafe.update(session.scalars(select(InboundMessage.lead_id).where(
                one_of(session, InboundMessage.lead_id, rest))))
        return unsafe

    def _fold(self, session: Session, state: _State, other: dict[str, Any], view: NormalizedLead, unsafe: bool,
              row: int, result: BatchResult, now: datetime) -> bool:
        """A row showed that `other` is the same person as `state`'s lead: fold it in when safe (its
        provenance, groups and timeline move over), else report the row as ambiguous."""
        a, b = state.view, view
        contradict = bool((a.linkedin_id and b.linkedin_id and a.linkedin_id != b.linkedin_id)
                          or (a.email and b.email and a.email != b.email))
        if unsafe or contradict:
            why = "the leads hold different emails or LinkedIn ids" if contradict else \
                "the other lead has outreach history, so it is not merged automatically"
            result.ambiguous.append({"row": row, "lead_id": state.id, "other_lead_id": other["id"], "reason": why})
            return False
        merged = merge(state.view, view)
        state.view = merged.lead
        for conflict in merged.conflicts:
            state.conflicts.append({"row": row, "field": conflict.field, "old": conflict.old, "new": conflict.new,
                                    "source": f"lead:{other['id']}"})
        absorb(session, keep=state.id, drop=other["id"],  # type: ignore[arg-type]
               conflicting=[c.field for c in merged.conflicts], now=now)
        result.leads_merged += 1
        return True

    def _merge_row(self, state: _State, item: Prepared, result: BatchResult, now: datetime) -> None:
        merged = merge(state.view, item.lead)
        state.view = merged.lead
        state.identity = None
        for name in merged.added:
            state.provenance.append(self._provenance(name, fact_value(merged.lead, name), item.row, now))
        for conflict in merged.conflicts:
            state.conflicts.append({"row": item.row, "field": conflict.field, "old": conflict.old,
                                    "new": conflict.new, "source": self.source_of(item.row)})
        if state.is_new or state.fresh:
            result.duplicates += 1
            state.rows.append((item.row, "duplicate"))
        else:
            result.merged += 1
            result.updated += bool(merged.added)
            state.rows.append((item.row, "merged"))

    def _provenance(self, name: str, value: str, row: int, now: datetime, *, conflict: bool = False) -> dict[str, Any]:
        return {"field": name[:100], "value": value, "source": self.source_of(row)[:300], "observed_at": now,
                "is_current": not conflict, "conflict": conflict}

    # -- 3. identity keys ----------------------------------------------------------------------------
    def _claim_keys(self, session: Session, states: list[_State], found: dict[int, dict[str, Any]],
                    folded: set[int], looked_up: set[str]) -> None:
        """Give each lead the identity keys of its view unless another lead holds them (unique per
        workspace): an email or LinkedIn id held by a lead that stayed apart becomes a conflict; a name key
        held by a namesake is left empty."""
        owners: dict[tuple[str, str], object] = {}
        for lead_id, row in found.items():
            if lead_id in folded:
                continue  # deleted by the fold: its keys are free
            for column in _KEY_COLUMNS:
                if row[column]:
                    owners[(column, row[column])] = lead_id
        wanted = [(s.identity or identity_of(s.view)).name_domain_key for s in states]
        # The holders of the rows' own name keys are in `found` already (_lookup); a merge can make others.
        unknown = sorted({k for k in wanted if k and k not in looked_up and ("name_domain_key", k) not in owners})
        if unknown:
            for lead_id, key in session.execute(select(Lead.id, Lead.name_domain_key).where(
                    Lead.workspace_id == self.workspace_id, one_of(session, Lead.name_domain_key, unknown))):
                if lead_id not in folded:
                    owners[("name_domain_key", key)] = lead_id
        for state, name_key in zip(states, wanted, strict=True):
            me: object = state.id if state.id is not None else state
            linkedin = self._key_or_conflict(state, owners, me, "linkedin_key", "linkedin_id")
            email = self._key_or_conflict(state, owners, me, "email_key", "email")
            name = name_key or None
            if name and owners.get(("name_domain_key", name), me) != me:  # a lead id (int) or a new state
                name = None
            for column, value in zip(_KEY_COLUMNS, (linkedin, email, name), strict=True):
                if value:
                    owners[(column, value)] = me
            state.keys = (linkedin, email, name)

    def _key_or_conflict(self, state: _State, owners: dict[tuple[str, str], object], me: object, column: str,
                         attribute: str) -> str | None:
        value = getattr(state.view, attribute)
        if not value:
            return None
        holder = owners.get((column, value), me)
        if holder == me:
            return value
        before = getattr(state.before, attribute) if state.before is not None else ""
        row = state.rows[-1][0] if state.rows else 0
        state.conflicts.append({"row": row, "field": attribute, "old": before, "new": value,
                                "source": self.source_of(row)})
        changes: dict[str, Any] = {attribute: before}
        if attribute == "email":
            changes["email_free"] = bool(before) and state.before is not None and state.before.email_free
        state.view = dataclasses.replace(state.view, **changes)
        return before or None

    # -- 4. writing ----------------------------------------------------------------------------------
    def _write(self, session: Session, states: list[_State], result: BatchResult, now: datetime) -> None:
        self._link_companies(session, states)
        new = [s for s in states if s.is_new]
        if new:
            ids = allocate_ids(session, _LEAD, len(new), self.lock)
            for state, lead_id in zip(new, ids, strict=True):
                state.id = lead_id
                result.created_ids.append(lead_id)
            fixed = self._new_fixed(now)
            self._bulk(session, "leads").run(session, [self._new_row(s, fixed) for s in new])
        changed = [values for s in states if not s.is_new and (values := self._changes(s, now))]
        if changed:
            statement = update(_LEAD).where(_LEAD.c.id == bindparam("_id")).values(
                {c: bindparam(c) for c in changed[0] if c != "_id"})
            session.execute(statement, changed)
        self._write_provenance(session, states, result)
        reason: dict[str, Any] = {}  # one object: converted once for the batch
        members = [{"source_group_id": self.group_id, "lead_id": s.id, "reason": reason, "added_at": now}
                   for s in states]
        self._bulk(session, "members").run(session, members)
        for state, name in zip(states, (s.keys[2] for s in states), strict=True):
            for number, outcome in state.rows:
                result.outcomes[number] = (state.id, outcome)
            if name:
                result.blocks.append(name.split(" ", 1)[1])

    def _link_companies(self, session: Session, states: list[_State]) -> None:
        """New leads get their company; a stored lead gets one when a row brings its first company (or
        fills a field its company lacks); a lead's company is never switched to another."""
        wanted = []
        for state in states:
            key = company_key(state.view)
            if not key:
                continue
            before = company_key(state.before) if state.before is not None else ""
            if state.is_new or key != before or any(p["field"] in _COMPANY_FIELDS for p in state.provenance):
                wanted.append((state, key, before))
        if not wanted:
            return
        ids = self.companies.ensure(session, [state.view for state, _, _ in wanted])
        for state, key, before in wanted:
            if state.company_id is None or key != before:
                state.company_id = ids.get(key, state.company_id)

    def _new_row(self, state: _State, fixed: dict[str, Any]) -> dict[str, Any]:
        """`fixed`: the columns every new lead of the batch shares (_new_fixed)."""
        values = lead_columns(state.view)
        values.update(fixed)
        values["id"], values["company_id"], values["linkedin_connected_at"] = state.id, state.company_id, \
            state.connected_at
        values["linkedin_key"], values["email_key"], values["name_domain_key"] = state.keys
        return values

    def _new_fixed(self, now: datetime) -> dict[str, Any]:
        return {"workspace_id": self.workspace_id, "stage": LeadStage.DISCOVERED.value, "is_sample": False,
                "created_at": now, "stop_reason": None, "seniority": None, "function": None, "email_verdict": None,
                "email_checked_at": None, "updated_at": None}

    def _changes(self, state: _State, now: datetime) -> dict[str, Any] | None:
        """Every updatable column of a stored lead (one UPDATE statement serves the whole batch), or None
        when nothing differs from what is stored."""
        row = state.row or {}
        values = lead_columns(state.view, row.get("profile"))
        values.update(zip(_KEY_COLUMNS, state.keys, strict=True))
        values["company_id"] = state.company_id
        values["linkedin_connected_at"] = state.connected_at or row.get("linkedin_connected_at")
        if all(row.get(k) == v for k, v in values.items()):
            return None
        values.update(_id=state.id, updated_at=now)
        return values

    def _write_provenance(self, session: Session, states: list[_State], result: BatchResult) -> None:
        with_conflicts = [s.id for s in states if s.conflicts and not s.is_new]
        known: set[tuple[int, str, str]] = set()
        if with_conflicts:
            known.update(session.execute(select(FieldProvenance.lead_id, FieldProvenance.field, FieldProvenance.value)
                                         .where(one_of(session, FieldProvenance.lead_id, with_conflicts),
                                                FieldProvenance.conflict)).all())
        rows = []
        for state in states:
            for entry in state.provenance:
                rows.append({**entry, "lead_id": state.id})
            for conflict in state.conflicts:
                key = (state.id, conflict["field"][:100], conflict["new"])
                if key in known:
                    continue  # the same conflict from an earlier import of the same data
                known.add(key)  # type: ignore[arg-type]
                rows.append({"lead_id": state.id, "field": conflict["field"][:100], "value": conflict["new"],
                             "source": conflict["source"][:300], "observed_at": clock_of(session).now(),
                             "is_current": False, "conflict": True})
                result.conflicts.append({"row": conflict["row"], "lead_id": state.id, "field": conflict["field"],
                                         "old": conflict["old"][:200], "new": conflict["new"][:200]})
        self._bulk(session, "provenance").run(session, rows)

