"""Hook mining: reasons to write to a lead now, each pointing to the exact fact it comes from.

Candidates come from recent posts, a new role, company milestones (funding, hiring, launches), shared
background with the sender and clue signals. Scores prefer recent facts (exponential decay by age against
`today`, never the wall clock) and relevant ones (words shared with the offer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from outboard.core.profile import LeadProfile, Milestone
from outboard.core.writing import Hook, StrategyProfile
from outboard.write.injection import find_injection
from outboard.write.text import fold, keywords, shorten

# kind: (weight, half-life in days, oldest age kept in days)
_KINDS = {
    "recent_post": (1.0, 45, 365),
    "new_role": (0.95, 120, 540),
    "funding": (0.9, 120, 540),
    "hiring": (0.7, 60, 365),
    "milestone": (0.75, 120, 540),
    "shared_background": (0.55, 0, 0),  # timeless
    "signal": (0.7, 60, 365),
}
_UNDATED = 0.4  # recency of a dated kind of fact whose date is unknown
_SIGNAL_BONUS = 0.15  # a clue says this is why we write now
_MIN_SCORE = 0.05
_SIGNAL_KINDS = {"post": "recent_post", "recent_post": "recent_post", "topic": "recent_post",
                 "new_role": "new_role", "new_in_role": "new_role", "role_change": "new_role",
                 "funding": "funding", "raised": "funding", "hiring": "hiring", "is_hiring": "hiring"}


_Add = Callable[..., None]


@dataclass(frozen=True)
class SenderBackground:
    """What the sender shares with some leads: past employers, schools, skills."""

    companies: tuple[str, ...] = ()
    education: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


def offer_keywords(strategy: StrategyProfile | None, extra: Iterable[str] = ()) -> set[str]:
    text = " ".join([strategy.offer, *strategy.proof] if strategy else [])
    return keywords(text + " " + " ".join(extra))


def mine_hooks(lead: LeadProfile, strategy: StrategyProfile | None = None, *, today: date,
               sender: SenderBackground | None = None, extra_keywords: Iterable[str] = (),
               limit: int | None = None) -> list[Hook]:
    """Candidate hooks, best first. Every hook's `fact_path` resolves with `lead.fact()`."""
    wanted = offer_keywords(strategy, extra_keywords)
    found: dict[str, Hook] = {}

    def add(kind: str, path: str, summary: str, when: date | None, *, weight: float | None = None,
            bonus: float = 0.0, recency: float | None = None) -> None:
        text = _fact_text(lead, path)
        if find_injection(text):
            return
        base, half_life, oldest = _KINDS[kind]
        recency = _recency(when, today, half_life, oldest) if recency is None else recency
        if recency == 0.0:
            return
        relevance = min(1.0, len(keywords(text + " " + summary) & wanted) / 2) if wanted else 0.0
        score = round((weight if weight is not None else base) * recency * (1 + 0.5 * relevance) + bonus, 4)
        if score < _MIN_SCORE:
            return
        hook = Hook(kind, summary, path, text, score, when)
        if path not in found or found[path].score < score:
            found[path] = hook

    _posts(lead, add)
    _role(lead, add)
    _company(lead, add)
    _shared(lead, strategy, sender or SenderBackground(), add)
    _signals(lead, found, add)
    hooks = sorted(found.values(), key=lambda h: (-h.score, h.fact_path))
    return hooks[:limit] if limit is not None else hooks


def _fact_text(lead: LeadProfile, path: str) -> str:
    value = lead.fact(path)
    return value.isoformat() if isinstance(value, date) else str(value)


def _recency(when: date | None, today: date, half_life: int, oldest: int) -> float:
    if half_life == 0:
        return 1.0
    if when is None:
        return _UNDATED
    age = max(0, (today - when).days)
    return 0.0 if age > oldest else 0.5 ** (age / half_life)


def _posts(lead: LeadProfile, add: _Add) -> None:
    for i, post in enumerate(lead.posts):
        text = post.text.strip()
        # An injection attempt or a one-liner is not a reason to write to someone.
        if len(text.split()) < 4 or find_injection(text):
            continue
        when = f" on {post.posted_on.isoformat()}" if post.posted_on else ""
        add("recent_post", f"posts.{i}.text", f'{post.kind} "{shorten(text, 60)}"{when}', post.posted_on)


def _role(lead: LeadProfile, add: _Add) -> None:
    company = lead.company.name if lead.company else ""
    where = f" at {company}" if company else ""
    if lead.role_started_on is not None:
        add("new_role", "role_started_on", f"started as {lead.title or 'new role'}{where}", lead.role_started_on)
        return
    for i, position in enumerate(lead.positions):
        if position.ended_on is None and position.started_on is not None:
            add("new_role", f"positions.{i}.started_on", f"started as {position.title} at {position.company}",
                position.started_on)
            return


def _company(lead: LeadProfile, add: _Add) -> None:
    company = lead.company
    if company is None:
        return
    for i, milestone in enumerate(company.milestones):
        if not milestone.text.strip() or find_injection(milestone.text):
            continue
        kind = {"funding": "funding", "hiring": "hiring"}.get(milestone.kind, "milestone")
        add(kind, f"company.milestones.{i}.text", _milestone_summary(company.name, milestone),
            milestone.happened_on)
    for i, function in enumerate(company.hiring_for):
        if function.strip():
            # hiring_for is the current state of the company's job board: fresh as of enrichment.
            add("hiring", f"company.hiring_for.{i}", f"{company.name} is hiring for {function}", None, recency=0.8)


def _milestone_summary(company: str, milestone: Milestone) -> str:
    return f"{company}: {shorten(milestone.text, 80)}"


def _shared(lead: LeadProfile, strategy: StrategyProfile | None, sender: SenderBackground, add: _Add) -> None:
    companies = {fold(c) for c in sender.companies if c.strip()}
    if strategy and strategy.sender_company.strip():
        companies.add(fold(strategy.sender_company))
    current = fold(lead.company.name) if lead.company else ""
    for i, position in enumerate(lead.positions):
        name = fold(position.company)
        if position.ended_on is not None and name in companies and name != current:
            add("shared_background", f"positions.{i}.company", f"both worked at {position.company}", None,
                weight=0.6)
    schools = [fold(s) for s in sender.education if s.strip()]
    for i, school in enumerate(lead.education):
        folded = fold(school)
        if folded and any(s and (s in folded or folded in s) for s in schools):
            add("shared_background", f"education.{i}", f"both studied at {school}", None, weight=0.55)
    skills = {fold(s) for s in sender.skills if s.strip()}
    for i, skill in enumerate(lead.skills):
        if fold(skill) in skills:
            add("shared_background", f"skills.{i}", f"shared skill: {skill}", None, weight=0.35)


def _signals(lead: LeadProfile, found: dict[str, Hook], add: _Add) -> None:
    for i, signal in enumerate(lead.signals):
        if find_injection(signal.text):
            continue
        kind = _SIGNAL_KINDS.get(signal.kind, "signal")
        path = signal.fact_path
        if path:
            try:
                lead.fact(path)
            except (KeyError, IndexError, ValueError):
                path = None
        if path and path in found:
            old = found[path]
            found[path] = Hook(old.kind, old.summary, old.fact_path, old.fact_text,
                               round(old.score + _SIGNAL_BONUS, 4), old.fact_date)
        elif path:
            add(kind, path, signal.text, signal.observed_on, bonus=_SIGNAL_BONUS)
        elif signal.text.strip():
            add("signal", f"signals.{i}.text", signal.text, signal.observed_on, bonus=_SIGNAL_BONUS)
