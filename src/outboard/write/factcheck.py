"""The fact check: every name, number, date, amount and claim about the prospect in a message must be
found in the lead's data or the strategy profile (sender, offer, proof). Anything else is reported.

Deliberately conservative: a capitalised word that is neither template vocabulary nor a fact is
treated as a name. Known limits: a single unknown capitalised word at the start of a sentence (and,
in German, a single capitalised noun) is only a warning, since those are usually ordinary words.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

from outboard.core.profile import LeadProfile
from outboard.core.writing import Finding, StrategyProfile
from outboard.write.numbers import (
    DATE_PATTERNS,
    MONTHS,
    NUMBER,
    WEEKDAYS,
    number_values,
    numbers_in,
    parse_date,
    read_date,
)
from outboard.write.phrases import vocabulary
from outboard.write.render import round_name
from outboard.write.text import STOPWORDS, fold

# Generic words that look like names but are not claims about anyone.
_GENERIC = frozenset("""
linkedin email e mail ceo cto cfo coo cmo cro cpo vp svp evp ai b2b b2c saas crm erp api usd eur gbp chf ok
ps re fwd faq pdf mio mrd md sdr sdrs bdr bdrs ae aes hr it ops revops gtm roi kpi kpis okr okrs q a i dr mr mrs ms
""".split())

# Words split at apostrophes and hyphens ("I'd", "E-Mail", "Coca-Cola"), as fold() splits the facts.
_TOKEN = re.compile(r"[^\W_]+(?:[&.][^\W_]+)*")
_SENTENCE = re.compile(r"(?<=[.!?…:;])\s+|\n+|[“”„«»\"()]")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+\.(?:com|io|ai|co|de|fr|net|org)\b",
                  re.IGNORECASE)


@dataclass(frozen=True)
class FactIndex:
    """What the lead's data and the strategy profile support, in forms fast to look up."""

    corpus: str  # folded text of every fact, padded with spaces
    lead_corpus: str  # folded text of the lead's facts only (claims about the prospect need these)
    numbers: frozenset[float]
    year_months: frozenset[tuple[int, int]]
    days: frozenset[date]
    months: frozenset[int]
    evidence: frozenset[str]  # claim families the lead's structured data supports

    def has(self, phrase: str) -> bool:
        folded = fold(phrase)
        return bool(folded) and f" {folded} " in self.corpus


def build_index(lead: LeadProfile, strategy: StrategyProfile) -> FactIndex:
    lead_texts: list[str] = []
    numbers: set[float] = set()
    dates: set[date] = set()
    _walk(lead, lead_texts, numbers, dates)
    for milestone in lead.company.milestones if lead.company else ():
        if milestone.round:  # "series_a" supports "Series A", "Series-A", "série A"
            lead_texts.extend(round_name(milestone.round, lang) for lang in ("en", "de", "fr"))
    strategy_texts = [strategy.sender_name, strategy.sender_title, strategy.sender_company, strategy.signature,
                      strategy.postal_address, strategy.offer, *strategy.proof, strategy.call_to_action,
                      strategy.opt_out_sentence]
    for text in lead_texts + strategy_texts:
        numbers.update(numbers_in(text))
        for found in DATE_PATTERNS.finditer(text):
            parsed = parse_date(found)
            if parsed and parsed[2]:
                dates.add(date(parsed[0], parsed[1], parsed[2]))
    for day in dates:
        numbers.update((day.year, day.day, day.month))
    lead_corpus = " " + " ".join(fold(t) for t in lead_texts if t) + " "
    corpus = lead_corpus + " ".join(fold(t) for t in strategy_texts if t) + " "
    return FactIndex(corpus, lead_corpus, frozenset(numbers), frozenset((d.year, d.month) for d in dates),
                     frozenset(dates), frozenset(d.month for d in dates), _evidence(lead))


def _walk(node: object, texts: list[str], numbers: set[float], dates: set[date]) -> None:
    if isinstance(node, str):
        texts.append(node)
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, int | float):
        numbers.add(float(node))
    elif isinstance(node, date):
        dates.add(node)
    elif isinstance(node, dict):
        for value in node.values():
            _walk(value, texts, numbers, dates)
    elif isinstance(node, tuple | list):
        for value in node:
            _walk(value, texts, numbers, dates)
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            _walk(getattr(node, f.name), texts, numbers, dates)


