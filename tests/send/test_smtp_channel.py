"""The SMTP channel against real aiosmtpd servers on loopback: each server answer becomes an outcome."""

from __future__ import annotations

import email
from datetime import UTC, datetime

import aiosmtplib
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
    Stage,
    classify_smtp_exception,
    classify_smtp_reply,
    provider_id_from_reply,
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


async def test_a_server_that_closed_an_idle_connection_gets_the_message_on_a_new_one(
        smtp_server: Server) -> None:
    async with SmtpChannel(plain(smtp_server)) as channel:
        assert isinstance(await channel.send(mail("anna@acme.test")), Sent)
        smtp_server.handler.idle_closes = 1
        assert isinstance(await channel.send(mail("ben@acme.test")), Sent)
        smtp_server.handler.idle_closes = 2  # closing again on the fresh connection: try later
        assert isinstance(await channel.send(mail("cleo@acme.test")), (Deferred, ConnectionFailed))
    assert [e.rcpt_tos for e in smtp_server.handler.messages] == [["anna@acme.test"], ["ben@acme.test"]]
    assert len(set(smtp_server.handler.peers)) == 2


async def test_reconnects_after_the_per_connection_limit(smtp_server: Server) -> None:
    async with SmtpChannel(plain(smtp_server, messages_per_connection=2)) as channel:
        outcomes = [await channel.send(mail(f"lead{i}@acme.test")) for i in range(5)]
    assert all(isinstance(o, Sent) for o in outcomes)
    assert len(set(smtp_server.handler.peers)) == 3


@pytest.mark.parametrize(("code", "text", "stage", "expected"), [
    (554, "No SMTP service here", "connect", ReputationBlocked),  # refused at the door
    (421, "4.7.0 Try again later, closing", "connect", Deferred),
    (535, "5.7.8 Authentication credentials invalid", "auth", AuthFailed),
    (530, "5.7.0 Authentication required", "mail", AuthFailed),
    (553, "5.1.8 Sender address rejected: domain not found", "mail", AuthFailed),  # our account, not the lead
    (550, "5.1.1 User unknown", "rcpt", AddressRejected),
    (550, "5.1.10 Recipient address has null MX", "rcpt", AddressRejected),
    (550, "5.2.1 Mailbox disabled", "rcpt", AddressRejected),
    (552, "5.2.2 Mailbox full", "rcpt", Failed),
    (550, "5.7.26 Unauthenticated email is not accepted", "rcpt", ReputationBlocked),
    (421, "4.7.28 Unusual rate of unsolicited mail, try later", "rcpt", Deferred),
    (450, "4.2.1 Mailbox busy", "rcpt", Deferred),
    (554, "5.6.0 Message content rejected", "data", Failed),
])
def test_reply_classification(code: int, text: str, stage: Stage, expected: type) -> None:
    assert isinstance(classify_smtp_reply(code, text, stage), expected)


def test_provider_ids_from_data_replies() -> None:
    assert provider_id_from_reply("2.0.0 Ok: queued as 4XyZ9k0") == "4XyZ9k0"
    assert provider_id_from_reply("OK id=1uAbc-0007xy-Qz") == "1uAbc-0007xy-Qz"
    assert provider_id_from_reply("2.0.0 OK  1712345678 a1b2c3 - gsmtp") == "2.0.0 OK  1712345678 a1b2c3 - gsmtp"


def test_exception_classification() -> None:
    refused = aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "5.1.1 Unknown", "x@y.test")])
    assert isinstance(classify_smtp_exception(refused, "rcpt"), AddressRejected)
    assert isinstance(classify_smtp_exception(aiosmtplib.SMTPAuthenticationError(535, "5.7.8 no"), "auth"),
                      AuthFailed)
    lost = classify_smtp_exception(aiosmtplib.SMTPServerDisconnected("gone"), "data")
    assert isinstance(lost, ConnectionFailed) and lost.maybe_delivered
    assert isinstance(classify_smtp_exception(aiosmtplib.SMTPException("AUTH not offered"), "auth"), AuthFailed)
    assert isinstance(classify_smtp_exception(aiosmtplib.SMTPResponseException(354, "go on"), "data"), Failed)
    assert isinstance(classify_smtp_exception(TimeoutError(), "rcpt"), ConnectionFailed)
