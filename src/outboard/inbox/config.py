"""What the classifier needs to know about a workspace, and which labeller reads its replies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.db.models import SenderAccount
from outboard.inbox.classify import ClassifierSettings
from outboard.inbox.labels import ReplyLabeller, RuleLabeller
from outboard.inbox.optout import OptOutConfig
from outboard.settings import Settings


def classifier_settings(session: Session, workspace_id: int) -> ClassifierSettings:
    """Our own addresses (never a referral) and the domains our unsubscribe alias lives on."""
    addresses = frozenset(a.lower() for a in session.scalars(select(SenderAccount.address).where(
        SenderAccount.workspace_id == workspace_id, SenderAccount.kind == "email")))
    domains = frozenset(a.rpartition("@")[2] for a in addresses)
    return ClassifierSettings(optout=OptOutConfig(alias_domains=domains or None), our_addresses=addresses)


def labeller_for(settings: Settings) -> ReplyLabeller:
    """The model when an OpenAI-compatible endpoint is configured, the rules otherwise."""
    if settings.llm_base_url:
        from outboard.inbox.llm_labeller import LlmLabeller

        return LlmLabeller.from_settings(settings)
    return RuleLabeller()
