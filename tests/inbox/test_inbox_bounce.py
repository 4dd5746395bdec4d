"""Bounce detection and hard/soft severity."""

from __future__ import annotations

import pytest

from outboard.inbox.bounce import detect_bounce, parse_delivery_status, severity
from outboard.inbox.parse import parse_message


@pytest.mark.parametrize(("status", "diagnostic", "hard"), [
    ("5.1.1", "550 5.1.1 user unknown", True),
    ("5.1.2", "bad destination system", True),
    ("5.1.10", "RecipientNotFound", True),
    ("5.2.1", "mailbox disabled", True),
    ("5.2.2", "mailbox full", False),
    ("5.0.0", "550 Requested action not taken: mailbox unavailable", True),
    ("5.0.0", "552 quota exceeded", False),
    ("5.4.4", "Host or domain name not found", True),
    ("5.4.7", "delivery time expired", False),
    ("5.7.1", "Client host blocked using Spamhaus", False),
    ("5.0.0", "550 rejected: message looks like spam", False),
    ("5.5.0", "", True),
    ("4.4.1", "connection timed out", False),
    ("4.2.2", "over quota", False),
    (None, "no such user here", True),
    (None, "", False),
])
def test_severity(status: str | None, diagnostic: str, hard: bool) -> None:
    assert severity(status, diagnostic)[0] is hard


def test_delivery_status_blocks_are_parsed_and_unfolded() -> None:
    rows = parse_delivery_status(
        "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; <A@Example.com>\nAction: failed\n"
        "Status: 5.0.0\nDiagnostic-Code: smtp; 550 5.1.1 <a@example.com>:\n    user unknown\n\n"
        "Original-Recipient: rfc822;b@example.com\nAction: delivered\nStatus: 2.0.0\n")
    assert [r.recipient for r in rows] == ["a@example.com", "b@example.com"]
    assert rows[0].status == "5.1.1"  # the diagnostic's precise code beats Status 5.0.0
    assert rows[0].diagnostic is not None and "user unknown" in rows[0].diagnostic
    assert rows[1].action == "delivered"


def _dsn(action: str, status: str) -> bytes:
    return (b"From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\nTo: lena@northwind.example\r\n"
            b"Subject: Delivery report\r\nMessage-ID: <dsn@mx.example>\r\n"
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n"
            b"--R\r\nContent-Type: text/plain\r\n\r\nReport.\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\n"
            b"Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; p@acme.example\r\n"
            b"Action: " + action.encode() + b"\r\nStatus: " + status.encode() + b"\r\n\r\n--R--\r\n")


def test_success_notification_is_not_a_bounce() -> None:
    assert detect_bounce(parse_message(_dsn("delivered", "2.0.0"))) is None


def test_delayed_dsn_is_not_final() -> None:
    bounce = detect_bounce(parse_message(_dsn("delayed", "4.4.7")))
    assert bounce is not None and bounce.delayed and not bounce.hard


def test_a_human_forwarding_a_bounce_is_not_a_bounce() -> None:
    raw = (b"From: Paul <paul@acme.example>\r\nTo: lena@northwind.example\r\n"
           b"Subject: Fwd: Undeliverable: Route planning\r\nMessage-ID: <f@acme.example>\r\n\r\n"
           b"Lena, this bounced from our old address; use paul.martin@acme.example instead.\r\n")
    assert detect_bounce(parse_message(raw)) is None


def test_a_person_writing_about_delivery_is_not_a_bounce() -> None:
    raw = (b"From: Paul <paul@acme.example>\r\nTo: lena@northwind.example\r\nSubject: Re: Route planning\r\n"
           b"Message-ID: <g@acme.example>\r\n\r\nOur delivery failed twice last month, so yes, let's talk.\r\n")
    assert detect_bounce(parse_message(raw)) is None