def _evidence(lead: LeadProfile) -> frozenset[str]:
    found = set()
    company = lead.company
    kinds = {m.kind for m in company.milestones} if company else set()
    signal_kinds = {s.kind for s in lead.signals}
    if "funding" in kinds or (company and company.funding_stage) or signal_kinds & {"funding", "raised"}:
        found.add("funding")
    if "hiring" in kinds or (company and company.hiring_for) or signal_kinds & {"hiring", "is_hiring"}:
        found.add("hiring")
    if (lead.role_started_on or any(p.ended_on is None and p.started_on for p in lead.positions)
            or signal_kinds & {"new_role", "new_in_role", "role_change"}):
        found.add("new_role")
    if lead.posts or signal_kinds & {"post", "recent_post", "topic"}:
        found.add("post")
    found.update(k for k in ("acquisition", "launch", "expansion") if k in kinds)
    return frozenset(found)


# -- claims about the prospect ---------------------------------------------------------------------
# Patterns run on folded text (lower case, no accents). A family is supported by structured evidence, or
# by its trigger word appearing in the lead's own data.
_CLAIMS = {
    "funding": r"raised|raising|fundraising|funding|funded|series [a-f]|seed round|investors?|valuation|"
               r"finanzierung\w*|investoren|levee de fonds|a leve|tour de table|financement",
    "new_role": r"new role|new position|new job|recently joined|just joined|promoted|promotion|started as|"
                r"starting as|neue\w* (?:rolle|position|job)|start als|angefangen|nouveau poste|nouvelle fonction|"
                r"pris vos fonctions|vos debuts|votre arrivee",
    "hiring": r"hiring|hired|open roles?|job openings?|recruiting|recruitment|growing (?:the|its|your) \w+ team|"
              r"einstell\w*|verstarkung|recrute\w*|recrutement|postes ouverts|renforce son equipe",
    "post": r"your (?:recent )?(?:post|article|newsletter|video|comment)|you (?:wrote|posted|shared|published)|"
            r"ihr\w* (?:aktuelle\w* )?(?:beitrag|artikel|post)|votre (?:recente )?(?:publication|post|article)",
    "event": r"keynote|your talk|your panel|your webinar|your podcast|speaking at|spoke at|conference|summit|"
             r"meetup|vortrag|konferenz|messe|salon",
    "acquisition": r"acquired|acquisition|acquires|merger|ubernahme|ubernommen|rachat|rachete",
    "launch": r"launched|launching|launch|new product|gelauncht|eingefuhrt|produktstart|lancement|lance",
    "expansion": r"expanded|expansion|expanding|new office|opened an office|expandiert|neues buro|nouveau bureau",
    "award": r"award|awarded|ranked|ranking|named one of|top \d+|auszeichnung|ausgezeichnet|laureat|classement",
    "personal": r"your (?:wife|husband|kids|children|son|daughter|birthday|wedding|vacation|holiday)|"
                r"ihr\w* (?:frau|mann|kinder|geburtstag|urlaub)|votre (?:femme|mari|enfants|anniversaire|mariage)",
}
_CLAIM_PATTERN = re.compile("|".join(rf"\b(?P<{k}>{v})\b" for k, v in _CLAIMS.items()))


def check_claims(text: str, lead: LeadProfile, strategy: StrategyProfile, index: FactIndex) -> list[Finding]:
    folded = f" {fold(text)} "
    # The strategy's own sentences (offer, proof, CTA) are the sender's claims, not claims about the lead.
    for own in (strategy.offer, *strategy.proof, strategy.call_to_action, strategy.signature,
                strategy.opt_out_sentence):
        if own.strip():
            folded = folded.replace(f" {fold(own)} ", " ")
    findings = []
    reported: set[str] = set()
    for match in _CLAIM_PATTERN.finditer(folded):
        family, said = match.lastgroup or "", match.group(0)
        if family in index.evidence or family in reported:
            continue
        words = [w for w in said.split() if len(w) >= 4 and w not in STOPWORDS] or [said]
        if any(f" {w}" in index.lead_corpus for w in words):
            continue
        reported.add(family)
        findings.append(Finding(
            "unsupported_claim", "blocking",
            f'Claims something about the prospect ({family}: "{said}") that the lead\'s data does not show.',
            "Remove the claim, or enrich the lead with the fact it relies on."))
    return findings


