"""The SMTP channel against real aiosmtpd servers on loopback: each server answer becomes an outcome."""

from __future__ import annotations

import email
from datetime import UTC, datetime

import pytest

from outboard.send.channels.email_smtp import Security, SmtpChannel, SmtpSettings
from outboard.send.email_message import Footer, OutgoingEmail, Unsubscribe, build_email
from outboard.send.outcomes import (
    AddressRejected,
    AuthFailed,
    ConnectionFailed,
    Deferred,
    Failed,
    ReputationBlocked,
    Sent,
)

from .conftest import PASSWORD, USER, Server, Tls, free_port

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def mail(to: str) -> OutgoingEmail:
    return build_email(sender_name="Jo", sender_address="jo@sender.test", to_address=to, subject="Hello",
                       body="Hi there.", now=NOW, footer=Footer("1 Main St, Springfield"),
                       unsubscribe=Unsubscribe("https://out.test/u/t", "unsubscribe+t@sender.test"))


def plain(server: Server, **kw: object) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", server.port, security=Security.NONE, timeout=5, **kw)  # type: ignore[arg-type]


async def test_accepted_message_is_sent_with_the_queue_id_and_arrives_intact(smtp_server: Server) -> None:
    message = mail("anna@acme.test")
    async with SmtpChannel(plain(smtp_server)) as channel:
        outcome = await channel.send(message)
    assert outcome == Sent("Q00001")
    [envelope] = smtp_server.handler.messages
    assert envelope.mail_from == "jo@sender.test" and envelope.rcpt_tos == ["anna@acme.test"]
    received = email.message_from_bytes(envelope.original_content)
    assert received["Message-ID"] == message.message_id


async def test_one_connection_carries_a_batch_of_sends(smtp_server: Server) -> None:
    async with SmtpChannel(plain(smtp_server)) as channel:
        outcomes = [await channel.send(mail(f"lead{i}@acme.test")) for i in range(20)]
    assert all(isinstance(o, Sent) for o in outcomes)
    assert len(smtp_server.handler.messages) == 20
    assert len(set(smtp_server.handler.peers)) == 1


@pytest.mark.parametrize(("local", "expected"), [
    ("grey", Deferred), ("bounce", AddressRejected), ("nouser", AddressRejected),
    ("blocked", ReputationBlocked), ("full", Failed), ("spam", ReputationBlocked), ("closing", Deferred),
])
async def test_server_answers_become_outcomes_and_the_connection_stays_usable(
        smtp_server: Server, local: str, expected: type) -> None:
    async with SmtpChannel(plain(smtp_server)) as channel:
        outcome = await channel.send(mail(f"{local}@acme.test"))
        after = await channel.send(mail("anna@acme.test"))
    assert isinstance(outcome, expected), outcome
    assert isinstance(after, Sent)
    assert [e.rcpt_tos for e in smtp_server.handler.messages] == [["anna@acme.test"]]


async def test_a_5_1_1_names_the_code_and_the_enhanced_status(smtp_server: Server) -> None:
    async with SmtpChannel(plain(smtp_server)) as channel:
        outcome = await channel.send(mail("bounce@acme.test"))
    assert isinstance(outcome, AddressRejected)
    assert (outcome.code, outcome.enhanced) == (550, "5.1.1")
    assert "User unknown" in outcome.reason


async def test_wrong_credentials_are_an_auth_failure_and_nothing_is_sent(auth_server: Server) -> None:
    async with SmtpChannel(plain(auth_server, username=USER, password="wrong")) as channel:
        assert isinstance(await channel.check(), AuthFailed)
        outcome = await channel.send(mail("anna@acme.test"))
    assert isinstance(outcome, AuthFailed)
    assert "535" in outcome.reason
    assert auth_server.handler.messages == [] and auth_server.handler.rcpts == []


