"""The identity keys of an index person, computed exactly as an import computes them for a lead.

A search result is "already a lead" when it shares a LinkedIn id, an email or a name + company key with
a lead of the workspace, and "suppressed" when any of its suppression hashes is on the list; both must
agree with what `sources.normalize` and `sources.prepare` produce for the same person, or dedup misses.
`normalize_record` does all of a row's work (about 26 µs); this does only the identity part with the
same functions (about 6 µs, company parts cached), and a test holds the two to the same keys.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache

from outboard.core.suppression_keys import Identity as SuppressionIdentity
from outboard.core.suppression_keys import InvalidSuppressionValue, suppression_hash
from outboard.sources.normalize.company import clean_company_name, domain_from_url, domain_of_host
from outboard.sources.normalize.email import email_domain, is_free_domain, normalize_email
from outboard.sources.normalize.linkedin import parse_linkedin
from outboard.sources.normalize.names import name_from_parts, name_key, split_full_name
from outboard.sources.normalize.text import fold

PSEUDO_DOMAIN = "~"  # sources.prepare's stand-in for a missing company domain (a test holds them equal)


@dataclass(frozen=True, slots=True)
class PersonKeys:
    first_name: str  # cleaned and cased as a lead stores them
    last_name: str
    full_name: str
    linkedin: str | None  # the public id ("jane-doe-1a2b"), the lead's linkedin_key
    email: str | None  # normalised, the lead's email_key
    name_domain: str | None  # "jane doe@acme.com" or "jane doe@~acme", the lead's name_domain_key
    company_domain: str | None  # registrable domain

    def suppression_hashes(self) -> list[tuple[str, str]]:
        return suppression_hashes(self.linkedin, self.email, self.name_domain, self.company_domain)


def suppression_hashes(linkedin: str | None, email: str | None, name_domain: str | None,
                       company_domain: str | None) -> list[tuple[str, str]]:
    """(kind, value_hash) of every suppression entry that stops this person, as sources.prepare computes
    them: the email and its domain, the LinkedIn id, the name key, and the company's domain."""
    keys = SuppressionIdentity(email=email, linkedin_id=linkedin, name_domain=name_domain).hashes()
    if company_domain:
        with contextlib.suppress(InvalidSuppressionValue):
            keys.append(("domain", suppression_hash("domain", company_domain)))
    return list(dict.fromkeys(keys))


@lru_cache(maxsize=1 << 17)
def _domain(text: str) -> str | None:
    return domain_from_url(text) if text.strip() else None


@lru_cache(maxsize=1 << 17)
def _company_stand_in(company_name: str) -> str:
    display, clean = clean_company_name(company_name)
    folded = fold(" ".join((clean or display).split()))
    return PSEUDO_DOMAIN + folded[:200] if folded else ""


def person_keys(*, first_name: str | None = None, last_name: str | None = None, full_name: str | None = None,
                linkedin: str | None = None, email: str | None = None, company_domain: str | None = None,
                company_name: str | None = None) -> PersonKeys:
    first, last = first_name or "", last_name or ""
    parts = name_from_parts(first, "", last) if (first.strip() or last.strip()) else split_full_name(full_name or "")
    address = normalize_email(email)[0] if email else None
    public_id = parse_linkedin(linkedin)[0] if linkedin else None
    domain = _domain(company_domain or "")
    if domain is None and address and not is_free_domain(email_domain(address)):
        domain = domain_of_host(email_domain(address))
    first_key, last_key = name_key(parts)
    where = domain or (_company_stand_in(company_name) if company_name else "")
    name_domain = f"{first_key} {last_key}@{where}" if first_key and last_key and where else None
    return PersonKeys(parts.first, parts.last, parts.full, public_id or None, address or None, name_domain, domain)
