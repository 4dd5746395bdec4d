"""Fixtures for the inbox's database and network tests: a real IMAP server (pymap) and SMTP sink on
loopback, a campaign sent by the real engine, and inbound mail written the way mail clients write it."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import format_datetime, make_msgid

import pytest

from outboard.db.models import SenderAccount
from outboard.devservers.imap import ImapServer
from outboard.devservers.mx import MxServer, ReceivedMessage
from outboard.inbox.mailbox import configure_imap
from outboard.inbox.tasks import stop_inbox_watchers
from outboard.runtime import Runtime
from tests.send.conftest import smtp_server  # noqa: F401 (the scripted SMTP server, for reconciliation)

MAILBOX_USER, MAILBOX_PASSWORD = "sam", "imap-password"
OUR_ADDRESS = "sam@outboard-mail.test"


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    with ImapServer(users={MAILBOX_USER: MAILBOX_PASSWORD}) as server:
        yield server


@pytest.fixture
def sink() -> Iterator[MxServer]:
    with MxServer.sink() as server:
        yield server


@pytest.fixture
def no_idle_threads_left(rt: Runtime) -> Iterator[None]:
    """For tests that run the worker's inbox tick: its IDLE threads end with the test."""
    yield
    stop_inbox_watchers(rt)


def connect_mailbox(rt: Runtime, account_id: int, imap: ImapServer, **options: object) -> None:
    with rt.db.transaction() as session:
        account = session.get(SenderAccount, account_id)
        assert account is not None
        configure_imap(session, account, rt.secrets, host="127.0.0.1", port=imap.port, security="none",
                       username=MAILBOX_USER, password=MAILBOX_PASSWORD, **options)  # type: ignore[arg-type]


def sent_to(sink: MxServer, address: str) -> list[ReceivedMessage]:
    return [m for m in sink.messages if address in m.rcpt_tos]


def reply_to(rt: Runtime, ours: ReceivedMessage | None, body: str, *, sender: str | None = None,
             threaded: bool = True, subject: str | None = None, extra_headers: str = "",
             to: str = OUR_ADDRESS) -> bytes:
    """A reply as a mail client writes it: quoted history, Re: subject, threading headers (or none)."""
    original = ours.message if ours is not None else None
    sender = sender or (ours.rcpt_tos[0] if ours is not None else "someone@elsewhere.test")
    head = [f"From: Lead <{sender}>", f"To: Sam Sender <{to}>",
            f"Subject: {subject or ('Re: ' + str(original['Subject']) if original else 'Hello')}",
            f"Date: {format_datetime(rt.clock.now())}", f"Message-ID: {make_msgid(domain='prospect.test')}",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    if threaded and original is not None:
        references = " ".join(filter(None, [str(original.get("References") or ""), str(original["Message-ID"])]))
        head += [f"In-Reply-To: {original['Message-ID']}", f"References: {references}"]
    quoted = ""
    if original is not None:
        text = original.get_content() if not original.is_multipart() else ""
        quoted = f"\n\nOn Mon, 2 Mar 2026, Sam Sender <{OUR_ADDRESS}> wrote:\n" + "\n".join(
            f"> {line}" for line in str(text).splitlines())
    data = "\r\n".join(head) + ("\r\n" + extra_headers.strip() if extra_headers.strip() else "") + "\r\n\r\n"
    return (data + body + quoted.replace("\n", "\r\n") + "\r\n").encode()
