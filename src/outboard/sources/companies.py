"""Companies of imported leads: one per domain in a workspace (the database enforces it), or, for a company
known only by name, one per cleaned name ("Acme GmbH" and "ACME" are one company).

An import touches the same companies over and over, so ids are cached per import: domains in a bounded
cache (looked up again in the database when evicted), domain-less companies all loaded once (there are
few). The cache is only updated once a batch has committed: a rolled-back batch leaves no stale id.
An existing company is never overwritten; a field it lacks (industry, size) is filled in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from outboard.db.models import Company
from outboard.db.session import clock_of
from outboard.sources.bits import IdSet
from outboard.sources.normalize.record import NormalizedLead
from outboard.sources.prepare import PSEUDO_DOMAIN, company_key
from outboard.sources.records import company_facts, company_size
from outboard.sources.sql import BulkInsert, allocate_ids, one_of


@dataclass(slots=True)
class _Known:
    id: int
    has_industry: bool
    has_size: bool


class Companies:
    def __init__(self, workspace_id: int, lock: tuple[Table, int, str], cache_limit: int = 100_000):
        self.workspace_id = workspace_id
        self.lock = lock  # see sql.allocate_ids
        self.cache_limit = cache_limit
        self._known: dict[str, _Known] = {}  # company key (domain or "~name") -> company
        self._named_loaded = False
        self._pending: dict[str, _Known] = {}
        self.created = 0  # companies created by committed batches
        self.created_ids = IdSet()
        self._pending_created = 0
        self._pending_ids: list[int] = []
        self._inserts: dict[tuple[bool, str], BulkInsert] = {}

    # -- cache ---------------------------------------------------------------------------------------
    def commit(self) -> None:
        if len(self._known) + len(self._pending) > self.cache_limit:
            # Keep the domain-less ones (loaded once), drop the rest: they are found again in the database.
            self._known = {k: v for k, v in self._known.items() if k.startswith(PSEUDO_DOMAIN)}
        self._known.update(self._pending)
        self.created += self._pending_created
        for company_id in self._pending_ids:
            self.created_ids.add(company_id)
        self.rollback()

    def rollback(self) -> None:
        self._pending.clear()
        self._pending_created = 0
        self._pending_ids.clear()

    def _get(self, key: str) -> _Known | None:
        return self._pending.get(key) or self._known.get(key)

    def _load_named(self, session: Session) -> None:
        if self._named_loaded:
            return
        rows = session.execute(select(Company.id, Company.name, Company.industry, Company.size, Company.facts)
                               .where(Company.workspace_id == self.workspace_id, Company.domain.is_(None)))
        for id_, name, industry, size, facts in rows:
            clean = (facts or {}).get("clean_name") or name
            key = company_key(NormalizedLead(company_name=name, company_clean=clean))
            if key and key not in self._known:
                self._known[key] = _Known(id_, bool(industry), size is not None)
        self._named_loaded = True

    def known_ids(self, session: Session, keys: Iterable[str]) -> dict[str, int]:
        """Ids of the companies that already exist for these keys (domains or "~names")."""
        keys = set(keys)
        if any(k.startswith(PSEUDO_DOMAIN) for k in keys):
            self._load_named(session)
        missing = sorted(k for k in keys if not k.startswith(PSEUDO_DOMAIN) and self._get(k) is None)
        if missing:
            rows = session.execute(select(Company.id, Company.domain, Company.industry, Company.size).where(
                Company.workspace_id == self.workspace_id, one_of(session, Company.domain, missing)))
            for id_, domain, industry, size in rows:
                self._pending[domain] = _Known(id_, bool(industry), size is not None)
        return {k: known.id for k in keys if (known := self._get(k)) is not None}

    # -- writing -------------------------------------------------------------------------------------
    def ensure(self, session: Session, leads: Iterable[NormalizedLead]) -> dict[str, int]:
        """Company ids for these leads' companies (by company key), creating the missing ones and filling
        fields the existing ones lack."""
        wanted: dict[str, NormalizedLead] = {}
        for lead in leads:
            key = company_key(lead)
            if key and key not in wanted:
                wanted[key] = lead
        ids = self.known_ids(session, wanted)
        self._create(session, {k: v for k, v in wanted.items() if k not in ids})
        self._fill(session, wanted)
        return {k: known.id for k in wanted if (known := self._get(k)) is not None}

    def _create(self, session: Session, new: dict[str, NormalizedLead]) -> None:
        if not new:
            return
        now = clock_of(session).now()
        rows = [{"workspace_id": self.workspace_id, "name": lead.company_name or lead.company_domain,
                 "domain": lead.company_domain or None, "industry": lead.industry or None,
                 "size": company_size(lead.company_size), "facts": company_facts(lead), "is_sample": False,
                 "created_at": now} for lead in new.values()]
        table = Company.__table__
        with_domain = [r for r in rows if r["domain"]]
        for row, id_ in zip(rows, allocate_ids(session, table, len(rows), self.lock), strict=True):
            row["id"] = id_
        if with_domain:
            # Another import may create the same domain at the same moment: theirs is kept, then looked up.
            inserted = self._insert(session, True).run(session, with_domain)
            stored = {r["domain"]: r["id"] for r in with_domain}
            if inserted != len(with_domain):
                stored = dict(session.execute(select(Company.domain, Company.id).where(
                    Company.workspace_id == self.workspace_id,
                    one_of(session, Company.domain, list(stored)))).all())
            for row in with_domain:
                lead = new[row["domain"]]
                self._pending[row["domain"]] = _Known(stored[row["domain"]], bool(lead.industry),
                                                      row["size"] is not None)
                if stored[row["domain"]] == row["id"]:
                    self._pending_created += 1
                    self._pending_ids.append(row["id"])
        named = [(key, row) for key, row in zip(new, rows, strict=True) if not row["domain"]]
        if named:
            self._insert(session, False).run(session, [row for _, row in named])
            for key, row in named:
                self._pending[key] = _Known(row["id"], bool(row["industry"]), row["size"] is not None)
                self._pending_created += 1
                self._pending_ids.append(row["id"])

    def _insert(self, session: Session, with_domain: bool) -> BulkInsert:
        key = (with_domain, session.get_bind().dialect.name)
        if key not in self._inserts:
            table = Company.__table__
            columns = [c.name for c in table.columns]
            self._inserts[key] = BulkInsert(session, table, columns, skip_conflicts_on=["workspace_id", "domain"],
                                            conflict_where=table.c.domain.isnot(None)) if with_domain \
                else BulkInsert(session, table, columns)
        return self._inserts[key]

    def _fill(self, session: Session, wanted: dict[str, NormalizedLead]) -> None:
        """An existing company without an industry or size gets the first one a lead brings."""
        for key, lead in wanted.items():
            if not (lead.industry or lead.company_size):
                continue
            known = self._get(key)
            if known is None or (known.has_industry and known.has_size):
                continue
            size = company_size(lead.company_size)
            values: dict[str, Any] = {}
            if lead.industry and not known.has_industry:
                values["industry"] = lead.industry
            if size is not None and not known.has_size:
                values["size"] = size
            if not values:
                continue
            company = session.get(Company, known.id)
            if company is None:
                continue
            values = {k: v for k, v in values.items() if getattr(company, k) in (None, "")}
            if values:
                values["facts"] = company_facts(lead, company.facts)
                session.execute(update(Company).where(Company.id == known.id).values(**values))
            self._pending[key] = _Known(known.id, True if lead.industry else known.has_industry,
                                        True if size is not None else known.has_size)
