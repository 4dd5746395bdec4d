"""Email finder, the part that needs no provider: candidate addresses from a name and a domain, the
pattern a domain uses (learned from addresses already verified there), and a walk through the
verifier that spends one SMTP conversation per candidate and stops at the first valid one.

    candidates("José", "Müller", "acme.com", proven=["first.last"])[0].address  → "jose.muller@acme.com"
    infer_pattern("jane.doe@acme.com", "Jane", "Doe")                         → "first.last"
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from outboard.core.verdicts import EmailVerdict
from outboard.enrich.verifier import Reason, Verification, Verifier, VerifierConfig, parse_address
from outboard.enrich.verifier.syntax import SyntaxProblem

# Local-part patterns with a rough share of B2B domains using each (first.last leads by far).
# {first}/{last}: whole names; {f}/{l}: initials. The order is the default ranking.
PATTERN_WEIGHTS: dict[str, tuple[str, float]] = {
    "first.last": ("{first}.{last}", 0.40),
    "first": ("{first}", 0.14),
    "flast": ("{f}{last}", 0.12),
    "firstlast": ("{first}{last}", 0.07),
    "f.last": ("{f}.{last}", 0.06),
    "first_last": ("{first}_{last}", 0.03),
    "firstl": ("{first}{l}", 0.03),
    "first.l": ("{first}.{l}", 0.02),
    "last": ("{last}", 0.02),
    "lastf": ("{last}{f}", 0.015),
    "last.first": ("{last}.{first}", 0.015),
    "first-last": ("{first}-{last}", 0.01),
    "lastfirst": ("{last}{first}", 0.01),
    "last.f": ("{last}.{f}", 0.01),
    "last_first": ("{last}_{first}", 0.005),
    "f_last": ("{f}_{last}", 0.005),
    "fl": ("{f}{l}", 0.005),
}
PATTERNS: dict[str, str] = {name: template for name, (template, _) in PATTERN_WEIGHTS.items()}
_ALTERNATIVE_SPELLING = 0.5  # how likely a second spelling (mueller, maryann, berg) is, relative to the first
_FIRST_ONLY = ("first",)
_LAST_ONLY = ("last",)

# Letters NFKD does not take apart into ASCII + accent.
_FOLD = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
         "ħ": "h", "ŋ": "n", "ĸ": "k"}
# German convention for umlauts (Müller → mueller), used by most German-speaking companies.
_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue"}
_GERMAN_TLDS = (".de", ".at", ".ch", ".li")
_HONORIFICS = {"dr", "prof", "mr", "mrs", "ms", "mme", "mlle", "herr", "frau", "sir", "dame", "ing", "dipl"}
_NOT_NAME = re.compile(r"[^a-z0-9\s-]")


@dataclass(frozen=True)
class Candidate:
    address: str
    pattern: str
    local_part: str


@dataclass
class FinderResult:
    address: str | None  # the found (valid) address, or the best guess for catch_all / unknown
    verdict: EmailVerdict
    pattern: str | None
    detail: str
    verification: Verification | None = None  # of `address`, when it was checked
    tried: list[Verification] = field(default_factory=list)
    conversations: int = 0  # SMTP conversations spent


def ascii_fold(text: str, *, german: bool = False) -> str:
    """Lowercase ASCII: accents dropped (José → jose), ß → ss, and with german=True ü → ue."""
    out: list[str] = []
    for char in text.lower():
        if german and char in _GERMAN:
            out.append(_GERMAN[char])
        else:
            out.append(_FOLD.get(char, char))
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_NAME.sub("", stripped.replace("'", "").replace("’", ""))


def _words(name: str, german: bool) -> list[str]:
    words = [w for w in re.split(r"[\s.]+", ascii_fold(name, german=german)) if w]
    return [w for w in words if w not in _HONORIFICS] or words


def name_variants(name: str, *, part: str, german_first: bool = False) -> list[str]:
    """Spellings to try for one name, most likely first.

    part="first": "Mary Ann" → ["mary", "maryann"]; part="last": "van der Berg" → ["vanderberg", "berg"],
    "Smith-Jones" → ["smithjones", "smith-jones"]. Umlauts give both forms (muller / mueller), the
    German one first when `german_first`.
    """
    spellings = [False, True] if not german_first else [True, False]
    variants: list[str] = []
    for german in spellings:
        words = _words(name, german)
        if not words:
            continue
        joined = "".join(w.replace("-", "") for w in words)
        if part == "first":
            forms = [words[0].replace("-", ""), joined]
        else:
            forms = [joined, "-".join(words) if len(words) == 1 and "-" in words[0] else "", words[-1]]
        for form in forms:
            if form and form not in variants:
                variants.append(form)
    return variants[:4]


def _render(pattern: str, first: str, last: str) -> str:
    return PATTERNS[pattern].format(first=first, last=last, f=first[:1], l=last[:1])


def _usable(pattern: str, first: str, last: str) -> bool:
    needs_first = "{first}" in PATTERNS[pattern] or "{f}" in PATTERNS[pattern]
    needs_last = "{last}" in PATTERNS[pattern] or "{l}" in PATTERNS[pattern]
    return (bool(first) or not needs_first) and (bool(last) or not needs_last)


def infer_pattern(address: str, first: str, last: str) -> str | None:
    """Which pattern produced this address from this name (the most common one when several fit)."""
    local = address.rpartition("@")[0].strip().lower()
    if not local:
        return None
    firsts = name_variants(first, part="first") if first else [""]
    lasts = name_variants(last, part="last") if last else [""]
    for pattern in PATTERNS:
        for f in firsts:
            for la in lasts:
                if _usable(pattern, f, la) and _render(pattern, f, la) == local:
                    return pattern
    return None


def rank_patterns(known: Iterable[tuple[str, str, str]]) -> list[str]:
    """Patterns proven by (address, first, last) triples already verified at one domain, most used first."""
    counts = Counter(p for p in (infer_pattern(a, f, la) for a, f, la in known) if p is not None)
    order = list(PATTERNS)
    return sorted(counts, key=lambda p: (-counts[p], order.index(p)))


def candidates(first: str, last: str, domain: str, proven: Sequence[str] = (),
               limit: int | None = None) -> list[Candidate]:
    """Candidate addresses, best first: the proven patterns (in every spelling), then the other patterns
    by how common they are, an alternative spelling (ü → ue) counting half as likely as the main one."""
    domain = domain.strip().lower().rstrip(".")
    german = domain.endswith(_GERMAN_TLDS)
    firsts = name_variants(first, part="first", german_first=german) if first.strip() else []
    lasts = name_variants(last, part="last", german_first=german) if last.strip() else []
    if not firsts and not lasts:
        return []
    proven_known = [p for p in dict.fromkeys(proven) if p in PATTERNS]
    f_list, l_list = firsts or [""], lasts or [""]
    # Score = how common the pattern is x how likely the spelling is; proven patterns outrank all.
    scored: list[tuple[float, int, str, str, str]] = []
    for order, pattern in enumerate(PATTERNS):
        if (not lasts and pattern not in _FIRST_ONLY) or (not firsts and pattern not in _LAST_ONLY):
            continue
        base = PATTERN_WEIGHTS[pattern][1]
        if pattern in proven_known:
            base += 10.0 * (len(proven_known) - proven_known.index(pattern))
        for fi, f in enumerate(f_list):
            for li, la in enumerate(l_list):
                score = base * _ALTERNATIVE_SPELLING ** ((fi > 0) + (li > 0))
                scored.append((-score, order, pattern, f, la))
    plan = [(pattern, f, la) for _, _, pattern, f, la in sorted(scored, key=lambda item: item[:2])]
    seen: set[str] = set()
    result: list[Candidate] = []
    for pattern, f, la in plan:
        if not _usable(pattern, f, la):
            continue
        local = _render(pattern, f, la)
        if local in seen or not local.strip(".-_"):
            continue
        seen.add(local)
        result.append(Candidate(f"{local}@{domain}", pattern, local))
        if limit is not None and len(result) >= limit:
            break
    return result


async def find_email(first: str, last: str, domain: str, *, proven: Sequence[str] = (),
                     config: VerifierConfig | None = None, verifier: Verifier | None = None,
                     max_candidates: int = 8) -> FinderResult:
    """Walk the candidates through the verifier, one SMTP conversation each (plus the waits a
    greylisting server demands), and stop at the first valid address. On a catch-all domain nothing
    can be proven: the best-ranked candidate comes back with verdict catch_all."""
    if verifier is None:
        async with Verifier(config) as own:
            return await find_email(first, last, domain, proven=proven, verifier=own,
                                    max_candidates=max_candidates)
    start = verifier.conversations
    pool = candidates(first, last, domain, proven, limit=max_candidates)
    if not pool:
        return FinderResult(None, EmailVerdict.UNKNOWN, None, "no usable first or last name to build addresses from")
    parsed = parse_address(pool[0].address, allow_test_domains=verifier.config.allow_test_domains)
    if isinstance(parsed, SyntaxProblem):
        return FinderResult(None, EmailVerdict.INVALID, None, f"the domain cannot take mail: {parsed.detail}")
    lookup = await verifier.lookup(parsed.ascii_domain)
    if not lookup.ok:
        unknown = lookup.problem in (Reason.DNS_TIMEOUT, Reason.DNS_ERROR)
        return FinderResult(pool[0].address if unknown else None,
                            EmailVerdict.UNKNOWN if unknown else EmailVerdict.INVALID,
                            pool[0].pattern if unknown else None, lookup.detail)
    tried: list[Verification] = []

    def done(candidate: Candidate | None, verdict: EmailVerdict, detail: str,
             verification: Verification | None) -> FinderResult:
        return FinderResult(candidate.address if candidate else None, verdict,
                            candidate.pattern if candidate else None, detail, verification, tried,
                            verifier.conversations - start)

    for candidate in pool:
        if verifier.catch_all(parsed.ascii_domain):  # learned earlier in this batch: nothing to prove
            return done(pool[0], EmailVerdict.CATCH_ALL, "the domain accepts every address; best guess "
                        "by pattern", None)
        result = await verifier.verify(candidate.address)
        tried.append(result)
        if result.verdict is EmailVerdict.VALID:
            return done(candidate, EmailVerdict.VALID, f"{candidate.address} exists ({candidate.pattern})", result)
        if result.verdict is EmailVerdict.CATCH_ALL:
            return done(candidate, EmailVerdict.CATCH_ALL, "the domain accepts every address, so no "
                        "candidate can be proven; best guess by pattern", result)
        if result.verdict is EmailVerdict.UNKNOWN:  # the server is not answering usefully: ask later
            return done(candidate, EmailVerdict.UNKNOWN, f"stopped: {result.detail}", result)
    return done(None, EmailVerdict.INVALID, f"none of the {len(pool)} candidates exists at {domain}", None)


def find_email_sync(first: str, last: str, domain: str, *, proven: Sequence[str] = (),
                    config: VerifierConfig | None = None, max_candidates: int = 8) -> FinderResult:
    return asyncio.run(find_email(first, last, domain, proven=proven, config=config,
                                  max_candidates=max_candidates))
