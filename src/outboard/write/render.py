"""Turning facts into the values the composer's phrases need, per language.

Only facts are rendered: a quote from a post, a title, a funding round and amount. Nothing here invents
a detail; a missing fact leaves its placeholder without a value, so the phrasebook falls back a tier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from outboard.core.profile import LeadProfile, Milestone, Position
from outboard.core.writing import Hook, StrategyProfile
from outboard.write.injection import find_injection
from outboard.write.phrases import Phrasebook
from outboard.write.text import first_sentence, fold, shorten

_ROUND_NAMES = {
    "en": {"seed": "seed round", "pre_seed": "pre-seed round", "series": "Series {x}"},
    "de": {"seed": "Seed", "pre_seed": "Pre-Seed", "series": "Series-{x}"},
    "fr": {"seed": "seed", "pre_seed": "pre-seed", "series": "série {x}"},
}


@dataclass(frozen=True)
class HookView:
    """What the composer says about one hook: the phrase key and the values it fills in."""

    hook: Hook
    key: str
    values: dict[str, str]


def lead_values(lead: LeadProfile, strategy: StrategyProfile) -> dict[str, str]:
    first, last = lead.first_name.strip(), lead.last_name.strip()
    parts = lead.full_name.split()
    if not first and len(parts) >= 2 and parts[0].isalpha():
        first = parts[0]
    if not last and len(parts) >= 2 and parts[-1].isalpha():
        last = parts[-1]
    sender_parts = strategy.sender_name.split()
    values = {
        "first": first, "last": last, "title": (lead.title or "").strip(),
        "company": lead.company.name.strip() if lead.company else "",
        "sender": strategy.sender_name.strip(), "sender_first": sender_parts[0] if sender_parts else "",
        "sender_company": strategy.sender_company.strip(),
    }
    if values["company"]:
        # English possessive: "Acme's", but "Acme Robotics'".
        values["company_pos"] = values["company"] + ("'" if values["company"].endswith("s") else "'s")
    return {k: v for k, v in values.items() if v}


def lead_key(lead: LeadProfile) -> str:
    """A stable identity for seeding phrase choice: the same lead always reads the same way."""
    company = lead.company.name if lead.company else ""
    return lead.linkedin_id or lead.email or f"{lead.full_name}|{company}"


def hook_view(hook: Hook, lead: LeadProfile, strategy: StrategyProfile, book: Phrasebook,
              quote_limit: int = 70) -> HookView | None:
    """The phrase key and values for a hook, decided by the fact it points to; None if unusable."""
    try:
        fact = lead.fact(hook.fact_path)
    except (KeyError, IndexError, ValueError):
        return None
    if find_injection(str(fact)):
        return None
    parts = hook.fact_path.split(".")
    values: dict[str, str] = {}
    if parts[0] == "posts":
        key = "recent_post"
        values["quote"] = _quote(str(fact), book, quote_limit)
    elif hook.fact_path == "role_started_on" or (parts[0] == "positions" and parts[-1] == "started_on"):
        key = "new_role"
        position = lead.fact(".".join(parts[:2])) if parts[0] == "positions" else None
        if isinstance(position, Position):
            values.update(title=position.title, company=position.company)
    elif parts[:2] == ["company", "milestones"]:
        milestone = lead.fact(".".join(parts[:3]))
        key = "milestone"
        if isinstance(milestone, Milestone):
            key = {"funding": "funding", "hiring": "hiring"}.get(milestone.kind, "milestone")
            if milestone.kind == "funding":
                values.update(_funding_values(milestone, book.language))
            values["quote"] = _quote(milestone.text, book, quote_limit + 10)
    elif parts[:2] == ["company", "hiring_for"]:
        key = "hiring"
        values["function"] = _function(str(fact), book.language)
    elif parts[0] == "positions" and parts[-1] == "company":
        same = fold(str(fact)) == fold(strategy.sender_company)
        key = "shared_company_current" if same else "shared_company"
        values["past_company"] = str(fact)
    elif parts[0] == "education":
        key, values["school"] = "shared_school", str(fact)
    elif parts[0] == "skills":
        key, values["skill"] = "shared_skill", str(fact)
    else:
        key = "signal"
        values["quote"] = _quote(str(fact), book, quote_limit)
    return HookView(hook, key, {k: v for k, v in values.items() if v})


def _quote(text: str, book: Phrasebook, limit: int) -> str:
    sentence = first_sentence(text)
    if len(sentence.split()) < 3:
        sentence = text
    inner = shorten(sentence, limit).rstrip(".!?:;,")
    for mark in ('"', "“", "”", "„", "«", "»"):
        inner = inner.replace(mark, "'")
    return book.quote(inner)


def _function(name: str, language: str) -> str:
    name = name.strip()
    return name[:1].upper() + name[1:] if language == "de" else name


def _funding_values(milestone: Milestone, language: str) -> dict[str, str]:
    values = {}
    if milestone.round:
        values["round"] = round_name(milestone.round, language)
    if milestone.amount_usd:
        values["amount"] = money(milestone.amount_usd, language)
    return values


def round_name(slug: str, language: str) -> str:
    names = _ROUND_NAMES.get(language, _ROUND_NAMES["en"])
    slug = slug.strip().lower().replace("-", "_").replace(" ", "_")
    if slug.startswith("series_") and len(slug) > 7:
        return names["series"].format(x=slug[7:].upper())
    return names.get(slug, slug.replace("_", " "))


def money(amount: int, language: str) -> str:
    """$12M / 12 Mio. USD / 12 millions de dollars: rounded to one decimal, as people write it."""
    for size, en, de, fr in ((10**9, "B", "Mrd.", "milliards"), (10**6, "M", "Mio.", "millions")):
        if amount >= size:
            value = f"{amount / size:.1f}".removesuffix(".0")
            if language == "de":
                return f"{value.replace('.', ',')} {de} USD"
            if language == "fr":
                return f"{value.replace('.', ',')} {fr} de dollars"
            return f"${value}{en}"
    if amount >= 1000 and amount % 1000 == 0 and language == "en":
        return f"${amount // 1000}K"
    grouped = f"{amount:,}"
    if language == "de":
        return grouped.replace(",", ".") + " USD"
    if language == "fr":
        return grouped.replace(",", "\u202f") + " dollars"
    return f"${grouped}"


def sentence(text: str) -> str:
    """A strategy text as a sentence: capital first letter, closing punctuation."""
    text = " ".join(text.split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def offer_sentence(strategy: StrategyProfile, book: Phrasebook, values: dict[str, str],
                   rng: random.Random) -> str:
    offer = " ".join(strategy.offer.split()).rstrip(".")
    if not offer:
        return ""
    # "help sales teams book meetings" reads as a verb phrase: "At Acme, we help sales teams ..."
    if offer[0].islower() and book.has("offer_we", "any"):
        return book.pick("offer_we", "any", {**values, "offer": offer}, rng) or sentence(offer)
    return sentence(offer)


def proof_sentence(strategy: StrategyProfile, book: Phrasebook, rng: random.Random) -> str:
    proofs = [p for p in strategy.proof if p.strip()]
    if not proofs:
        return ""
    proof = sentence(proofs[rng.randrange(len(proofs))])
    return book.pick("proof", "any", {"proof": proof}, rng) or proof


def cta_sentence(strategy: StrategyProfile, book: Phrasebook, tone: str, rng: random.Random) -> str:
    cta = " ".join(strategy.call_to_action.split())
    if cta.endswith("?"):
        return cta[0].upper() + cta[1:]
    cta = cta.rstrip(".!")
    if cta:
        if len(cta) > 1 and cta[0].isupper() and cta[1].islower() and book.language != "de":
            cta = cta[0].lower() + cta[1:]
        picked = book.pick("cta_phrase", tone, {"cta": cta}, rng)
        if picked:
            return picked
    return book.pick("cta_default", tone, {}, rng) or ""


def signature(strategy: StrategyProfile) -> str:
    if strategy.signature.strip():
        return strategy.signature.strip()
    role = ", ".join(p for p in (strategy.sender_title.strip(), strategy.sender_company.strip()) if p)
    return "\n".join(p for p in (strategy.sender_name.strip(), role) if p)
