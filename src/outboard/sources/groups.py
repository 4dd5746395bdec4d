"""Source groups that imports and manual leads land in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, ValidationError
from outboard.db.models import SourceGroup
from outboard.db.timeline import record

MANUAL_GROUP = "Manual leads"
_WRITABLE = ("import", "manual")


def find_group(session: Session, workspace_id: int, name: str) -> SourceGroup:
    group = session.scalar(select(SourceGroup).where(SourceGroup.workspace_id == workspace_id,
                                                     SourceGroup.name == name.strip()))
    if group is None:
        raise NotFound(f"source group {name.strip()!r} not found")
    return group


def group_for(session: Session, workspace_id: int, name: str, kind: str) -> SourceGroup:
    """The named group (created with `kind` when new). Imports and manual leads may share a group; the
    groups of saved searches and clues are theirs alone."""
    name = " ".join(name.split())[:200]
    if not name:
        raise ValidationError("group", "a source group needs a name")
    group = session.scalar(select(SourceGroup).where(SourceGroup.workspace_id == workspace_id,
                                                     SourceGroup.name == name))
    if group is None:
        try:
            with session.begin_nested():  # another import may create it at the same moment
                group = SourceGroup(workspace_id=workspace_id, name=name, kind=kind, query={})
                session.add(group)
                session.flush()
        except IntegrityError:
            return group_for(session, workspace_id, name, kind)
        record(session, workspace_id, "source_group_created", subject=f"source_group:{group.id}", kind=kind)
    elif group.kind not in _WRITABLE:
        raise ValidationError("group", f"{name!r} is the source group of a saved {group.kind}; choose another name")
    return group
