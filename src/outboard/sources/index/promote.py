"""Search results become leads: stage Discovered, every fact with its provenance, the company by domain.

`sources.store.LeadWriter` writes imported rows, but it merges a row into the lead it matches and keeps
only the columns an import file has; a saved search does the opposite (a person already in the workspace
is left out and counted) and carries the index's whole profile, so that the fact a clue points to
(`posts.0.text`, `company.milestones.2`) is in the lead's profile at that same path. What they share is
reused: the identity keys are computed as an import computes them (index.keys), suppression and dedup are
checked before (index.screen).

Callers pass results already screened as new, inside their transaction; a lead whose key another lead
took meanwhile (a concurrent import) is skipped and reported, never duplicated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.db.models import Company, FieldProvenance, Lead, SourceGroupMember

_LEAD_FIELDS = ("full_name", "first_name", "last_name", "headline", "title", "seniority", "function", "email",
                "linkedin_id", "city", "region", "country", "timezone")


@dataclass(frozen=True)
class Result:
    """One result to save: the index record, the source it came from, and why it was chosen."""

    record: Mapping[str, Any]
    source: str  # provenance: "index:<external id>", "people_api:<provider>:<id>"
    reason: dict[str, Any]  # SourceGroupMember.reason (a clue's signal, or the search's fit)


def _dialect_insert(session: Session) -> Any:
    """INSERT with ON CONFLICT for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def _cut(value: Any, limit: int) -> Any:
    return value[:limit] if isinstance(value, str) else value


def lead_profile(record: Mapping[str, Any]) -> dict[str, Any]:
    """Lead.profile in the layout of db/profiles.py, from an index record (same list order)."""
    posts = [{"text": p.get("text"), "posted_on": p.get("posted_on"), "url": p.get("url"),
              "kind": p.get("kind") or "post"} for p in record.get("posts") or () if p.get("text")]
    positions = [{"title": p.get("title") or "", "company": p.get("company") or "", "started_on": p.get("started_on"),
                  "ended_on": p.get("ended_on")} for p in record.get("positions") or ()]
    profile: dict[str, Any] = {"posts": posts, "positions": positions, "skills": list(record.get("skills") or ())}
    if record.get("role_started_on"):
        profile["role_started_on"] = record["role_started_on"]
    if record.get("language"):
        profile["language"] = record["language"]
    return profile


def company_facts(company: Mapping[str, Any]) -> dict[str, Any]:
    """Company.facts in the layout of db/profiles.py, from an index company record."""
    facts: dict[str, Any] = {
        "milestones": [{"kind": m.get("kind"), "text": m.get("text"), "happened_on": m.get("happened_on"),
                        "amount_usd": m.get("amount_usd"), "round": m.get("round")}
                       for m in company.get("milestones") or ()],
        "hiring_for": list(company.get("hiring_for") or ()),
        "hiring": list(company.get("hiring") or ()),
    }
    for key in ("funding_stage", "city", "region", "country", "website", "linkedin_id", "size_range",
                "description", "founded_year", "funding_total_usd", "last_funding_on"):
        if company.get(key) not in (None, ""):
            facts[key] = company[key]
    return facts


