"""One-click unsubscribe links: reading them (tokens made by `send.email_message.make_unsubscribe_token`
with the configured secret key, as send.scheduler and inbox.manual do) and applying them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from outboard.core.errors import ConfigError
from outboard.core.suppression_keys import InvalidSuppressionValue, SuppressionKind, mask, normalise
from outboard.db.models import Enrollment, Lead, Workspace
from outboard.db.scope import Scope
from outboard.db.suppressions import suppress
from outboard.send.email_message import InvalidToken, UnsubscribeClaim, read_unsubscribe_token
from outboard.send.reactions import record_opt_out
from outboard.settings import Settings

SOURCE = "unsubscribe_link"


def unsubscribe_secret(settings: Settings) -> str:
    """The key unsubscribe tokens are signed with: OUTBOARD_SECRET_KEY (the HMAC input carries its own
    context string, so it cannot be confused with another use of the key)."""
    if not settings.secret_key:
        raise ConfigError("OUTBOARD_SECRET_KEY is missing: unsubscribe links cannot be checked")
    return settings.secret_key


def read_token(settings: Settings, token: str) -> UnsubscribeClaim | None:
    """The claim in a link, or None when the link is damaged or was not made by us."""
    if len(token) > 1000:
        return None
    try:
        claim = read_unsubscribe_token(unsubscribe_secret(settings), token)
    except InvalidToken:
        return None
    return claim if claim.workspace_id.isdigit() else None


def _lead_of(session: Session, workspace_id: int, claim: UnsubscribeClaim, address: str) -> Lead | None:
    """The person the link was sent to: by its enrollment, else by the address (the lead may be gone)."""
    scope = Scope(session, workspace_id)
    if claim.enrollment_id.isdigit():
        enrollment = session.scalars(scope.select(Enrollment).where(Enrollment.id == int(claim.enrollment_id))).first()
        if enrollment is not None:
            return session.get(Lead, enrollment.lead_id)
    return session.scalars(scope.select(Lead).where(Lead.email_key == address)).first()


def apply_unsubscribe(session: Session, claim: UnsubscribeClaim) -> None:
    """The recipient asked not to be contacted again: the address is suppressed workspace-wide even if the
    lead was deleted, and the lead is stopped in every sequence (send.reactions.record_opt_out). Idempotent."""
    workspace_id = int(claim.workspace_id)
    if session.get(Workspace, workspace_id) is None:
        return
    try:
        address = normalise(SuppressionKind.EMAIL, claim.address)
    except InvalidSuppressionValue:
        return
    suppress(session, workspace_id, SuppressionKind.EMAIL.value, address, "opt_out",
             f"{SOURCE}: {mask(SuppressionKind.EMAIL, address)}")
    lead = _lead_of(session, workspace_id, claim, address)
    if lead is not None:
        record_opt_out(session, lead, source=SOURCE)
