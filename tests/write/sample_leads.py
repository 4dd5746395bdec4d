"""A small deterministic generator of varied LeadProfiles for the writing tests.

Some leads are rich (posts, a new role, funding, hiring, shared background), some sparse (a name and a
company, or only a name). Everything is drawn from a seeded random.Random and dated relative to TODAY.
To be replaced by the shared sample generator (outboard.sources.sample) once it yields LeadProfiles.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from outboard.core.profile import CompanyFacts, LeadProfile, Milestone, Position, Post, Signal
from outboard.core.writing import StrategyProfile
from outboard.write.hooks import SenderBackground

TODAY = date(2026, 3, 2)

FIRST = ("Anna Ben Chloé David Elena Farid Greta Hugo Ines Jonas Kira Lars Maya Nils Olga Paul Quentin Rosa "
         "Samir Tara Ulrich Vera Wen Ximena Yusuf Zoe Amara Bruno Carla Dmitri Emma Felix Hana Ivan Julia Kenji "
         "Lena Marco Nora Oscar Priya Rafael Sofia Tobias Uma Victor Wanda Yara Zeynep Malik").split()
LAST = ("Schmidt Meyer Dubois Rossi Novak Kowalski Jensen Larsen Moreau Fischer Weber Laurent Costa Silva "
        "Nakamura Okafor Haddad Petrov Lindqvist Brennan Fontaine Keller Vogel Marchetti Ortega Singh Tanaka "
        "Varga Wolff Zimmermann").split()
COMPANY_A = "Acme Northwind Brightline Copperleaf Driftwood Evergreen Foxglove Granite Harbor Ironbark".split()
COMPANY_B = "Robotics Analytics Logistics Health Systems Labs Energy Software Foods Payments Security".split()
TITLES = ("VP Sales", "Head of Growth", "Chief Revenue Officer", "Sales Director", "Head of RevOps",
          "Marketing Director", "Founder", "Head of Partnerships", "Director of Business Development")
TOPICS = (
    "Outbound is not dead. It just needs to be personal again.",
    "We rebuilt our onboarding from scratch this quarter, and churn dropped.",
    "Hiring your first sales team is mostly about writing things down.",
    "Pipeline reviews should be short, honest and weekly.",
    "Cold email works when you do the homework on every account.",
    "Our customer advisory board changed how we plan the roadmap.",
    "Three lessons from scaling a support team across time zones.",
    "Forecasting gets easier when sales and finance share one number.",
)
ROUNDS = (("seed", 2_000_000), ("series_a", 12_000_000), ("series_b", 30_000_000), ("series_c", 55_000_000))
SCHOOLS = ("TU Munich", "HEC Paris", "University of Bologna", "ETH Zurich", "LSE")
SKILLS = ("Negotiation", "Sales Operations", "Forecasting", "Account Management", "Product Marketing")
SENDER = SenderBackground(companies=("Ironbark Payments",), education=("HEC Paris",), skills=("Forecasting",))


def sample_strategy(language: str = "en", tone: str = "friendly", **changes: object) -> StrategyProfile:
    offers = {
        "en": "help revenue teams write outreach that reads like it came from a person",
        "de": "Wir helfen Vertriebsteams, Nachrichten zu schreiben, die persönlich klingen.",
        "fr": "Nous aidons les équipes commerciales à écrire des messages vraiment personnels.",
    }
    proofs = {
        "en": ("Copperleaf Health doubled its reply rate in 6 weeks",),
        "de": ("Copperleaf Health hat die Antwortquote in 6 Wochen verdoppelt",),
        "fr": ("Copperleaf Health a doublé son taux de réponse en 6 semaines",),
    }
    ctas = {"en": "a short call next week", "de": "ein kurzes Gespräch nächste Woche",
            "fr": "un court échange la semaine prochaine"}
    base = StrategyProfile(
        name="Sample strategy", sender_name="Tom Becker", sender_title="Founder", sender_company="Outboard",
        postal_address="Hauptstraße 1, 10115 Berlin", offer=offers.get(language, offers["en"]),
        proof=proofs.get(language, proofs["en"]), tone=tone, call_to_action=ctas.get(language, ctas["en"]),
        language=language, banned_phrases=("synergy",),
    )
    return StrategyProfile(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def _day(rng: random.Random, low: int, high: int) -> date:
    return TODAY - timedelta(days=rng.randint(low, high))


def sample_leads(count: int = 200, seed: int = 7) -> list[LeadProfile]:
    rng = random.Random(seed)
    names = [(f, la) for f in FIRST for la in LAST]
    rng.shuffle(names)
    leads = []
    for i, (first, last) in enumerate(names[:count]):
        kind = rng.random()
        if kind < 0.06:  # only a name: nothing to personalise with
            leads.append(LeadProfile(full_name=f"{first} {last}", first_name=first, last_name=last))
            continue
        company_name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}"
        if kind < 0.14:  # name and company only
            leads.append(LeadProfile(full_name=f"{first} {last}", first_name=first, last_name=last,
                                     company=CompanyFacts(name=company_name), linkedin_id=f"lead-{i}"))
            continue
        leads.append(_rich_lead(rng, i, first, last, company_name))
    return leads


def _rich_lead(rng: random.Random, i: int, first: str, last: str, company_name: str) -> LeadProfile:
    title = rng.choice(TITLES)
    milestones = []
    if rng.random() < 0.3:
        round_id, amount = rng.choice(ROUNDS)
        label = round_id.replace("_", " ").title()
        milestones.append(Milestone("funding", f"{company_name} raised ${amount // 1_000_000}M in a {label} round",
                                    _day(rng, 5, 200), amount, round_id))
    if rng.random() < 0.15:
        milestones.append(Milestone("launch", f"{company_name} launched a new customer portal",
                                    _day(rng, 5, 150)))
    posts = tuple(Post(rng.choice(TOPICS), _day(rng, 1, 420)) for _ in range(rng.choice((0, 0, 1, 1, 2))))
    positions = [Position(title, company_name, _day(rng, 200, 1500))]
    if rng.random() < 0.5:
        past = rng.choice(("Ironbark Payments", "Granite Systems", "Harbor Labs"))
        positions.append(Position("Account Executive", past, _day(rng, 1600, 2400), _day(rng, 1500, 1599)))
    signals = ()
    if posts and rng.random() < 0.2:
        signals = (Signal("post", "Posted about outbound", posts[0].posted_on, "posts.0.text"),)
    return LeadProfile(
        full_name=f"{first} {last}", first_name=first, last_name=last, title=title,
        headline=f"{title} at {company_name}",
        role_started_on=_day(rng, 10, 300) if rng.random() < 0.3 else None,
        company=CompanyFacts(name=company_name, domain=company_name.split()[0].lower() + ".example",
                             size=rng.choice((12, 45, 120, 800)), industry="Software",
                             milestones=tuple(milestones),
                             hiring_for=("sales",) if rng.random() < 0.25 else ()),
        posts=posts, positions=tuple(positions),
        skills=tuple(rng.sample(SKILLS, 2)),
        education=(rng.choice(SCHOOLS),) if rng.random() < 0.5 else (),
        email=f"{first.lower()}.{last.lower()}{i}@example.com", email_verdict="valid",
        linkedin_id=f"lead-{i}", signals=signals,
    )
