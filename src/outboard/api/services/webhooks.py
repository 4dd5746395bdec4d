"""Webhook settings from the pages and the API beyond the outgoing endpoints themselves
(inbox.webhooks_out): the LinkedIn accounts whose API provider posts webhooks to us, and the secret it
signs them with (inbox.linkedin_events)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.inbox.linkedin_events import set_webhook_secret
from outboard.secrets import SecretBox


@dataclass(frozen=True)
class IncomingAccount:
    id: int
    name: str
    has_secret: bool


def linkedin_api_accounts(session: Session, workspace_id: int) -> list[IncomingAccount]:
    """LinkedIn accounts connected through an API provider: each receives the provider's webhooks."""
    rows = session.scalars(select(SenderAccount).where(SenderAccount.workspace_id == workspace_id,
                                                       SenderAccount.kind == "linkedin").order_by(SenderAccount.id))
    return [IncomingAccount(a.id, a.name, "webhook_secret" in (a.secrets or {})) for a in rows
            if (a.connection or {}).get("provider") == "api"]


def new_linkedin_secret(session: Session, workspace_id: int, box: SecretBox, account_id: int) -> str:
    """A new shared secret for the provider's webhooks to this account; returned in clear, once."""
    account = Scope(session, workspace_id).get(SenderAccount, account_id, "sender account")
    return set_webhook_secret(session, account, box)
