"""What a classified inbound message does to a lead, through the send stage's own reactions.

In classification order: a hard bounce marks the address invalid and suppresses it (email steps stop,
LinkedIn steps go on), a soft or delayed one is only counted; out of office postpones the next step to the
return date (else 7 days); any other auto-reply is only recorded; an opt-out suppresses the lead
workspace-wide; a human reply stops the lead's automation (and colleagues' when the sequence says so).
Reply, bounce and opt-out also queue webhook deliveries, in the same transaction.
"""

from __future__ import annotations

from contextlib import suppress as suppress_error
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import IllegalTransition
from outboard.core.sequence import SendState
from outboard.db.models import InboundMessage, Lead, Message, SenderAccount
from outboard.db.suppressions import suppress
from outboard.db.timeline import record
from outboard.inbox.classify import Classification, Kind
from outboard.inbox.matcher import Located
from outboard.inbox.webhooks_out import enqueue
from outboard.send.email_message import InvalidToken, read_unsubscribe_token
from outboard.send.finalize import BOUNCED, bounce_address, check_bounce_rate
from outboard.send.reactions import postpone_for_absence, record_opt_out, record_reply


@dataclass(frozen=True)
class Outcome:
    state: str  # processed | ignored | failed
    action: str  # what was done, for people and the CLI


def _lead_data(lead: Lead) -> dict[str, Any]:
    return {"id": lead.id, "email": lead.email, "name": lead.full_name, "linkedin_id": lead.linkedin_id}


def _message_data(row: InboundMessage, result: Classification) -> dict[str, Any]:
    return {"id": row.id, "message_id": row.message_id, "channel": row.channel, "subject": result.subject,
            "received_at": row.received_at.isoformat() if row.received_at else None,
            "text": result.new_text[:2000], "kind": result.kind.value,
            "label": result.label.value if result.label else None, "confidence": round(result.confidence, 3),
            "needs_review": result.needs_review}


def _return_moment(lead: Lead, account: SenderAccount | None, result: Classification) -> datetime | None:
    """The morning of the return date, in the lead's timezone (else the account's): the window does the rest."""
    if result.return_date is None:
        return None
    name = lead.timezone or (account.timezone if account else None) or "UTC"
    try:
        zone = ZoneInfo(name)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(result.return_date, time(8, 0), tzinfo=zone)


def apply(session: Session, row: InboundMessage, result: Classification, located: Located | None, *,
          secret_key: str | None, now: datetime) -> Outcome:
    lead = session.get(Lead, located.lead_id) if located else None
    if lead is not None and lead.workspace_id != row.workspace_id:
        lead = None  # never act across workspaces, whatever an id says
    source = f"inbound:{row.id}"
    if result.kind is Kind.UNPARSEABLE:
        return Outcome("failed", "unreadable: kept for a person to look at")
    if result.kind is Kind.OPT_OUT:
        return _opt_out(session, row, result, lead, secret_key, now, source)
    if lead is None:
        return Outcome("ignored", f"{result.kind.value} that matches no lead: nothing to do")
    if result.kind is Kind.BOUNCE:
        return _bounce(session, row, result, lead, located, now)
    if result.kind is Kind.OUT_OF_OFFICE:
        account = session.get(SenderAccount, row.account_id)
        until = _return_moment(lead, account, result)
        postpone_for_absence(session, lead, until, now)
        return Outcome("processed", f"out of office: next step waits until {until.date() if until else '7 days'}")
    if result.kind is Kind.AUTO_REPLY:
        record(session, row.workspace_id, "auto_reply_received", lead_id=lead.id, subject=source,
               reason=result.reasons[0] if result.reasons else "")
        return Outcome("processed", "auto-reply: recorded, nothing stops")
    return _reply(session, row, result, lead, now, source)


