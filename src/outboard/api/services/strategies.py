"""Strategy profiles as Settings → Strategy profiles and the API change them: a profile's name is unique
in the workspace, and an edit replaces the profile's fields (write.strategy_store checks each field).

`update_strategy` belongs in write.strategy_store beside `save_strategy`; it lives here until it moves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import StrategyProfileRow
from outboard.db.scope import Scope
from outboard.db.timeline import record
from outboard.write.strategy_store import save_strategy, strategy_from_dict, strategy_to_dict

NAME_MAX = 200


def _check_name(session: Session, workspace_id: int, name: str, own_id: int | None) -> None:
    if len(name) > NAME_MAX:
        raise ValidationError("name", f"must be at most {NAME_MAX} characters")
    clash = session.scalar(select(StrategyProfileRow.id).where(StrategyProfileRow.workspace_id == workspace_id,
                                                               StrategyProfileRow.name == name))
    if clash is not None and clash != own_id:
        raise ValidationError("name", "another strategy profile has this name")


def create_strategy(session: Session, workspace_id: int, data: dict[str, Any]) -> StrategyProfileRow:
    profile = strategy_from_dict(data)
    _check_name(session, workspace_id, profile.name, None)
    return save_strategy(session, workspace_id, strategy_to_dict(profile))


def update_strategy(session: Session, workspace_id: int, strategy_id: int,
                    data: dict[str, Any]) -> StrategyProfileRow:
    """Replace every field. Messages already written keep their text; new ones follow the new profile."""
    row = Scope(session, workspace_id).get(StrategyProfileRow, strategy_id, "strategy profile")
    profile = strategy_from_dict(data)
    _check_name(session, workspace_id, profile.name, row.id)
    row.name, row.data = profile.name, strategy_to_dict(profile)
    session.flush()
    record(session, workspace_id, "strategy_profile_saved", subject=f"strategy:{row.id}", name=profile.name)
    return row
