"""The ordered pipeline: bounce → auto-reply / out-of-office → opt-out → human reply."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from outboard.inbox.classify import CLASSIFIER_VERSION, Kind, classify


def _mail(headers: str, body: str, sender: str = "Paul <paul@acme.example>") -> bytes:
    return (f"From: {sender}\r\nTo: lena@northwind.example\r\nMessage-ID: <m@acme.example>\r\n"
            f"{headers}\r\n{body}").encode()


def test_a_bounce_wins_over_everything_its_text_contains() -> None:
    raw = _mail("Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n",
                "I'm sorry to have to inform you that your message could not be delivered.\r\n"
                "<paul@acme.example>: host mx said: 550 5.1.1 User unknown\r\n\r\n"
                "I am out of the office until Monday. Please unsubscribe me.\r\n",
                sender="MAILER-DAEMON@mx.acme.example")
    result = classify(raw)
    assert result.kind == Kind.BOUNCE and result.hard and result.failed_recipient == "paul@acme.example"


def test_an_out_of_office_with_an_unsubscribe_footer_is_an_out_of_office() -> None:
    raw = _mail("Subject: Automatic reply: hello\r\nAuto-Submitted: auto-replied\r\n"
                "Date: Mon, 9 Mar 2026 10:00 +0100\r\n",
                "I am out of the office until 13 March.\r\n\r\nTo unsubscribe from our newsletter click here.\r\n")
    result = classify(raw)
    assert result.kind == Kind.OUT_OF_OFFICE and result.return_date == date(2026, 3, 14)


def test_an_opt_out_wins_over_a_decline() -> None:
    raw = _mail("Subject: Re: hello\r\nIn-Reply-To: <ob@n>\r\n", "Not interested. Remove me from your list.\r\n")
    assert classify(raw).kind == Kind.OPT_OUT


def test_without_a_date_header_the_received_time_anchors_the_return_date() -> None:
    raw = _mail("Subject: Out of Office\r\n", "I am out of the office until 13 March.\r\n")
    assert classify(raw).return_date is None  # no year can be inferred from nothing
    result = classify(raw, received_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    assert result.return_date == date(2026, 3, 14)


def test_no_sender_and_no_thread_is_unparseable() -> None:
    result = classify(b"Subject: hello\r\nMessage-ID: <x@y>\r\n\r\nSounds good.\r\n")
    assert result.kind == Kind.UNPARSEABLE and result.needs_review


def test_result_is_versioned_and_serialisable() -> None:
    result = classify(_mail("Subject: Re: hi\r\nIn-Reply-To: <ob@n>\r\nDate: Mon, 9 Mar 2026 10:00 +0100\r\n",
                            "Sounds interesting, tell me more.\r\n"))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["kind"] == "reply" and data["label"] == "interested"
    assert data["classifier_version"] == CLASSIFIER_VERSION and data["date"].startswith("2026-03-09")
