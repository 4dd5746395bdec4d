"""The prospects of the demo: people who read what the scheduler sent and answer the way real people do.

They act only through the outside world, never through Outboard's database: a reply, an out-of-office
note or a bounce from their mail server arrives in the sender's IMAP mailbox; on LinkedIn, the person
working the manual tasks reports an accepted invite. Who does what is fixed by a hash of the address,
so every demo run tells the same story.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from outboard.demo.world import SENDER_ADDRESS, DemoWorld

REPLIES = {
    "interested": "Hi Sam,\n\nThanks for reaching out, this is timely. Could we do a short call on Thursday "
                  "afternoon?\n\nBest,\n{first}",
    "not_now": "Hi Sam,\n\nThanks, but we are not looking at this right now. Maybe next quarter.\n\n{first}",
    "unthreaded": "Hello Sam,\n\nI saw your note earlier but lost the thread. Happy to hear more about the "
                  "pipeline audit, what would it involve?\n\n{first}",
    "opt_out": "Please remove me from your list and do not contact me again.\n\n{first}",
}


def _bucket(address: str) -> int:
    return int(hashlib.sha256(address.encode()).hexdigest(), 16) % 100


# What the people who get our first email do, in the order their mail arrives: most do nothing, as in
# life; among the others every kind of answer the inbox must tell apart shows up at least once.
SCRIPT = ("interested", "bounced", "out_of_office", None, "unthreaded", "opt_out", None, "not_now", None,
          "interested", None, None, "out_of_office", None, "interested", None)


def accepts_invite(linkedin_id: str) -> bool:
    return _bucket(linkedin_id) < 65


@dataclass
class Prospects:
    world: DemoWorld
    pending: list[tuple[datetime, bytes]] = field(default_factory=list)
    seen: int = 0
    met: int = 0
    quiet: set[str] = field(default_factory=set)
    done: dict[str, str] = field(default_factory=dict)  # address → what happened (for the report)

    def read_new_mail(self, now: datetime) -> None:
        """Look at what the relay delivered since last time and plan each new recipient's answer."""
        assert self.world.relay is not None
        messages = self.world.relay.messages[self.seen:]
        self.seen += len(messages)
        for received in messages:
            mail = received.message
            to = received.rcpt_tos[0].lower()
            if to in self.done or to in self.quiet:
                continue
            reaction = SCRIPT[self.met % len(SCRIPT)]
            self.met += 1
            if reaction is None:
                self.quiet.add(to)
                continue
            self.done[to] = reaction
            if reaction == "bounced":  # the person left; their mailbox was deleted after we verified it
                self.pending.append((now + timedelta(minutes=20), self._bounce(to, mail, now)))
                continue
            when = now + timedelta(hours=18 + _bucket(to) % 30)
            self.pending.append((when, self._answer(reaction, to, mail, when)))

    def deliver_due(self, now: datetime) -> int:
        """APPEND the answers whose time has come to the sender's INBOX, as their mail servers would."""
        assert self.world.mailbox is not None
        due = [raw for when, raw in self.pending if when <= now]
        self.pending = [(when, raw) for when, raw in self.pending if when > now]
        for raw in due:
            self.world.mailbox.append(SENDER_ADDRESS, raw, when=now)
        return len(due)

    def _answer(self, reaction: str, address: str, ours: EmailMessage, when: datetime) -> bytes:
        first = address.split("@")[0].split(".")[0].capitalize()
        reply = EmailMessage()
        reply["From"] = address
        reply["To"] = SENDER_ADDRESS
        reply["Date"] = format_datetime(when)
        reply["Message-ID"] = make_msgid(domain=address.rpartition("@")[2])
        if reaction == "out_of_office":
            back = (when + timedelta(days=6)).strftime("%d %B %Y")
            reply["Subject"] = f"Out of Office: {ours['Subject']}"
            reply["Auto-Submitted"] = "auto-replied"
            reply["In-Reply-To"] = ours["Message-ID"]
            reply.set_content(f"Thank you for your message. I am out of the office and will be back on {back}. "
                              "I will reply when I return.")
            return reply.as_bytes()
        if reaction != "unthreaded":  # some clients drop the threading headers
            reply["Subject"] = f"Re: {ours['Subject']}"
            reply["In-Reply-To"] = ours["Message-ID"]
            reply["References"] = ours["Message-ID"]
        else:
            reply["Subject"] = "Your note about pipeline"
        quoted = "\n".join("> " + line for line in ours.get_content().splitlines()[:6])
        reply.set_content(REPLIES[reaction].format(first=first) + f"\n\nOn an earlier day, Sam wrote:\n{quoted}\n")
        return reply.as_bytes()

    def _bounce(self, address: str, ours: EmailMessage, when: datetime) -> bytes:
        """A delivery status notification (RFC 3464) as the prospect's mail server writes it."""
        host = f"mx.{address.rpartition('@')[2]}"
        boundary = f"dsn-{_bucket(address)}-{int(when.timestamp())}"
        headers = "".join(f"{k}: {v}\r\n" for k, v in ours.items() if k in ("From", "To", "Subject", "Message-ID"))
        text = (
            f"From: MAILER-DAEMON@{host}\r\nTo: {SENDER_ADDRESS}\r\nDate: {format_datetime(when)}\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: {make_msgid(domain=host)}\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            f"Your message could not be delivered to {address}: the mailbox does not exist.\r\n\r\n"
            f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
            f"Reporting-MTA: dns; {host}\r\n\r\nFinal-Recipient: rfc822; {address}\r\nAction: failed\r\n"
            "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <" + address + ">: user unknown\r\n\r\n"
            f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n--{boundary}--\r\n"
        )
        return text.encode()