# -- names, numbers and dates ------------------------------------------------------------------------

def check_facts(text: str, language: str, index: FactIndex) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()

    def report(code: str, token: str, what: str, severity: str = "blocking") -> None:
        if token.casefold() in seen:
            return
        seen.add(token.casefold())
        findings.append(Finding(code, severity,
                                f'Mentions {what} "{token}", which is not in the lead\'s data or the strategy '
                                "profile.", "Remove it, or add the fact to the lead or the strategy profile."))

    for url in _URL.findall(text):
        if not index.has(url.rstrip(".,;")):
            report("unsupported_link", url.rstrip(".,;"), "a link or address")
    text = _URL.sub(" ", text)
    for found in DATE_PATTERNS.finditer(text):
        raw = found.group(0).strip()
        parsed = read_date(found)
        if found.group("wd") and not index.has(raw):
            report("unsupported_date", raw, "the day")
        elif parsed is not None and not _date_supported(parsed, raw, index):
            report("unsupported_date", raw, "the date")
    text = DATE_PATTERNS.sub(" ", text)
    for token, values in number_values(text):
        if not any(_close(v, n) for v in values for n in index.numbers):
            report("unsupported_number", token, "the number")
    text = NUMBER.sub(" ", text)
    for phrase, tokens in _entities(text, language):
        if index.has(phrase):
            continue
        for token, severity in tokens:
            if not index.has(token):
                report("unsupported_name", token, "the name", severity)
    return findings


def _date_supported(parsed: tuple[int | None, int, int | None], raw: str, index: FactIndex) -> bool:
    year, month, day = parsed
    if index.has(raw):
        return True
    if year and day:
        return date(year, month, day) in index.days if 1 <= day <= 31 else False
    if year:
        return (year, month) in index.year_months
    if day:
        return any((d.month, d.day) == (month, day) for d in index.days)
    return month in index.months


def _close(value: float, fact: float) -> bool:
    if value == fact:
        return True
    # "$12M" for 12,400,000: people round amounts; small numbers must match exactly.
    return abs(value) >= 1000 and abs(value - fact) <= 0.05 * abs(fact)


def _entities(text: str, language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Capitalised spans that may name someone or something: the span, and each token with the severity
    of its finding should neither the span nor the token be found."""
    known = vocabulary()
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for sentence in _SENTENCE.split(text):
        tokens = _TOKEN.findall(sentence)
        span: list[tuple[str, bool]] = []
        for i, token in enumerate([*tokens, ""]):
            if token and _name_like(token, known):
                span.append((token, i == 0))
                continue
            if span:
                out.append((" ".join(t for t, _ in span), [_severity(t, start, len(span), language)
                                                           for t, start in span]))
                span = []
    return out


def _name_like(token: str, known: frozenset[str]) -> bool:
    if not token or token.isdigit() or token.islower():
        return False
    folded = fold(token)
    if folded in known or folded in STOPWORDS or folded in _GENERIC or folded in MONTHS or folded in WEEKDAYS:
        return False
    return token[0].isupper() or _shaped(token)


def _shaped(token: str) -> bool:
    """Looks like a brand or acronym whatever its position: CamelCase, ALLCAPS, letters with digits."""
    letters = [c for c in token if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    if any(c.isdigit() for c in token) and letters:
        return True
    return any(c.isupper() for c in token[1:]) and any(c.islower() for c in token)


def _severity(token: str, at_start: bool, span_length: int, language: str) -> tuple[str, str]:
    soft = not _shaped(token) and (at_start or (language == "de" and span_length == 1))
    return token, "warning" if soft else "blocking"
