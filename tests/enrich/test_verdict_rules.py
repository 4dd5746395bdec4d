"""The reply → verdict rules on their own (pure functions)."""

from __future__ import annotations

import pytest

from outboard.core.verdicts import EmailVerdict
from outboard.enrich.verifier import Reason
from outboard.enrich.verifier.smtp import Reply
from outboard.enrich.verifier.verdict import from_rcpt, from_stage, with_catch_all

V, BAD, U = EmailVerdict.VALID, EmailVerdict.INVALID, EmailVerdict.UNKNOWN


def reply(code: int, text: str) -> Reply:
    return Reply(code, (text,))


@pytest.mark.parametrize(("code", "text", "verdict", "reason"), [
    (250, "2.1.5 OK", V, Reason.ACCEPTED),
    (251, "User not local; will forward", V, Reason.ACCEPTED),
    (550, "5.1.1 <x@acme.com>: Recipient address rejected: User unknown", BAD, Reason.MAILBOX_NOT_FOUND),
    (550, "Requested action not taken: mailbox unavailable", BAD, Reason.REJECTED),
    (553, "5.1.3 Bad recipient address syntax", BAD, Reason.MAILBOX_NOT_FOUND),
    (550, "5.2.1 The email account that you tried to reach is disabled", BAD, Reason.MAILBOX_DISABLED),
    (552, "5.2.2 Mailbox full", BAD, Reason.MAILBOX_FULL),
    (550, "5.7.1 Service unavailable, client host blocked using Spamhaus", U, Reason.POLICY_REJECTED),
    (554, "Service unavailable; client host [1.2.3.4] blocked using zen.spamhaus.org", U, Reason.POLICY_REJECTED),
    (550, "Relaying denied", U, Reason.POLICY_REJECTED),
    (451, "4.7.1 Greylisted, please try again later", U, Reason.GREYLISTED),
    (450, "4.2.0 <x@acme.com>: Recipient address rejected: Greylisted", U, Reason.GREYLISTED),
    (421, "4.7.0 Too many connections", U, Reason.RATE_LIMITED),
    (452, "4.5.3 Too many recipients", U, Reason.RATE_LIMITED),
    (452, "4.2.2 Mailbox full", U, Reason.MAILBOX_FULL),
    (451, "4.3.0 Local error in processing", U, Reason.TEMPORARY_FAILURE),
    (502, "5.5.2 Command not recognized", U, Reason.PROTOCOL_ERROR),
])
def test_rcpt_replies(code: int, text: str, verdict: EmailVerdict, reason: Reason) -> None:
    outcome = from_rcpt(reply(code, text))
    assert (outcome.verdict, outcome.reason) == (verdict, reason)
    assert outcome.retryable == (400 <= code < 500)


def test_enhanced_status_is_parsed_only_at_the_start() -> None:
    assert reply(550, "5.1.1 no such user").enhanced == "5.1.1"
    assert reply(550, "no such user 5.1.1").enhanced is None
    assert Reply(250, ("mx.acme.test", "SIZE 100", "8BITMIME", "SMTPUTF8")).keywords == {"SIZE", "8BITMIME", "SMTPUTF8"}


def test_refusals_before_rcpt_say_nothing_about_the_mailbox() -> None:
    assert from_stage("greeting", reply(554, "No SMTP service here")).verdict is U
    assert from_stage("mail", reply(553, "5.1.8 Sender domain not found")).reason is Reason.SENDER_REJECTED
    assert from_stage("greeting", reply(421, "busy")).retryable


@pytest.mark.parametrize("probed", [True, False])
def test_catch_all_domains_are_never_valid(probed: bool) -> None:
    accepted = from_rcpt(reply(250, "OK"))
    assert with_catch_all(accepted, True, probed).verdict is EmailVerdict.CATCH_ALL
    assert with_catch_all(accepted, False, probed).verdict is EmailVerdict.VALID


def test_accepted_with_an_unanswered_probe_is_unknown() -> None:
    outcome = with_catch_all(from_rcpt(reply(250, "OK")), None, True)
    assert (outcome.verdict, outcome.reason, outcome.retryable) == (U, Reason.CATCH_ALL_UNDETERMINED, True)


def test_rejections_stay_rejections_on_catch_all_domains() -> None:
    rejected = from_rcpt(reply(550, "5.1.1 unknown"))
    assert with_catch_all(rejected, True, True) == rejected
