"""Auto-reply and out-of-office detection: headers, wording, and the people who only mention a holiday."""

from __future__ import annotations

from datetime import date

from outboard.inbox.autoreply import detect_auto_reply
from outboard.inbox.parse import parse_message


def _mail(headers: str, body: str) -> bytes:
    return (f"From: Ana <ana@acme.example>\r\nTo: lena@northwind.example\r\nMessage-ID: <m@acme.example>\r\n"
            f"Date: Mon, 9 Mar 2026 10:00:00 +0100\r\n{headers}\r\n{body}").encode()


def _detect(headers: str, body: str):
    mail = parse_message(_mail(headers, body))
    return detect_auto_reply(mail, mail.text, date(2026, 3, 9))


def test_rfc3834_header_alone_makes_machine_mail() -> None:
    found = _detect("Subject: Re: hello\r\nAuto-Submitted: auto-generated\r\n", "Noted.\r\n")
    assert found is not None and found.kind == "auto_reply" and found.from_headers


def test_auto_submitted_no_is_a_person() -> None:
    assert _detect("Subject: Re: hello\r\nAuto-Submitted: no\r\nIn-Reply-To: <x@n>\r\n", "Yes please.\r\n") is None


def test_out_of_office_with_headers_and_return_date() -> None:
    found = _detect("Subject: Automatic reply: hello\r\nX-Autoreply: yes\r\n",
                    "I am out of the office until 13 March.\r\n")
    assert found is not None and found.kind == "out_of_office" and found.return_date == date(2026, 3, 14)


def test_out_of_office_by_wording_alone() -> None:
    found = _detect("Subject: Re: hello\r\nIn-Reply-To: <x@n>\r\n",
                    "Thank you for your email. I am currently on annual leave with no access to email.\r\n"
                    "For urgent matters please contact office@acme.example.\r\n")
    assert found is not None and found.kind == "out_of_office"


def test_a_person_mentioning_a_holiday_is_not_an_auto_reply() -> None:
    assert _detect("Subject: Re: hello\r\nIn-Reply-To: <x@n>\r\n",
                   "I'm on holiday next week but happy to talk after - how about the 20th?\r\n") is None


def test_bulk_headers_on_a_threaded_personal_reply_do_not_count() -> None:
    assert _detect("Subject: Re: hello\r\nPrecedence: bulk\r\nIn-Reply-To: <x@n>\r\n",
                   "Sounds good, send me the deck.\r\n") is None


def test_bulk_headers_on_an_unthreaded_message_are_machine_mail() -> None:
    found = _detect("Subject: Our March update\r\nList-Id: <news.acme.example>\r\n", "News!\r\n")
    assert found is not None and found.kind == "auto_reply"


def test_left_the_company_is_an_auto_reply_that_names_the_new_contact() -> None:
    found = _detect("Subject: Automatic reply: hello\r\nAuto-Submitted: auto-replied\r\n",
                    "Ana no longer works at Acme. Please contact sales@acme.example.\r\n")
    assert found is not None and found.kind == "auto_reply" and found.left_company
    assert found.referred_email == "sales@acme.example"
