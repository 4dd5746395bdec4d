"""Per-row work that needs no database: normalise, compute the dedup identity and the suppression keys.

Runs in the import's worker processes (top-level functions, picklable arguments), so the main process is
left with reading the file and writing the database. The manual path calls `prepare_record` directly.

Identity rule added here: a person with a name and a company but no company domain is still told apart by
name + company, with the cleaned company name standing in for the domain ("~nordwind logistik"). A row
with nothing but a name cannot be told apart from anyone and is rejected.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from outboard.core.suppression_keys import Identity as SuppressionIdentity
from outboard.core.suppression_keys import InvalidSuppressionValue, suppression_hash
from outboard.sources.normalize.record import Identity, NormalizedLead, Problem, normalize_record
from outboard.sources.normalize.text import fold
from outboard.sources.presets import ColumnMapping
from outboard.sources.records import fact_fields

CUSTOM_VALUE_LIMIT = 2_000  # characters kept of one custom field: messages quote them, they are not documents
CUSTOM_KEY_LIMIT = 90  # so that "custom.<name>" fits FieldProvenance.field (100)
PSEUDO_DOMAIN = "~"  # prefix of a company-name key standing in for a missing company domain


@dataclass(slots=True)
class Prepared:
    """One row ready for dedup and storage."""

    row: int
    lead: NormalizedLead
    identity: Identity
    # (kind, value_hash) of every suppression key of this person; None until asked for (suppression_keys)
    hashes: tuple[tuple[str, str], ...] | None
    fields: str = ""  # the fields with a value, comma-separated (the provenance "*" row of a new lead)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return Prepared, (self.row, self.lead, self.identity, self.hashes, self.fields)

    def suppression_keys(self) -> tuple[tuple[str, str], ...]:
        if self.hashes is None:
            self.hashes = suppression_hashes(self.lead, self.identity)
        return self.hashes


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that is not imported: its row number, the field at fault and why."""

    row: int
    field: str
    reason: str
    value: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"row": self.row, "field": self.field, "reason": self.reason}
        if self.value:
            out["value"] = self.value[:200]
        return out


def company_key(lead: NormalizedLead) -> str:
    """The company part of the name key: the domain, else "~" + the folded clean company name."""
    if lead.company_domain:
        return lead.company_domain
    clean = fold(" ".join((lead.company_clean or lead.company_name).split()))
    return PSEUDO_DOMAIN + clean[:200] if clean else ""


def identity_of(lead: NormalizedLead) -> Identity:
    ident = lead.identity()
    if ident.company_domain or not (ident.first_key and ident.last_key):
        return ident
    key = company_key(lead)
    return dataclasses.replace(ident, company_domain=key) if key else ident


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1 << 16)
def _domain_hash(domain: str) -> str | None:
    try:
        return suppression_hash("domain", domain)
    except InvalidSuppressionValue:
        return None


def suppression_hashes(lead: NormalizedLead, ident: Identity) -> tuple[tuple[str, str], ...]:
    """Every suppression key that would stop this person: email and its domain, LinkedIn id, name key, and
    the company domain (blocking a domain blocks the company, whatever mailbox a row gives).

    Our normalisers already produce what core.suppression_keys normalises to for ASCII values (lowercase
    address, canonical LinkedIn id, trimmed name key), so those are hashed directly: a third of the cost
    of the general path, which the rest takes (a property test checks both agree)."""
    keys: list[tuple[str, str]] = []
    email, linkedin, name = lead.email, lead.linkedin_id, ident.name_domain_key
    if email and email.isascii():
        keys += [("email", _sha(email)), ("domain", _sha(email.rpartition("@")[2]))]
        email = ""
    if linkedin and linkedin.isascii():
        keys.append(("linkedin", _sha(linkedin)))
        linkedin = ""
    if name and name.isascii():
        keys.append(("name_domain", _sha(name)))
        name = ""
    if email or linkedin or name:
        rest = SuppressionIdentity(email=email or None, linkedin_id=linkedin or None, name_domain=name or None)
        keys += rest.hashes()
    if lead.company_domain and (digest := _domain_hash(lead.company_domain)):
        keys.append(("domain", digest))
    return tuple(dict.fromkeys(keys))


def _cap_custom(lead: NormalizedLead) -> NormalizedLead:
    if not lead.custom or all(len(k) <= CUSTOM_KEY_LIMIT and len(v) <= CUSTOM_VALUE_LIMIT
                              for k, v in lead.custom.items()):
        return lead
    problems = list(lead.problems)
    custom: dict[str, str] = {}
    for key, value in lead.custom.items():
        if len(value) > CUSTOM_VALUE_LIMIT:
            problems.append(Problem(key[:CUSTOM_KEY_LIMIT], f"longer than {CUSTOM_VALUE_LIMIT:,} characters; cut",
                                    value[:100]))
            value = value[:CUSTOM_VALUE_LIMIT]
        custom.setdefault(key[:CUSTOM_KEY_LIMIT], value)
    lead.custom, lead.problems = custom, tuple(problems)
    return lead


def prepare_record(row: int, fields: Mapping[str, str], *, hashes: bool = True) -> Prepared | Rejected:
    """Normalise one mapped record (our field names) and decide whether it can be a lead. With
    `hashes=False` the suppression keys are left to be computed when asked for: an import into a workspace
    without a suppression list does not pay for six SHA-256 digests a row (a list made meanwhile gets
    them computed by the writer)."""
    lead = _cap_custom(normalize_record(fields))
    for problem in lead.problems:
        if problem.field == "identity":
            return Rejected(row, "identity", problem.reason)
    ident = identity_of(lead)
    if not (ident.linkedin_id or ident.email or ident.name_domain_key):
        dropped = [f"{p.field} {p.reason}" for p in lead.problems if p.field in ("email", "linkedin_url")]
        reason = "only a name: add an email, a LinkedIn profile or a company to tell this person apart"
        return Rejected(row, "identity", reason + (f" ({'; '.join(dropped)})" if dropped else ""), lead.full_name)
    return Prepared(row, lead, ident, suppression_hashes(lead, ident) if hashes else None,
                    ",".join(fact_fields(lead)))


def prepare_rows(mapping: ColumnMapping, rows: Iterable[tuple[int, Mapping[str, str]]], *,
                 hashes: bool = True) -> list[Prepared | Rejected]:
    """Map and prepare a chunk of file rows (row number, values); top-level, for a process pool."""
    return [prepare_record(number, mapping.apply(values), hashes=hashes) for number, values in rows]


_worker_mapping: ColumnMapping | None = None
_worker_hashes = True


def init_worker(mapping: ColumnMapping, hashes: bool = True) -> None:
    """Pool initializer: the mapping travels once per worker, not once per chunk. A chunk's objects live
    for one chunk, but the normalisers' caches hold hundreds of thousands: the cyclic collector's passes
    would walk them again and again (as in the importing process, see importer._few_collections)."""
    global _worker_mapping, _worker_hashes
    _worker_mapping, _worker_hashes = mapping, hashes
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def prepare_chunk(rows: list[tuple[int, dict[str, str]]]) -> list[Prepared | Rejected]:
    assert _worker_mapping is not None, "init_worker was not called"
    return prepare_rows(_worker_mapping, rows, hashes=_worker_hashes)
