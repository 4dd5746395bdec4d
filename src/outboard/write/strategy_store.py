"""Strategy profiles stored per workspace, read back as core.writing.StrategyProfile."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.core.writing import StrategyProfile
from outboard.db.models import StrategyProfileRow
from outboard.db.scope import Scope
from outboard.db.timeline import record

_FIELDS = {f.name: f for f in dataclasses.fields(StrategyProfile)}
TONES = ("friendly", "formal", "direct", "casual")


def strategy_from_dict(data: dict[str, Any]) -> StrategyProfile:
    """Check every field by name, so a bad profile says which field is wrong."""
    unknown = set(data) - set(_FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"unknown strategy field; known: {', '.join(_FIELDS)}")
    for required in ("name", "sender_name"):
        if not str(data.get(required, "")).strip():
            raise ValidationError(required, "is required")
    values = dict(data)
    for name in ("proof", "banned_phrases"):
        if name in values:
            items = values[name]
            if isinstance(items, str) or not all(isinstance(i, str) for i in items):
                raise ValidationError(name, "must be a list of texts", value=items)
            values[name] = tuple(items)
    for name in ("max_email_words", "max_subject_chars", "linkedin_note_limit"):
        if name in values and (not isinstance(values[name], int) or values[name] <= 0):
            raise ValidationError(name, "must be a positive whole number", value=values[name])
    if values.get("tone", "friendly") not in TONES:
        raise ValidationError("tone", f"must be one of {', '.join(TONES)}", value=values.get("tone"))
    return StrategyProfile(**values)


def strategy_to_dict(profile: StrategyProfile) -> dict[str, Any]:
    data = dataclasses.asdict(profile)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def save_strategy(session: Session, workspace_id: int, data: dict[str, Any]) -> StrategyProfileRow:
    profile = strategy_from_dict(data)
    row = Scope(session, workspace_id).add(StrategyProfileRow(name=profile.name, data=strategy_to_dict(profile)))
    session.flush()
    record(session, workspace_id, "strategy_profile_saved", subject=f"strategy:{row.id}", name=profile.name)
    return row


def load_strategy(row: StrategyProfileRow) -> StrategyProfile:
    return strategy_from_dict(row.data)
