"""Reconciling uncertain sends by looking for them in the account's Sent folder.

A send whose outcome is unknown (the connection died after DATA, or a worker died between `sending` and
the result) is never sent again blindly (rule 1). Most providers file what went out through SMTP in Sent:
found there by its Message-ID → it was sent, the message is finalised and the enrollment moves on; not
found after the grace period → it stays flagged for a person, once, with an alert.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from outboard.core.sequence import Channel, SendState
from outboard.db.models import Enrollment, Message, SenderAccount
from outboard.db.timeline import record
from outboard.inbox.mailbox import connect, disconnect, find_sent_folder, has_imap, imap_settings
from outboard.runtime import Runtime
from outboard.send.claim import LEASE
from outboard.send.in_doubt import record_found_sent

log = logging.getLogger(__name__)
GRACE = timedelta(hours=24)  # Sent folders fill within seconds; a day covers slow server-side filing
NOT_FOUND = "not found in the Sent folder"


@dataclass
class ReconcileResult:
    account_id: int
    checked: int = 0
    found: int = 0
    flagged: int = 0
    sent_folder: str | None = None
    problems: list[str] = field(default_factory=list)


def uncertain_sends(session: Session, account_id: int, now: datetime) -> list[tuple[int, str]]:
    """(message id, our Message-ID) of sends in doubt: `reconcile`, or `sending` for longer than a lease."""
    rows = session.execute(select(Message.id, Message.smtp_message_id).where(
        Message.sender_account_id == account_id, Message.channel == Channel.EMAIL.value,
        Message.smtp_message_id.is_not(None),
        or_(Message.send_state == SendState.RECONCILE.value,
            and_(Message.send_state == SendState.SENDING.value, Message.sending_at < now - LEASE)))
        .order_by(Message.id)).all()
    return [(row.id, row.smtp_message_id) for row in rows]


def reconcile_account(rt: Runtime, account_id: int, *, grace: timedelta = GRACE) -> ReconcileResult:
    result = ReconcileResult(account_id)
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, account_id)
        if account is None or not has_imap(account):
            return result
        todo = uncertain_sends(session, account_id, rt.clock.now())
        settings = imap_settings(account, rt.secrets)
    if not todo:
        return result
    client = connect(settings)
    try:
        folder = find_sent_folder(client, settings)
        result.sent_folder = folder
        if folder is None:
            result.problems.append("no Sent folder found: set one in the account's IMAP settings")
        else:
            client.select_folder(folder, readonly=True)
        for message_id, smtp_id in todo:
            result.checked += 1
            uids = client.search(["HEADER", "Message-ID", smtp_id]) if folder else []
            with rt.db.transaction() as session:
                if uids:
                    result.found += _mark_sent(session, message_id, f"imap-sent:{folder}:{uids[0]}", rt.clock.now())
                else:
                    result.flagged += _flag(session, message_id, rt.clock.now(), grace)
    finally:
        disconnect(client)
    return result


def _mark_sent(session: Session, message_id: int, provider_id: str, now: datetime) -> int:
    message = session.get(Message, message_id, with_for_update=True)
    if message is None or message.send_state not in (SendState.RECONCILE.value, SendState.SENDING.value):
        return 0
    enrollment = session.get(Enrollment, message.enrollment_id)
    assert enrollment is not None and message.sender_account_id is not None
    record(session, message.workspace_id, "send_reconciled", lead_id=enrollment.lead_id,
           subject=f"message:{message.id}", found_in=provider_id)
    record_found_sent(session, message, enrollment, provider_id, now)
    return 1


def _flag(session: Session, message_id: int, now: datetime, grace: timedelta) -> int:
    message = session.get(Message, message_id)
    if message is None or message.send_state != SendState.RECONCILE.value:
        return 0
    if (message.last_error or "").startswith(NOT_FOUND):
        return 0  # flagged already
    if message.sending_at is not None and now - message.sending_at < grace:
        return 0  # give the provider time to file it
    message.last_error = f"{NOT_FOUND} after {int(grace.total_seconds() // 3600)} h: a person decides " \
                         "(it is never re-sent automatically)"
    enrollment = session.get(Enrollment, message.enrollment_id)
    record(session, message.workspace_id, "alert", lead_id=enrollment.lead_id if enrollment else None,
           subject=f"message:{message.id}",
           text="a send could not be confirmed: check the mailbox's Sent folder and decide in the inbox")
    return 1
