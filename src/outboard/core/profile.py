"""What Outboard knows about a lead, as plain data: the writer, the hook miner and the fact check read this.

Every fact can be addressed by a path (`posts.0.text`, `company.milestones.1`) so that a hook, and any
sentence built on it, points back to the exact fact it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Post:
    text: str
    posted_on: date | None = None
    url: str | None = None
    kind: str = "post"  # post | article


@dataclass(frozen=True)
class Position:
    title: str
    company: str
    started_on: date | None = None
    ended_on: date | None = None  # None: current


@dataclass(frozen=True)
class Milestone:
    """A company event: funding, hiring push, launch, acquisition, office opening."""

    kind: str  # funding | hiring | launch | acquisition | expansion
    text: str
    happened_on: date | None = None
    amount_usd: int | None = None
    round: str | None = None  # seed, series_a, ...


@dataclass(frozen=True)
class CompanyFacts:
    name: str
    domain: str | None = None
    size: int | None = None
    industry: str | None = None
    city: str | None = None
    country: str | None = None
    funding_stage: str | None = None
    milestones: tuple[Milestone, ...] = ()
    hiring_for: tuple[str, ...] = ()  # functions with open roles: "sales", "engineering"


@dataclass(frozen=True)
class Signal:
    """Why to write now, carried from a clue: a post on a topic, new in role, the company raised or hires."""

    kind: str
    text: str
    observed_on: date | None = None
    fact_path: str | None = None


@dataclass(frozen=True)
class LeadProfile:
    full_name: str
    first_name: str = ""
    last_name: str = ""
    headline: str | None = None
    title: str | None = None
    seniority: str | None = None
    function: str | None = None
    role_started_on: date | None = None
    company: CompanyFacts | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    timezone: str | None = None
    posts: tuple[Post, ...] = ()
    positions: tuple[Position, ...] = ()
    skills: tuple[str, ...] = ()
    education: tuple[str, ...] = ()
    email: str | None = None
    email_verdict: str | None = None
    linkedin_id: str | None = None
    language: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    signals: tuple[Signal, ...] = ()
    is_sample: bool = False

    def fact(self, path: str) -> object:
        """The fact at `path` (dots, list indexes as numbers); KeyError when the path names nothing."""
        node: object = self
        for part in path.split("."):
            if isinstance(node, dict):
                node = node[part]
            elif isinstance(node, tuple | list):
                node = node[int(part)]
            elif hasattr(node, part):
                node = getattr(node, part)
            else:
                raise KeyError(path)
            if node is None:
                raise KeyError(path)
        return node