class CompanyCache:
    """The batch's companies in the workspace, by domain (or by name when there is no domain): read in
    two queries, the missing ones created in one statement."""

    def __init__(self, workspace_id: int):
        self.workspace_id = workspace_id
        self.rows: dict[str, Company] = {}  # existing companies (facts may need filling or aligning)
        self.ids: dict[str, int] = {}

    @staticmethod
    def key(record: Mapping[str, Any]) -> str | None:
        company = record.get("company") or {}
        domain = record.get("company_domain") or company.get("domain")
        if domain:
            return str(domain).lower()
        name = record.get("company_name") or company.get("name")
        return f"~{name}" if name else None

    def prepare(self, session: Session, records: Sequence[Mapping[str, Any]], now: datetime) -> None:
        self.rows, self.ids = {}, {}
        wanted: dict[str, Mapping[str, Any]] = {}
        for record in records:
            key = self.key(record)
            if key and key not in wanted:
                wanted[key] = record
        domains = sorted(k for k in wanted if not k.startswith("~"))
        names = sorted(k[1:] for k in wanted if k.startswith("~"))
        for start in range(0, len(domains), 500):
            for row in session.scalars(select(Company).where(Company.workspace_id == self.workspace_id,
                                                             Company.domain.in_(domains[start:start + 500]))):
                self.rows[str(row.domain)] = row
        for start in range(0, len(names), 500):
            for row in session.scalars(select(Company).where(Company.workspace_id == self.workspace_id,
                                                             Company.domain.is_(None),
                                                             Company.name.in_(names[start:start + 500]))):
                self.rows.setdefault(f"~{row.name}", row)
        self.ids = {key: row.id for key, row in self.rows.items()}
        missing = [key for key in wanted if key not in self.rows]
        if missing:
            self._create(session, {key: wanted[key] for key in missing}, now)

    def _create(self, session: Session, records: dict[str, Mapping[str, Any]], now: datetime) -> None:
        table = Company.__table__
        rows = []
        for key, record in records.items():
            company = record.get("company") or {}
            rows.append({"workspace_id": self.workspace_id, "domain": None if key.startswith("~") else key,
                         "name": _cut(record.get("company_name") or company.get("name") or key, 300),
                         "size": company.get("size"), "industry": _cut(company.get("industry"), 200),
                         "facts": company_facts(company) if company else {},
                         "is_sample": bool(company.get("is_sample", record.get("is_sample"))), "created_at": now})
        with_domain = [r for r in rows if r["domain"]]
        if with_domain:
            # An import may create the same domain at the same moment: keep theirs, then read it.
            statement = _dialect_insert(session)(table).on_conflict_do_nothing(
                index_elements=["workspace_id", "domain"], index_where=table.c.domain.isnot(None)
            ).returning(table.c.id, table.c.domain)
            for id_, domain in session.execute(statement, with_domain):
                self.ids[domain] = id_
            raced = [r["domain"] for r in with_domain if r["domain"] not in self.ids]
            if raced:
                self.ids.update(session.execute(select(Company.domain, Company.id).where(
                    Company.workspace_id == self.workspace_id, Company.domain.in_(raced))).tuples())
        for row in rows:
            if not row["domain"]:
                self.ids[f"~{row['name']}"] = session.execute(insert(table).returning(table.c.id), row).scalar_one()

    def company_for(self, record: Mapping[str, Any]) -> tuple[int | None, Company | None]:
        """The record's company id, and the stored row when the company existed before this batch."""
        key = self.key(record)
        if key is None:
            return None, None
        row = self.rows.get(key)
        if row is not None and record.get("company"):
            _fill(row, record["company"])
        return self.ids.get(key), row


def _fill(row: Company, company: Mapping[str, Any]) -> None:
    """Facts the stored company lacks are added; what it has is never overwritten."""
    facts = dict(row.facts or {})
    changed = False
    for key, value in company_facts(company).items():
        if key not in facts and value not in (None, "", []):
            facts[key] = value
            changed = True
    if changed:
        row.facts = facts
    if row.size is None and company.get("size") is not None:
        row.size = company["size"]
    if row.industry is None and company.get("industry"):
        row.industry = company["industry"]


