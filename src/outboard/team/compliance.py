"""Settings → Compliance: the blocklist (emails and whole domains), the email footer and the primary domain.

Entries are kept hashed (see core.suppression_keys); the note defaults to a masked hint ("an***@acme.com")
so an admin can recognise an entry without the list keeping the address.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import tuple_
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.core.suppression_keys import (
    InvalidSuppressionValue,
    SuppressionKind,
    guess_kind,
    keys_for_address,
    mask,
    normalise,
    normalise_domain,
)
from outboard.core.suppression_keys import suppression_hash as hash_of
from outboard.db.models import Suppression, Workspace
from outboard.db.scope import Scope
from outboard.db.suppressions import suppress
from outboard.db.timeline import record

BLOCKLIST_KINDS = (SuppressionKind.EMAIL, SuppressionKind.DOMAIN)
# Entries a person may take off the list. An opt-out, a complaint or an erasure is the recipient's
# decision, not ours: they stay.
REMOVABLE_REASONS = ("blocklist", "hard_bounce")
DEFAULT_OPT_OUT = "If you would rather not hear from me again, reply \"stop\" or unsubscribe here:"


def add_to_blocklist(session: Session, workspace_id: int, value: str, note: str = "",
                     kind: str | None = None) -> tuple[Suppression, bool]:
    """Block an address or a whole domain (kind guessed from the value when not given); returns the entry
    and whether it is new."""
    if not value.strip():
        raise ValidationError("value", "enter an email address or a domain, such as example.com")
    try:
        chosen = SuppressionKind(kind) if kind else guess_kind(value)
    except ValueError:
        raise ValidationError("kind", "must be email or domain", value=kind) from None
    if chosen not in BLOCKLIST_KINDS:
        raise ValidationError("kind", "the blocklist takes email addresses and domains", value=kind)
    try:
        normalised = normalise(chosen, value)
    except InvalidSuppressionValue as exc:
        raise ValidationError("value", str(exc)) from None
    note = " ".join(note.split())
    if len(note) > 300:
        raise ValidationError("note", "must be at most 300 characters")
    created = suppress(session, workspace_id, chosen.value, normalised, "blocklist",
                       note or mask(chosen, normalised))
    entry = session.scalars(Scope(session, workspace_id).select(Suppression).where(
        Suppression.kind == chosen.value, Suppression.value_hash == hash_of(chosen, normalised))).one()
    return entry, created


def list_suppressions(session: Session, workspace_id: int, reason: str | None = None,
                      limit: int = 500) -> list[Suppression]:
    query = Scope(session, workspace_id).select(Suppression).order_by(Suppression.id.desc()).limit(limit)
    if reason is not None:
        query = query.where(Suppression.reason == reason)
    return list(session.scalars(query))


def remove_suppression(session: Session, workspace_id: int, suppression_id: int) -> None:
    entry = Scope(session, workspace_id).get(Suppression, suppression_id, "suppression")
    if entry.reason not in REMOVABLE_REASONS:
        raise ValidationError("reason", f"a {entry.reason.replace('_', '-')} entry cannot be removed: "
                                        "the person asked not to be contacted")
    session.delete(entry)
    record(session, workspace_id, "suppression_removed", kind=entry.kind, reason=entry.reason)


def find_entry(session: Session, workspace_id: int, value: str) -> Suppression | None:
    """The entry that blocks this address (itself or its domain) or this domain, if any."""
    try:
        kind = guess_kind(value)
        keys = keys_for_address(value) if kind is SuppressionKind.EMAIL else [(kind, hash_of(kind, value))]
    except InvalidSuppressionValue as exc:
        raise ValidationError("value", str(exc)) from None
    return session.scalars(Scope(session, workspace_id).select(Suppression).where(
        tuple_(Suppression.kind, Suppression.value_hash).in_([(k.value, h) for k, h in keys]))
        .order_by(Suppression.id)).first()


@dataclass(frozen=True)
class FooterSettings:
    """Stored in workspace.preferences["postal_address"] and ["opt_out_sentence"], where the send engine
    reads them (send.outgoing, send.launch); the names are those of send.email_message.Footer."""

    postal_address: str = ""
    opt_out_sentence: str = DEFAULT_OPT_OUT
    saved: bool = False  # both parts are stored (the default sentence above is only a suggestion)


def footer_of(workspace: Workspace) -> FooterSettings:
    prefs = workspace.preferences or {}
    address, sentence = str(prefs.get("postal_address") or ""), str(prefs.get("opt_out_sentence") or "")
    return FooterSettings(address, sentence or DEFAULT_OPT_OUT, bool(address.strip() and sentence.strip()))


def set_footer(session: Session, workspace_id: int, postal_address: str, opt_out_sentence: str) -> FooterSettings:
    address = "\n".join(line.strip() for line in postal_address.strip().splitlines() if line.strip())
    sentence = " ".join(opt_out_sentence.split())
    if not address:
        raise ValidationError("postal_address", "every email must carry a postal address (CAN-SPAM)")
    if len(address) > 500:
        raise ValidationError("postal_address", "must be at most 500 characters")
    if not sentence:
        raise ValidationError("opt_out_sentence", "every email must say how to opt out (GDPR Art. 21)")
    if len(sentence) > 300:
        raise ValidationError("opt_out_sentence", "must be at most 300 characters")
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise ValidationError("workspace", "does not exist")
    # A new dict: SQLAlchemy sees the change only when the JSON value is replaced.
    workspace.preferences = {**(workspace.preferences or {}), "postal_address": address, "opt_out_sentence": sentence}
    record(session, workspace_id, "footer_changed", subject="workspace")
    return FooterSettings(address, sentence, True)


def primary_domain_of(workspace: Workspace) -> str:
    """The company's main domain, stored in workspace.preferences["primary_domain"]: readiness warns when a
    sequence sends from a mailbox on it (send.launch). Empty when not set."""
    return str((workspace.preferences or {}).get("primary_domain") or "")


def set_primary_domain(session: Session, workspace_id: int, value: str | None) -> str:
    """Set (normalised: lower case, no www., a pasted URL reduced to its host) or clear (empty) the primary
    domain; returns what is stored."""
    text = (value or "").strip()
    try:
        domain = normalise_domain(text) if text else ""
    except InvalidSuppressionValue as exc:
        raise ValidationError("primary_domain", str(exc)) from None
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise ValidationError("workspace", "does not exist")
    preferences = {k: v for k, v in (workspace.preferences or {}).items() if k != "primary_domain"}
    workspace.preferences = {**preferences, "primary_domain": domain} if domain else preferences
    record(session, workspace_id, "primary_domain_changed", subject="workspace", domain=domain or None)
    return domain
