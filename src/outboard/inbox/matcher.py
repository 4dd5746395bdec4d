"""The database Matcher: which of our conversations, enrollment and lead an inbound message belongs to.

In order: the ids the message names (the original Message-ID a bounce returns, In-Reply-To, then
References from the newest) against what we sent and what we stored; then the sender (or, for a bounce,
the failed recipient) against the leads we wrote to, for clients that drop threading headers; then the
unsubscribe token of mail sent to our alias. The same code decides, at sync time, whether a message is
ours to keep at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.sequence import Channel, SendState
from outboard.db.models import Enrollment, InboundMessage, Lead, Message, SenderAccount
from outboard.inbox.classify import Classification, Kind
from outboard.inbox.parse import ParsedMail, normalize_message_id
from outboard.inbox.threading import ThreadMatch
from outboard.send.email_message import InvalidToken, read_unsubscribe_token

# Sends that may have reached the lead: a reply can follow any of them.
WRITTEN = (SendState.SENT.value, SendState.SENDING.value, SendState.RECONCILE.value)


@dataclass(frozen=True)
class Located:
    lead_id: int
    enrollment_id: int | None
    our_message_id: str | None  # the Message-ID of ours it answers (or that bounced)
    root: str | None  # the conversation: our first email of the thread, or "linkedin:<member>"
    via: str
    account_id: int | None = None  # the account our message went out through

    def thread(self) -> ThreadMatch:
        return ThreadMatch(self.root, self.our_message_id, self.via, str(self.lead_id))


def named_ids(mail: ParsedMail, classification: Classification | None) -> list[tuple[str, str]]:
    """(how, id) for every id the message names, most specific first."""
    pairs: list[tuple[str, str | None]] = []
    if classification is not None and classification.original_message_id:
        pairs.append(("returned message", classification.original_message_id))
    pairs.append(("in-reply-to", mail.in_reply_to))
    pairs += [("references", r) for r in reversed(mail.references)]
    seen: dict[str, str] = {}
    for via, value in pairs:
        mid = normalize_message_id(value)
        if mid and mid not in seen:
            seen[mid] = via
    return [(via, mid) for mid, via in seen.items()]


def thread_root(session: Session, enrollment_id: int) -> str | None:
    """Our first email to this enrollment: every follow-up and reply threads under it."""
    return session.scalar(select(Message.smtp_message_id).where(
        Message.enrollment_id == enrollment_id, Message.channel == Channel.EMAIL.value,
        Message.smtp_message_id.is_not(None)).order_by(Message.sending_at, Message.id).limit(1))


def lead_by_email(session: Session, workspace_id: int, address: str) -> Lead | None:
    address = address.strip().lower()
    if not address:
        return None
    lead = session.scalars(select(Lead).where(Lead.workspace_id == workspace_id, Lead.email_key == address)
                           .limit(1)).first()
    if lead is None:  # leads written without a key (older imports, tests): compare the address itself
        lead = session.scalars(select(Lead).where(Lead.workspace_id == workspace_id,
                                                  func.lower(Lead.email) == address).order_by(Lead.id)
                               .limit(1)).first()
    return lead


class DbMatcher:
    """A `threading.Matcher` over stored messages; `locate` also names the enrollment."""

    def __init__(self, session: Session, workspace_id: int, *, secret_key: str | None = None,
                 account_id: int | None = None):
        self.session, self.workspace_id, self.secret_key = session, workspace_id, secret_key
        self.account_id = account_id

    def close(self) -> None:
        """Close the session (for a matcher that was handed one to own, as the CLI does)."""
        self.session.close()

    def match(self, mail: ParsedMail, classification: Classification) -> ThreadMatch | None:
        found = self.locate(mail, classification)
        return found.thread() if found else None

    def locate(self, mail: ParsedMail, classification: Classification | None) -> Located | None:
        ids = named_ids(mail, classification)
        found = self._by_ids(ids) if ids else None
        if found is None and classification is not None:
            found = self._by_address(mail, classification)
        if found is None and classification is not None and classification.unsubscribe_token:
            found = self._by_token(classification.unsubscribe_token)
        return found

    def _accounts(self) -> list[int]:
        if self.account_id is not None:
            return [self.account_id]
        return list(self.session.scalars(select(SenderAccount.id).where(
            SenderAccount.workspace_id == self.workspace_id)))

    def _by_ids(self, named: list[tuple[str, str]]) -> Located | None:
        ids = [mid for _via, mid in named]
        ours = {row.smtp_message_id: row for row in self.session.execute(
            select(Message.smtp_message_id, Message.enrollment_id, Message.sender_account_id, Enrollment.lead_id)
            .join(Enrollment, Enrollment.id == Message.enrollment_id)
            .where(Message.workspace_id == self.workspace_id, Message.smtp_message_id.in_(ids)))}
        # Stored messages of the conversation: our replies by hand, their earlier replies (a reply to a
        # reply may name only those).
        stored = {row.message_id: row for row in self.session.execute(
            select(InboundMessage.message_id, InboundMessage.enrollment_id, InboundMessage.lead_id,
                   InboundMessage.thread_key, InboundMessage.account_id)
            .where(InboundMessage.account_id.in_(self._accounts()), InboundMessage.message_id.in_(ids),
                   InboundMessage.lead_id.is_not(None)))}
        for via, mid in named:
            if mid in ours:
                row = ours[mid]
                return Located(row.lead_id, row.enrollment_id, mid, thread_root(self.session, row.enrollment_id),
                               via, row.sender_account_id)
            if mid in stored:
                row = stored[mid]
                return Located(row.lead_id, row.enrollment_id, None, row.thread_key, via, row.account_id)
        return None

    def _by_address(self, mail: ParsedMail, classification: Classification) -> Located | None:
        if classification.kind is Kind.BOUNCE:
            candidates, via = [classification.failed_recipient or ""], "failed recipient"
        else:
            candidates, via = [mail.from_address] + [a.email for a in mail.reply_to], "sender"
        for address in dict.fromkeys(a for a in candidates if a):
            lead = lead_by_email(self.session, self.workspace_id, address)
            if lead is None:
                continue
            row = self.session.execute(
                select(Message.smtp_message_id, Message.enrollment_id, Message.sender_account_id)
                .join(Enrollment, Enrollment.id == Message.enrollment_id)
                .where(Enrollment.lead_id == lead.id, Message.channel == Channel.EMAIL.value,
                       Message.send_state.in_(WRITTEN))
                .order_by(Message.sending_at.desc(), Message.id.desc()).limit(1)).first()
            if row is not None:  # only an address we wrote to: anyone else's mail is not ours to read
                return Located(lead.id, row.enrollment_id, row.smtp_message_id,
                               thread_root(self.session, row.enrollment_id), via, row.sender_account_id)
        return None

    def _by_token(self, token: str) -> Located | None:
        if not self.secret_key:
            return None
        try:
            claim = read_unsubscribe_token(self.secret_key, token)
        except InvalidToken:
            return None
        if claim.workspace_id != str(self.workspace_id) or not claim.enrollment_id.isdigit():
            return None
        enrollment = self.session.get(Enrollment, int(claim.enrollment_id))
        if enrollment is None or enrollment.workspace_id != self.workspace_id:
            return None
        return Located(enrollment.lead_id, enrollment.id, None, thread_root(self.session, enrollment.id),
                       "unsubscribe token", enrollment.email_account_id)
