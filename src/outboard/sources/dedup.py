"""Who is the same person: in-memory dedup of normalised leads, and merging two records of one person.

Two records are the same person when they share a LinkedIn public id, or an email, or a company domain,
a last name and a first name that match, and their LinkedIn ids and emails do not contradict (both
present and different means two people). Names are compared folded (case, accents, spaces, hyphens
ignored; "Mueller" = "Müller" in last names). First names match when:
- equal;
- one is a short form of the other: 3-5 letters and a prefix of a name at least 2 letters longer
  ("Jon" / "Jonathan", "Chris" / "Christopher", "Alex" / "Alexander") -- merged;
- a one-letter typo (rapidfuzz Levenshtein distance 1) in names of 5+ letters with the same last letter
  ("Jonathon" / "Jonathan", "Mohamed" / "Mohammed").
Not matched: nicknames that are not prefixes ("Bob" / "Robert": told apart, we ship no nickname table),
names that differ in their ending ("Daniel" / "Daniela", "Christina" / "Christine", "Alexander" /
"Alexandra"), and any name match without a company domain.

Clusters are the connected components of that pairwise relation, so the result does not depend on the
order of the records (a property test checks it). The price: a record with only a name can join two
people who conflict with each other; `merge` then records the conflicts instead of overwriting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from outboard.sources.normalize.record import Identity, NormalizedLead
from outboard.sources.normalize.text import fold


def first_names_match(a: str, b: str) -> bool:
    """Folded first names (see the module docstring for the rule)."""
    if a == b:
        return bool(a)
    if not a or not b:
        return False
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if long[:-1] == short and long[-1] in "aeio":  # Daniel / Daniela, Paul / Paula
        return False
    if 3 <= len(short) <= 5 and len(long) >= len(short) + 2 and long.startswith(short):
        return True
    return len(short) >= 5 and a[-1] == b[-1] and Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _contradict(a: Identity, b: Identity) -> bool:
    return bool((a.linkedin_id and b.linkedin_id and a.linkedin_id != b.linkedin_id)
                or (a.email and b.email and a.email != b.email))


@dataclass(frozen=True, slots=True)
class Match:
    """What `DedupIndex.add` decided for one record."""

    duplicate_of: Hashable | None  # the cluster it joined (its first record's ref); None when new
    by: str = ""  # "linkedin", "email" or "name" (name + company domain)
    also: tuple[Hashable, ...] = ()  # other clusters this record showed to be the same person

    @property
    def is_new(self) -> bool:
        return self.duplicate_of is None


_BY_ORDER = {"linkedin": 0, "email": 1, "name": 2}


class DedupIndex:
    """Incremental dedup: add records one by one (file rows, or existing leads first), get a Match each.

    Refs are any hashable ids (row numbers, lead ids). Memory: a few dicts keyed by the identity keys.
    """

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._order: dict[Hashable, int] = {}
        self._by_linkedin: dict[str, Hashable] = {}
        self._by_email: dict[str, Hashable] = {}
        self._by_name: dict[tuple[str, str], list[tuple[Identity, Hashable]]] = {}

    def find(self, ref: Hashable) -> Hashable:
        """The ref of the first record of ref's cluster."""
        parent = self._parent
        root = ref
        while parent[root] != root:
            root = parent[root]
        while parent[ref] != root:  # path compression
            parent[ref], ref = root, parent[ref]
        return root

    def _union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the older cluster stays the root
            old, young = (ra, rb) if self._order[ra] < self._order[rb] else (rb, ra)
            self._parent[young] = old

    def add(self, record: NormalizedLead | Identity, ref: Hashable) -> Match:
        ident = record.identity() if isinstance(record, NormalizedLead) else record
        if ref in self._parent:
            raise ValueError(f"ref {ref!r} was already added")
        self._parent[ref], self._order[ref] = ref, len(self._order)
        hits: dict[Hashable, str] = {}  # cluster root -> strongest reason

        def hit(other: Hashable, by: str) -> None:
            root = self.find(other)
            if root not in hits or _BY_ORDER[by] < _BY_ORDER[hits[root]]:
                hits[root] = by

        if ident.linkedin_id:
            other = self._by_linkedin.setdefault(ident.linkedin_id, ref)
            if other != ref:
                hit(other, "linkedin")
        if ident.email:
            other = self._by_email.setdefault(ident.email, ref)
            if other != ref:
                hit(other, "email")
        if ident.company_domain and ident.last_key and ident.first_key:
            block = self._by_name.setdefault((ident.company_domain, ident.last_key), [])
            for other_ident, other in block:
                if first_names_match(ident.first_key, other_ident.first_key) and not _contradict(ident, other_ident):
                    hit(other, "name")
            block.append((ident, ref))
        if not hits:
            return Match(None)
        roots = sorted(hits, key=self._order.__getitem__)
        for root in roots:
            self._union(root, ref)
        return Match(roots[0], hits[roots[0]], tuple(roots[1:]))

    def clusters(self) -> list[list[Hashable]]:
        """Every cluster, each in insertion order; clusters ordered by their first record."""
        groups: dict[Hashable, list[Hashable]] = {}
        for ref in self._order:  # dicts keep insertion order
            groups.setdefault(self.find(ref), []).append(ref)
        return list(groups.values())


