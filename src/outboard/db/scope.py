"""Workspace-scoped access: every read starts here, so no query can see another workspace's rows."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound

M = TypeVar("M")


class Scope:
    def __init__(self, session: Session, workspace_id: int):
        self.session = session
        self.workspace_id = workspace_id

    def select(self, model: type[M], *extra: Any) -> Select[tuple[M]]:
        """`SELECT model WHERE workspace_id = ours`; models without a workspace column are refused."""
        column = getattr(model, "workspace_id", None)
        if column is None:
            raise TypeError(f"{model.__name__} has no workspace_id: reach it through its parent")
        return select(model, *extra).where(column == self.workspace_id)

    def get(self, model: type[M], object_id: int, what: str | None = None) -> M:
        """The object with this id in our workspace, or NotFound (never says it exists elsewhere)."""
        row = self.session.scalars(self.select(model).where(model.id == object_id)).one_or_none()  # type: ignore[attr-defined]
        if row is None:
            raise NotFound(f"{what or model.__name__.lower()} {object_id} not found")
        return row

    def add(self, obj: M) -> M:
        obj.workspace_id = self.workspace_id  # type: ignore[attr-defined]
        self.session.add(obj)
        return obj
