"""Clues: saved searches for a reason to write now, whose reason travels with each lead as a hook.

Four kinds, each a filter on top of an optional description of the people:

| Kind | Filter | Signal kept (SourceGroupMember.reason) |
|---|---|---|
| recent_post | posted about TOPIC (any topic without one) in the last DAYS (30) | the post: `posts.K.text` |
| new_in_role | started the current role in the last DAYS (90) | `role_started_on` |
| company_raised | the company raised a round in the last DAYS (90) | the round: `company.milestones.K` |
| company_hiring | the company has open roles in FUNCTION (any) | `company.hiring_for.K` |

The signal is `{kind, text, observed_on, fact_path}`: `text` is the fact itself (the post, the round as the
company announced it), `fact_path` where it sits in the lead's profile (db/profiles.py), so the writer's
hook and the fact check point at the same thing. Search results carry `{kind: "search_fit", fit: [...]}`
instead, which is not a hook.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from outboard.core.errors import ValidationError
from outboard.sources.icp.filters import SearchFilters
from outboard.sources.icp.vocab import FUNCTIONS
from outboard.sources.ranking import FitSignal, Hit

CLUE_KINDS = {"recent_post": "posted", "new_in_role": "new_in_role", "company_raised": "raised",
              "company_hiring": "hiring"}
DEFAULT_DAYS = {"recent_post": 30, "new_in_role": 90, "company_raised": 90}


@dataclasses.dataclass(frozen=True)
class ClueSpec:
    kind: str
    topic: str | None = None
    function: str | None = None
    days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "topic": self.topic, "function": self.function, "days": self.days}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClueSpec:
        return cls(str(data["kind"]), data.get("topic"), data.get("function"), data.get("days"))


def clue_filters(spec: ClueSpec, base: SearchFilters | None = None) -> SearchFilters:
    """The filters of a clue: its signal on top of the people `base` describes. ValidationError names
    the option that is wrong."""
    if spec.kind not in CLUE_KINDS:
        raise ValidationError("kind", f"unknown clue kind; one of: {', '.join(CLUE_KINDS)}", value=spec.kind)
    if spec.days is not None and not 1 <= spec.days <= 3650:
        raise ValidationError("days", "must be between 1 and 3,650", value=spec.days)
    if spec.topic is not None and spec.kind != "recent_post":
        raise ValidationError("topic", "only a recent_post clue has a topic")
    if spec.kind == "company_hiring" and spec.days is not None:
        raise ValidationError("days", "a company_hiring clue has no time window (open roles are current)")
    function = None
    if spec.function:
        function = spec.function.strip().lower().replace(" ", "_").replace("-", "_")
        if function not in FUNCTIONS:
            raise ValidationError("function", f"unknown function; one of: {', '.join(FUNCTIONS)}",
                                  value=spec.function)
    f = base or SearchFilters()
    days = spec.days or DEFAULT_DAYS.get(spec.kind)
    if spec.kind == "recent_post":
        topics = (spec.topic.strip(),) if spec.topic and spec.topic.strip() else ()
        f = dataclasses.replace(f, posted_about=topics or f.posted_about, posted_within_days=days)
    elif spec.kind == "new_in_role":
        f = dataclasses.replace(f, new_in_role_days=days)
    elif spec.kind == "company_raised":
        f = dataclasses.replace(f, raised_within_days=days)
    else:
        f = dataclasses.replace(f, hiring_for=(function or "any",))
    if function and spec.kind != "company_hiring":
        f = dataclasses.replace(f, functions=(function,))
    return SearchFilters.from_dict(f.to_dict())


def _company(record: Mapping[str, Any]) -> Mapping[str, Any]:
    company = record.get("company")
    return company if isinstance(company, Mapping) else {}


def _part(record: Mapping[str, Any], path: str) -> Any:
    node: Any = record
    for step in path.split("."):
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node


def signal_reason(kind: str, hit: Hit) -> dict[str, Any] | None:
    """The clue's signal for one result: the fact it rests on, where it is, and when it happened."""
    wanted = CLUE_KINDS[kind]
    signal: FitSignal | None = next((s for s in hit.signals if s.kind == wanted and s.fact_path), None)
    if signal is None or signal.fact_path is None:
        return None
    record, path = hit.record, signal.fact_path
    try:
        if kind == "recent_post":
            post = _part(record, path.rsplit(".", 1)[0])
            text, observed = post.get("text"), post.get("posted_on")
        elif kind == "new_in_role":
            company = record.get("company_name") or _company(record).get("name") or "their company"
            text = f"Started as {record.get('title') or 'their role'} at {company}"
            observed = record.get("role_started_on")
        elif kind == "company_raised":
            milestone = _part(record, path)
            text, observed = milestone.get("text"), milestone.get("happened_on")
        else:
            function = _part(record, path)
            company = _company(record)
            opening = next((h for h in company.get("hiring") or () if h.get("function") == function), {})
            roles = opening.get("open_roles")
            example = f", e.g. {opening['title']!r}" if opening.get("title") else ""
            count = f": {roles} open role{'s' if roles != 1 else ''}" if roles else ""
            text = f"{company.get('name') or 'The company'} is hiring for {FUNCTIONS.get(function, function)}" \
                   f"{count}{example}"
            observed = opening.get("posted_on")
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return None
    if not text:
        return None
    return {"kind": kind, "text": str(text), "observed_on": observed, "fact_path": path, "summary": signal.text}


def fit_reason(hit: Hit) -> dict[str, Any]:
    """Why a search result was chosen (not a hook: no "text", so lead_profile does not read it as one)."""
    return {"kind": "search_fit", "score": hit.score, "fit": [s.text for s in hit.signals]}