def _reply(session: Session, row: InboundMessage, result: Classification, lead: Lead, now: datetime,
           source: str) -> Outcome:
    stopped = record_reply(session, lead, row.channel, now, source=source)
    record(session, row.workspace_id, "reply_labelled", lead_id=lead.id, subject=source,
           label=result.label.value if result.label else None, confidence=round(result.confidence, 3),
           needs_review=result.needs_review, labeller=result.labeller)
    if result.referred_email or result.referred_name:
        record(session, row.workspace_id, "referral", lead_id=lead.id, subject=source,
               email=result.referred_email, name=result.referred_name)
    enqueue(session, row.workspace_id, "reply", {"lead": _lead_data(lead), "message": _message_data(row, result),
                                                 "referral": {"email": result.referred_email,
                                                              "name": result.referred_name}}, now)
    label = result.label.value if result.label else "no label"
    return Outcome("processed", f"reply ({label}): {stopped} enrollment(s) stopped")


def _bounce(session: Session, row: InboundMessage, result: Classification, lead: Lead, located: Located | None,
            now: datetime) -> Outcome:
    source = f"inbound:{row.id}"
    evidence = " ".join(p for p in (result.status or "", result.failed_recipient or "", "(DSN)") if p)
    if result.delayed:
        record(session, row.workspace_id, "bounce_delayed", lead_id=lead.id, subject=source, status=result.status)
        return Outcome("processed", "delayed: the remote server is still trying; nothing to do")
    failed = (result.failed_recipient or "").lower()
    if failed and lead.email and failed != lead.email.lower():
        record(session, row.workspace_id, "bounce_other_address", lead_id=lead.id, subject=source,
               status=result.status)
        return Outcome("processed", f"bounce for {failed}, not the lead's address: recorded only")
    data = {"lead": _lead_data(lead), "message": _message_data(row, result),
            "bounce": {"hard": bool(result.hard), "status": result.status, "recipient": result.failed_recipient}}
    if not result.hard:
        record(session, row.workspace_id, "bounce_soft", lead_id=lead.id, subject=source, status=result.status)
        enqueue(session, row.workspace_id, "bounce", data, now)
        return Outcome("processed", "soft bounce: counted; the send retry policy decides")
    # A lead who replied is not "bounced" (their stage forbids it); the address is still marked and suppressed.
    with suppress_error(IllegalTransition):
        bounce_address(session, lead, evidence)
    message = session.scalar(select(Message).where(Message.workspace_id == row.workspace_id,
                                                   Message.smtp_message_id == located.our_message_id)) \
        if located and located.our_message_id else None
    if message is not None and message.send_state == SendState.SENT.value:
        # Accepted by the relay, then returned: it was not delivered, and it counts in the bounce rate.
        message.send_state, message.last_error = SendState.FAILED.value, (BOUNCED + evidence)[:1000]
        account = session.get(SenderAccount, message.sender_account_id) if message.sender_account_id else None
        if account is not None:
            check_bounce_rate(session, account)
    enqueue(session, row.workspace_id, "bounce", data, now)
    return Outcome("processed", f"hard bounce: {lead.email} marked invalid and suppressed; email steps stop")


def _opt_out(session: Session, row: InboundMessage, result: Classification, lead: Lead | None,
             secret_key: str | None, now: datetime, source: str) -> Outcome:
    addresses = []
    if result.unsubscribe_token and secret_key:
        try:
            claim = read_unsubscribe_token(secret_key, result.unsubscribe_token)
            if claim.workspace_id == str(row.workspace_id):
                addresses.append(claim.address)  # the token names the address, even if the lead is gone
        except InvalidToken:
            pass  # a forged or damaged token names nobody
    if lead is None and result.from_address:
        addresses.append(result.from_address)
    for address in dict.fromkeys(a.lower() for a in addresses if a):
        suppress(session, row.workspace_id, "email", address, "opt_out", note=source)
    if lead is not None:
        record_opt_out(session, lead, source=source)
    elif not addresses:
        return Outcome("ignored", "opt-out request with no address or lead to suppress")
    data = {"lead": _lead_data(lead) if lead else None, "message": _message_data(row, result)}
    enqueue(session, row.workspace_id, "opt_out", data, now)
    who = f"lead {lead.id}" if lead else ", ".join(sorted(set(addresses)))
    return Outcome("processed", f"opt-out: {who} suppressed workspace-wide, every sequence stops")
