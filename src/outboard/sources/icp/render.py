"""The parse shown back to the user: one line per criterion, and a one-line summary for lists."""

from __future__ import annotations

from outboard.sources.icp.filters import SearchFilters
from outboard.sources.icp.lexicon import country_name
from outboard.sources.icp.vocab import FUNCTIONS, FUNDING_STAGES, INDUSTRIES, REGION_GROUPS, SENIORITIES


def size_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low:,}–{high:,} employees"
    if low is not None:
        return f"{low:,}+ employees"
    return f"up to {high:,} employees"


def _region(name: str) -> str:
    members = REGION_GROUPS.get(name)
    if not members:
        return name
    shown = ", ".join(country_name(c) for c in members[:4])
    return f"{name} ({shown}{', …' if len(members) > 4 else ''})"


def _locations(countries: tuple[str, ...], regions: tuple[str, ...], cities: tuple[str, ...]) -> list[str]:
    return [*(country_name(c) for c in countries), *(_region(r) for r in regions), *cities]


def _days(days: int) -> str:
    if days % 365 == 0:
        return "year" if days == 365 else f"{days // 365} years"
    if days % 30 == 0 and days >= 30:
        return "month" if days == 30 else f"{days // 30} months"
    if days % 7 == 0:
        return "week" if days == 7 else f"{days // 7} weeks"
    return "day" if days == 1 else f"{days} days"


def describe(f: SearchFilters) -> list[str]:
    """Criteria in plain words, one per line, in the order a person would say them."""
    lines = []
    if f.titles:
        lines.append("Title contains: " + " or ".join(repr(t) for t in f.titles))
    if f.seniorities:
        lines.append("Seniority: " + ", ".join(SENIORITIES[s] for s in f.seniorities))
    if f.functions:
        lines.append("Function: " + ", ".join(FUNCTIONS[x] for x in f.functions))
    if f.industries:
        lines.append("Industry: " + ", ".join(INDUSTRIES[i] for i in f.industries))
    places = _locations(f.countries, f.regions, f.cities)
    if places:
        lines.append("Located in: " + "; ".join(places))
    if f.size_min is not None or f.size_max is not None:
        lines.append("Company size: " + size_text(f.size_min, f.size_max))
    if f.funding_stages:
        lines.append("Latest funding round: " + ", ".join(FUNDING_STAGES[s] for s in f.funding_stages))
    if f.raised_within_days:
        lines.append(f"Raised money in the last {_days(f.raised_within_days)}")
    if f.hiring_for:
        teams = [FUNCTIONS.get(h, h) for h in f.hiring_for if h != "any"]
        lines.append("Company hiring" + (" for " + ", ".join(teams) if teams else ""))
    if f.posted_about:
        when = f" in the last {_days(f.posted_within_days)}" if f.posted_within_days else ""
        lines.append("Posted about " + " or ".join(repr(t) for t in f.posted_about) + when)
    elif f.posted_within_days:
        lines.append(f"Posted in the last {_days(f.posted_within_days)}")
    if f.new_in_role_days:
        lines.append(f"New in role: started in the last {_days(f.new_in_role_days)}")
    if f.keywords:
        lines.append("Ranked higher when mentioning: " + ", ".join(f.keywords))
    lines += _exclusion_lines(f)
    return lines


def _exclusion_lines(f: SearchFilters) -> list[str]:
    x = f.exclude
    parts = [*(f"title {t!r}" for t in x.titles), *(SENIORITIES[s] for s in x.seniorities),
             *(FUNCTIONS[v] for v in x.functions), *(INDUSTRIES[i] for i in x.industries),
             *_locations(x.countries, x.regions, x.cities), *(FUNDING_STAGES[s] for s in x.funding_stages),
             *(f"mentions of {k!r}" for k in x.keywords)]
    return ["Excluding: " + "; ".join(parts)] if parts else []


def summary(f: SearchFilters) -> str:
    """One line: "Head of · Sales · Fintech · Germany · 20–200 employees · excluding Marketing agencies"."""
    parts = [*f.titles, *(SENIORITIES[s] for s in f.seniorities), *(FUNCTIONS[x] for x in f.functions),
             *(INDUSTRIES[i] for i in f.industries), *_locations(f.countries, f.regions, f.cities)]
    if f.size_min is not None or f.size_max is not None:
        parts.append(size_text(f.size_min, f.size_max))
    parts += [FUNDING_STAGES[s] for s in f.funding_stages]
    if f.raised_within_days:
        parts.append(f"raised in the last {_days(f.raised_within_days)}")
    if f.hiring_for:
        parts.append("hiring " + "/".join(h for h in f.hiring_for if h != "any") if f.hiring_for != ("any",)
                     else "hiring")
    if f.posted_about:
        parts.append("posted about " + "/".join(f.posted_about))
    if f.new_in_role_days:
        parts.append("new in role")
    if f.keywords:
        parts.append("keywords: " + ", ".join(f.keywords))
    excluded = _exclusion_lines(f)
    if excluded:
        parts.append(excluded[0].replace("Excluding: ", "excluding "))
    return " · ".join(parts) if parts else "everyone"
