"""What goes on the wire for a claimed step: the complete email (footer, one-click unsubscribe, thread)
or the LinkedIn text. Built inside the claim so our Message-ID is recorded before the send."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import OutboardError
from outboard.core.sequence import Channel, SendState
from outboard.db.models import Enrollment, Lead, Message, SenderAccount, Sequence, Step, StrategyProfileRow, Workspace
from outboard.secrets import SecretBox
from outboard.send.accounts import dkim_key
from outboard.send.email_message import DkimKey, Footer, Thread, Unsubscribe, build_email
from outboard.write.strategy_store import load_strategy


class PayloadBuilder:
    """Callable handed to `claim`: needs the unsubscribe secret and the public base URL of the web app."""

    def __init__(self, secret: str, public_url: str, now_fn: Any, box: SecretBox | None = None):
        self.secret, self.public_url, self.now_fn, self.box = secret, public_url.rstrip("/"), now_fn, box
        self._footers: dict[int, tuple[str, Footer]] = {}  # per sequence, for one tick
        self._dkim: dict[int, DkimKey | None] = {}  # per account, for one tick

    def _dkim_key(self, account: SenderAccount) -> DkimKey | None:
        """The account's DKIM key (opened once per tick), when it has one and secrets can be opened."""
        if account.id not in self._dkim:
            self._dkim[account.id] = dkim_key(account, self.box) if self.box is not None else None
        return self._dkim[account.id]

    def _sender_and_footer(self, session: Session, sequence: Sequence) -> tuple[str, Footer]:
        if sequence.id not in self._footers:
            strategy_row = session.get(StrategyProfileRow, sequence.strategy_profile_id)
            workspace = session.get(Workspace, sequence.workspace_id)
            assert strategy_row is not None and workspace is not None
            strategy = load_strategy(strategy_row)
            prefs = workspace.preferences or {}
            footer = Footer(postal_address=strategy.postal_address or prefs.get("postal_address", ""),
                            opt_out_sentence=prefs.get("opt_out_sentence") or strategy.opt_out_sentence)
            self._footers[sequence.id] = (strategy.sender_name, footer)
        return self._footers[sequence.id]

    def __call__(self, session: Session, enrollment: Enrollment, step: Step, message: Message, lead: Lead,
                 account: SenderAccount, sequence: Sequence) -> dict[str, Any]:
        if Channel(step.channel) is not Channel.EMAIL:
            return {"text": message.body, "linkedin_id": lead.linkedin_id}
        assert lead.email
        sender_name, footer = self._sender_and_footer(session, sequence)
        unsubscribe = Unsubscribe.issue(self.secret, enrollment.workspace_id, enrollment.id, lead.email,
                                        f"{self.public_url}/u", account.address.rpartition("@")[2])
        email = build_email(
            sender_name=account.connection.get("from_name") or sender_name,
            sender_address=account.address, to_address=lead.email, to_name=lead.full_name,
            subject=message.subject or "", body=message.body, now=self.now_fn(), footer=footer,
            unsubscribe=unsubscribe, thread=_thread(session, enrollment, step), dkim_key=self._dkim_key(account),
        )
        return {"message_id": email.message_id, "email": email}


def _thread(session: Session, enrollment: Enrollment, step: Step) -> Thread | None:
    """Earlier emails of this enrollment that went out: follow-ups reply in their thread."""
    if step.position == 1:
        return None  # nothing can have gone out before the first step
    earlier = session.execute(select(Message.subject, Message.smtp_message_id).where(
        Message.enrollment_id == enrollment.id, Message.channel == Channel.EMAIL.value,
        Message.send_state == SendState.SENT.value).order_by(Message.sent_at)).all()
    if not earlier:
        return None
    first_subject = earlier[0].subject
    if not first_subject:
        raise OutboardError(f"enrollment {enrollment.id}: the first email of the thread has no subject")
    return Thread(first_subject, tuple(m.smtp_message_id for m in earlier if m.smtp_message_id))