async def test_right_credentials_send(auth_server: Server) -> None:
    async with SmtpChannel(plain(auth_server, username=USER, password=PASSWORD)) as channel:
        assert await channel.check() is None
        assert isinstance(await channel.send(mail("anna@acme.test")), Sent)


async def test_missing_credentials_on_a_server_that_requires_them_is_an_auth_failure(auth_server: Server) -> None:
    async with SmtpChannel(plain(auth_server)) as channel:
        outcome = await channel.send(mail("anna@acme.test"))
    assert isinstance(outcome, AuthFailed), outcome
    assert auth_server.handler.messages == []


async def test_starttls_with_auth(starttls_server: Server, tls: Tls) -> None:
    settings = SmtpSettings("127.0.0.1", starttls_server.port, Security.STARTTLS, USER, PASSWORD, timeout=5,
                            tls_context=tls.client)
    async with SmtpChannel(settings) as channel:
        assert isinstance(await channel.send(mail("anna@acme.test")), Sent)
    assert len(starttls_server.handler.messages) == 1


async def test_implicit_tls_with_auth(implicit_tls_server: Server, tls: Tls) -> None:
    settings = SmtpSettings("127.0.0.1", implicit_tls_server.port, Security.TLS, USER, PASSWORD, timeout=5,
                            tls_context=tls.client)
    async with SmtpChannel(settings) as channel:
        assert isinstance(await channel.send(mail("anna@acme.test")), Sent)


async def test_starttls_demanded_of_a_server_without_it_stops_before_any_credentials(
        smtp_server: Server) -> None:
    settings = SmtpSettings("127.0.0.1", smtp_server.port, Security.STARTTLS, USER, PASSWORD, timeout=5)
    async with SmtpChannel(settings) as channel:
        outcome = await channel.send(mail("anna@acme.test"))
    assert isinstance(outcome, AuthFailed) and "STARTTLS" in outcome.reason


async def test_untrusted_certificate_is_a_connection_failure(starttls_server: Server) -> None:
    settings = SmtpSettings("127.0.0.1", starttls_server.port, Security.STARTTLS, USER, PASSWORD, timeout=5)
    async with SmtpChannel(settings) as channel:
        outcome = await channel.send(mail("anna@acme.test"))
    assert isinstance(outcome, ConnectionFailed) and not outcome.maybe_delivered


async def test_nothing_listening_is_a_connection_failure() -> None:
    settings = SmtpSettings("127.0.0.1", free_port(), Security.NONE, timeout=2)
    async with SmtpChannel(settings) as channel:
        outcome = await channel.send(mail("anna@acme.test"))
    assert isinstance(outcome, ConnectionFailed) and not outcome.maybe_delivered


async def test_a_dropped_connection_is_reopened_for_the_next_send(smtp_server: Server) -> None:
    async with SmtpChannel(plain(smtp_server)) as channel:
        assert isinstance(await channel.send(mail("anna@acme.test")), Sent)
        smtp_server.restart()
        assert isinstance(await channel.send(mail("ben@acme.test")), Sent)
    assert [e.rcpt_tos for e in smtp_server.handler.messages] == [["anna@acme.test"], ["ben@acme.test"]]


async def test_a_connection_lost_after_the_message_was_handed_over_may_have_delivered_it(
        smtp_server: Server) -> None:
    async with SmtpChannel(plain(smtp_server)) as channel:
        outcome = await channel.send(mail("vanish@acme.test"))
        assert isinstance(outcome, ConnectionFailed) and outcome.maybe_delivered  # reconcile, never resend
        assert isinstance(await channel.send(mail("anna@acme.test")), Sent)


async def test_reconnects_after_the_per_connection_limit(smtp_server: Server) -> None:
    async with SmtpChannel(plain(smtp_server, messages_per_connection=2)) as channel:
        outcomes = [await channel.send(mail(f"lead{i}@acme.test")) for i in range(5)]
    assert all(isinstance(o, Sent) for o in outcomes)
    assert len(set(smtp_server.handler.peers)) == 3
