"""The usage ledger as a person reads it: credits used by kind, the budget, and what is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import UsageEntry, Workspace
from outboard.db.timeline import record

MAX_BUDGET = 1_000_000_000


@dataclass(frozen=True)
class UsageLine:
    kind: str
    credits: int
    quantity: int
    entries: int


@dataclass(frozen=True)
class Balance:
    used: int
    budget: int | None  # None: no budget set (the self-hosted default)

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else max(self.budget - self.used, 0)

    @property
    def spent(self) -> bool:
        """Provider-backed work pauses when this is true."""
        return self.budget is not None and self.used >= self.budget


def balance(session: Session, workspace_id: int) -> Balance:
    used = session.scalar(select(func.coalesce(func.sum(UsageEntry.credits), 0))
                          .where(UsageEntry.workspace_id == workspace_id))
    budget = session.scalar(select(Workspace.credit_budget).where(Workspace.id == workspace_id))
    return Balance(int(used or 0), budget)


def usage_by_kind(session: Session, workspace_id: int, since: datetime | None = None) -> list[UsageLine]:
    """Credits, quantity and number of ledger entries per kind, largest first."""
    query = (select(UsageEntry.kind, func.sum(UsageEntry.credits), func.sum(UsageEntry.quantity), func.count())
             .where(UsageEntry.workspace_id == workspace_id).group_by(UsageEntry.kind))
    if since is not None:
        query = query.where(UsageEntry.created_at >= since)
    lines = [UsageLine(kind, int(credits or 0), int(quantity or 0), int(count)) for kind, credits, quantity, count
             in session.execute(query)]
    return sorted(lines, key=lambda line: (-line.credits, line.kind))


def parse_budget(text: str) -> int | None:
    """A budget typed into a form: whole credits, or empty for no budget."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned:
        return None
    if not cleaned.isdigit():
        raise ValidationError("budget", "must be a whole number of credits, or empty for no budget", value=text)
    return int(cleaned)


def set_budget(session: Session, workspace_id: int, budget: int | None) -> Workspace:
    if budget is not None and not 0 <= budget <= MAX_BUDGET:
        raise ValidationError("budget", f"must be between 0 and {MAX_BUDGET:,} credits", value=budget)
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise ValidationError("workspace", "does not exist")
    previous, workspace.credit_budget = workspace.credit_budget, budget
    record(session, workspace_id, "budget_changed", subject="workspace", **{"from": previous, "to": budget})
    return workspace
