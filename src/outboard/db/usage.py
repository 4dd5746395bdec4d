"""The usage ledger: every provider-backed operation charged once, on success, against the budget."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.errors import OutboardError
from outboard.db.models import UsageEntry, Workspace

# Plera's price list (DESIGN.md); launch is free.
PRICES = {"preview": 2, "search_result": 4, "clue_result": 4, "email_found": 6, "field_enriched": 3,
          "message_generated": 2, "send": 2}


class BudgetSpent(OutboardError):
    """Provider-backed work pauses when the workspace's credit budget is spent."""


def spent(session: Session, workspace_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(UsageEntry.credits), 0))
                          .where(UsageEntry.workspace_id == workspace_id)) or 0


def remaining(session: Session, workspace_id: int) -> int | None:
    budget = session.scalar(select(Workspace.credit_budget).where(Workspace.id == workspace_id))
    return None if budget is None else budget - spent(session, workspace_id)


def ensure_budget(session: Session, workspace_id: int, credits: int) -> None:
    left = remaining(session, workspace_id)
    if left is not None and left < credits:
        raise BudgetSpent(f"the workspace's credit budget is spent ({left} left, {credits} needed); "
                          "raise it in Settings → Usage")


def charge(session: Session, workspace_id: int, kind: str, ref: str, quantity: int = 1,
           tokens_in: int = 0, tokens_out: int = 0, *, known_new: bool = False) -> bool:
    """Record a successful operation; `ref` makes it idempotent (a retried job is not charged twice; the
    database's unique (workspace, ref) backs this). `known_new` skips the lookup for callers whose own
    state machine already guarantees a first charge. Returns whether it was charged now."""
    if not known_new:
        exists = session.scalar(select(UsageEntry.id).where(UsageEntry.workspace_id == workspace_id,
                                                           UsageEntry.ref == ref))
        if exists is not None:
            return False
    session.add(UsageEntry(workspace_id=workspace_id, kind=kind, credits=PRICES[kind] * quantity, quantity=quantity,
                           ref=ref, tokens_in=tokens_in, tokens_out=tokens_out))
    return True
