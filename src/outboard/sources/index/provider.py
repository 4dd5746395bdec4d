"""The prospect index as a profile-enrichment provider (core.enrichment.ProfileProvider).

The enrichment registry lists it as "index" (outboard.sources.index.provider:ProspectIndexProvider) and
builds it with `from_context`. A person is found by LinkedIn id, then email, then name + company domain
(the keys an import and the index compute alike, sources.index.keys); the facts come back under the fact
paths of core.profile.LeadProfile, lists in the shapes of db/profiles.py. The index is the workspace's own
data, read locally: not metered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from outboard.core.enrichment import PersonQuery, ProfileFacts, ProviderContext
from outboard.db.database import Database
from outboard.db.models import IndexPersonDetail
from outboard.sources.index.keys import person_keys
from outboard.sources.index.promote import company_facts, lead_profile
from outboard.sources.index.search import load_records

_PERSON = ("full_name", "first_name", "last_name", "headline", "title", "seniority", "function", "city", "region",
           "country", "timezone", "linkedin_id")


class ProspectIndexProvider:
    metered = False

    def __init__(self, db: Database | None, workspace_id: int, name: str = "index"):
        self._db, self.workspace_id, self.name = db, workspace_id, name

    @classmethod
    def from_context(cls, context: ProviderContext) -> ProspectIndexProvider:
        return cls(context.db, context.workspace_id, context.name or "index")

    @property
    def db(self) -> Database:
        """The database given, else the running process's (a registry built without one)."""
        if self._db is None:
            from outboard.runtime import runtime

            self._db = runtime().db
        return self._db

    def find(self, query: PersonQuery) -> int | None:
        """The index person this query names (the strongest key that matches), or None."""
        keys = person_keys(first_name=query.first_name, last_name=query.last_name, full_name=query.full_name,
                           linkedin=query.linkedin_id, email=query.email, company_domain=query.company_domain,
                           company_name=query.company_name)
        d = IndexPersonDetail
        with self.db.sessions() as session:
            for column, value in ((d.linkedin_key, keys.linkedin), (d.email_key, keys.email),
                                  (d.name_key, keys.name_domain)):
                if value:
                    found = session.scalar(select(d.person_id).where(d.workspace_id == self.workspace_id,
                                                                     column == value).order_by(d.person_id).limit(1))
                    if found is not None:
                        return found
        return None

    def lookup(self, query: PersonQuery) -> ProfileFacts | None:
        person_id = self.find(query)
        if person_id is None:
            return None
        with self.db.sessions() as session:
            record = load_records(session, [person_id]).get(person_id)
        return None if record is None else facts_of(self.name, record)


def facts_of(source: str, record: dict[str, Any]) -> ProfileFacts:
    """An index record as ProfileFacts: LeadProfile field names, db/profiles.py list shapes."""
    profile = lead_profile(record)
    fields: dict[str, Any] = {name: record.get(name) for name in _PERSON}
    fields.update(role_started_on=record.get("role_started_on"), language=record.get("language"),
                  posts=profile["posts"], positions=profile["positions"], skills=profile["skills"])
    company = record.get("company") or {}
    facts = company_facts(company) if company else {}
    company_fields = {"name": company.get("name") or record.get("company_name"),
                      "domain": company.get("domain") or record.get("company_domain"), "size": company.get("size"),
                      "industry": company.get("industry"), "city": company.get("city"),
                      "country": company.get("country"), "funding_stage": company.get("funding_stage"),
                      "milestones": facts.get("milestones"), "hiring_for": facts.get("hiring_for")}
    return ProfileFacts(source=source, fields={k: v for k, v in fields.items() if v not in (None, "", [])},
                        company={k: v for k, v in company_fields.items() if v not in (None, "", [])},
                        is_sample=bool(record.get("is_sample")))