def align_reason(reason: dict[str, Any], company: Company | None, record: Mapping[str, Any]) -> dict[str, Any]:
    """A company fact path of the index (company.milestones.2) pointed at the same fact in the stored
    company's facts, which may hold other milestones first; the fact is added when missing."""
    path = str(reason.get("fact_path") or "")
    if company is None or not path.startswith(("company.milestones.", "company.hiring_for.")):
        return reason
    _, name, index = path.split(".")
    source = list((record.get("company") or {}).get(name) or ())
    if not index.isdigit() or int(index) >= len(source):
        return reason
    wanted = source[int(index)]
    facts = dict(company.facts or {})
    stored = list(facts.get(name) or [])
    same = [k for k, item in enumerate(stored) if item == wanted or (
        isinstance(item, dict) and isinstance(wanted, dict) and item.get("text") == wanted.get("text")
        and item.get("happened_on") == wanted.get("happened_on"))]
    if same:
        position = same[0]
    else:
        stored.append(wanted)
        facts[name] = stored
        company.facts = facts
        position = len(stored) - 1
    return {**reason, "fact_path": f"company.{name}.{position}"}


def _lead_row(workspace_id: int, record: Mapping[str, Any], company_id: int | None, now: datetime) -> dict[str, Any]:
    keys = record.get("_keys") or (None, None, None, None)
    values = {name: _cut(record.get(name), 300) for name in _LEAD_FIELDS}
    values["headline"] = _cut(record.get("headline"), 500)
    values["full_name"] = _cut(record.get("full_name") or " ".join(
        x for x in (record.get("first_name"), record.get("last_name")) if x) or "?", 300)
    values["first_name"] = _cut(record.get("first_name") or "", 150)
    values["last_name"] = _cut(record.get("last_name") or "", 150)
    values["country"] = record.get("country") if isinstance(record.get("country"), str) and \
        len(record["country"]) == 2 else None
    values.update(workspace_id=workspace_id, company_id=company_id, profile=lead_profile(record),
                  stage=LeadStage.DISCOVERED.value, linkedin_key=keys[0], email_key=keys[1], name_domain_key=keys[2],
                  is_sample=bool(record.get("is_sample")), created_at=now)
    return values


def promote(session: Session, workspace_id: int, group_id: int, results: Sequence[Result],
            now: datetime) -> list[tuple[Result, int]]:
    """Create a lead per result (screened as new), add it to the group with its reason; returns the
    (result, lead id) pairs created. A result whose identity key a lead took meanwhile is skipped."""
    if not results:
        return []
    companies = CompanyCache(workspace_id)
    companies.prepare(session, [r.record for r in results], now)
    aligned, rows = [], []
    for result in results:
        company_id, stored = companies.company_for(result.record)
        aligned.append(Result(result.record, result.source, align_reason(result.reason, stored, result.record)))
        rows.append(_lead_row(workspace_id, result.record, company_id, now))
    ids = _insert_leads(session, rows)
    created = [(result, lead_id) for result, lead_id in zip(aligned, ids, strict=True) if lead_id is not None]
    if created:
        session.execute(insert(FieldProvenance.__table__), [
            {"lead_id": lead_id, "field": "*", "value": ",".join(
                [n for n in _LEAD_FIELDS if result.record.get(n)] + ["profile"]), "source": result.source[:300],
             "observed_at": now, "is_current": True, "conflict": False} for result, lead_id in created])
        session.execute(insert(SourceGroupMember.__table__), [
            {"source_group_id": group_id, "lead_id": lead_id, "reason": result.reason, "added_at": now}
            for result, lead_id in created])
    session.flush()  # facts filled into existing companies
    return created


def _insert_leads(session: Session, rows: list[dict[str, Any]]) -> list[int | None]:
    """Ids of the new leads in order: one statement, or one per row (None where a unique identity key was
    taken meanwhile, by an import running at the same time) when the statement is refused."""
    table = Lead.__table__
    try:
        with session.begin_nested():
            return list(session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                        rows).scalars())
    except IntegrityError:
        pass
    ids: list[int | None] = []
    for row in rows:
        try:
            with session.begin_nested():
                ids.append(session.execute(insert(table).returning(table.c.id), row).scalar_one())
        except IntegrityError:
            ids.append(None)
    return ids