def cluster(records: Sequence[NormalizedLead | Identity]) -> list[list[int]]:
    """Group record indexes by person; the set of groups does not depend on the order of the records."""
    index = DedupIndex()
    for i, record in enumerate(records):
        index.add(record, i)
    return [list(map(int, group)) for group in index.clusters()]  # type: ignore[call-overload]


# -- merge -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Conflict:
    field: str
    old: str
    new: str


@dataclass(slots=True)
class MergeResult:
    lead: NormalizedLead
    added: tuple[str, ...] = ()  # fields the incoming record filled (custom ones as "custom.<name>")
    conflicts: tuple[Conflict, ...] = field(default=())


_NAME_PARTS = ("first_name", "middle_name", "last_name", "honorific", "name_suffix")
_PLAIN = ("linkedin_id", "title", "headline", "company_website", "company_domain", "industry", "company_size",
          "location", "city", "region", "country", "timezone")


def _same(a: str, b: str) -> bool:
    return a == b or fold(a) == fold(b)


def _full_name(first: str, middle: str, last: str, suffix: str) -> str:
    core = " ".join(p for p in (first, middle, last) if p)
    return f"{core}, {suffix}" if suffix and core else core


def merge(existing: NormalizedLead, incoming: NormalizedLead) -> MergeResult:
    """Add the incoming record's new facts to the existing one; a different value is a Conflict and the
    existing value stays. Derived fields (full name, clean company name, free-mail and phone flags)
    follow the fields they come from."""
    changes: dict[str, object] = {}
    added: list[str] = []
    conflicts: list[Conflict] = []

    def take(name: str, also: Iterable[str] = ()) -> None:
        old, new = getattr(existing, name), getattr(incoming, name)
        if not new or _same(old, new):
            return
        if old:
            conflicts.append(Conflict(name, old, new))
            return
        changes[name] = new
        added.append(name)
        for derived in also:
            changes[derived] = getattr(incoming, derived)

    if not (existing.first_name or existing.last_name) and (incoming.first_name or incoming.last_name):
        for name in (*_NAME_PARTS, "full_name"):
            changes[name] = getattr(incoming, name)
        added.extend(n for n in _NAME_PARTS if getattr(incoming, n))
    else:
        for name in _NAME_PARTS:
            take(name)
        parts = [changes.get(n, getattr(existing, n)) for n in ("first_name", "middle_name", "last_name",
                                                                "name_suffix")]
        changes["full_name"] = _full_name(*parts)  # type: ignore[arg-type]
    take("email", also=("email_free",))
    take("phone", also=("phone_valid",))
    if incoming.company_name and not _same(existing.company_clean, incoming.company_clean):
        take("company_name", also=("company_clean",))
    for name in _PLAIN:
        take(name)
    custom = dict(existing.custom)
    for key, value in incoming.custom.items():
        if key not in custom:
            custom[key] = value
            added.append(f"custom.{key}")
        elif not _same(custom[key], value):
            conflicts.append(Conflict(f"custom.{key}", custom[key], value))
    changes["custom"] = custom
    return MergeResult(dataclasses.replace(existing, **changes), tuple(added), tuple(conflicts))
