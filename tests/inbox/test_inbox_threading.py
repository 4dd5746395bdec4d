"""Threading: union-find over Message-ID / In-Reply-To / References, and the sender fallback."""

from __future__ import annotations

from datetime import UTC, datetime

from outboard.inbox.classify import classify
from outboard.inbox.threading import MemoryMatcher, SenderIndex, ThreadIndex


def test_a_reply_joins_the_conversation_of_the_message_it_answers() -> None:
    index = ThreadIndex()
    assert index.add("<ob-1@n>", ours=True) == "<ob-1@n>"
    index.add("<ob-2@n>", in_reply_to="<ob-1@n>", references=["<ob-1@n>"], ours=True)
    root = index.add("<r-1@acme>", in_reply_to="<ob-2@n>", references=["<ob-1@n>", "<ob-2@n>"])
    assert root == "<ob-1@n>"
    assert index.root("<r-1@acme>") == index.root("ob-2@n") == "<ob-1@n>"
    assert index.ours_in_conversation("<r-1@acme>") == ["<ob-1@n>", "<ob-2@n>"]
    assert len(index) == 3


def test_references_alone_are_enough_and_unknown_ids_become_placeholders() -> None:
    index = ThreadIndex()
    index.add("<r-2@acme>", references=["<start@elsewhere>", "<ob-9@n>"])
    assert "<ob-9@n>" in index and index.root("<r-2@acme>") == "<start@elsewhere>"
    assert index.root("<never@seen>") is None


def test_conversations_merge_when_a_message_names_both() -> None:
    index = ThreadIndex()
    index.add("<a@n>", ours=True)
    index.add("<b@n>", ours=True)
    assert not index.same_conversation("<a@n>", "<b@n>")
    index.add("<c@acme>", in_reply_to="<b@n>", references=["<a@n>", "<b@n>"])
    assert index.same_conversation("<a@n>", "<b@n>") and index.root("<b@n>") == "<a@n>"


def test_order_of_arrival_does_not_matter_for_the_root() -> None:
    early, late = ThreadIndex(), ThreadIndex()
    early.add("<ob-1@n>", ours=True)
    early.add("<r@acme>", in_reply_to="<ob-1@n>")
    late.add("<r@acme>", in_reply_to="<ob-1@n>")
    late.add("<ob-1@n>", ours=True)
    assert early.root("<r@acme>") == late.root("<r@acme>") == "<ob-1@n>"


def test_long_chains_stay_fast() -> None:
    index = ThreadIndex()
    previous = None
    for number in range(20_000):
        index.add(f"<m{number}@n>", in_reply_to=previous)
        previous = f"<m{number}@n>"
    assert index.root(previous) == "<m0@n>"


def test_sender_index_keeps_the_latest_message_per_address() -> None:
    senders = SenderIndex()
    senders.add_sent("Paul@Acme.example", "<ob-1@n>", datetime(2026, 3, 2, tzinfo=UTC))
    senders.add_sent(["paul@acme.example", "cc@acme.example"], "<ob-2@n>", datetime(2026, 3, 5, tzinfo=UTC))
    senders.add_sent("paul@acme.example", "<ob-0@n>", datetime(2026, 2, 1, tzinfo=UTC))  # older, synced late
    assert senders.match("<paul@acme.example>") == "<ob-2@n>"
    assert senders.match("nobody@acme.example") is None


def _matcher() -> MemoryMatcher:
    matcher = MemoryMatcher()
    matcher.add_sent("<ob-1@northwind.example>", "paul@acme.example", lead_id="lead-7")
    matcher.add_sent("<ob-2@northwind.example>", "paul@acme.example", lead_id="lead-7",
                     in_reply_to="<ob-1@northwind.example>", references=["<ob-1@northwind.example>"])
    return matcher


def test_matcher_uses_threading_headers_first() -> None:
    raw = (b"From: Paul <paul@acme.example>\r\nTo: lena@northwind.example\r\nSubject: Re: hi\r\n"
           b"Message-ID: <r@acme.example>\r\nIn-Reply-To: <ob-1@northwind.example>\r\n\r\nYes please.\r\n")
    match = classify(raw, matcher=_matcher()).match
    assert match is not None and match.via == "in-reply-to" and match.lead_id == "lead-7"
    assert match.root == "<ob-1@northwind.example>"


def test_a_reply_without_threading_headers_is_matched_by_its_sender() -> None:
    raw = (b"From: Paul <PAUL@acme.example>\r\nTo: lena@northwind.example\r\nSubject: your email\r\n"
           b"Message-ID: <r2@acme.example>\r\n\r\nSounds interesting, tell me more.\r\n")
    result = classify(raw, matcher=_matcher())
    assert result.kind == "reply" and result.match is not None
    assert result.match.via == "sender" and result.match.our_message_id == "<ob-2@northwind.example>"


def test_a_bounce_is_matched_through_the_returned_message() -> None:
    raw = (b"From: MAILER-DAEMON@mx.acme.example\r\nTo: lena@northwind.example\r\n"
           b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b@mx.acme.example>\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n"
           b"--R\r\nContent-Type: text/plain\r\n\r\nUser unknown.\r\n"
           b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.example\r\n\r\n"
           b"Final-Recipient: rfc822; paul@acme.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
           b"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ob-2@northwind.example>\r\n"
           b"To: paul@acme.example\r\n\r\n--R--\r\n")
    result = classify(raw, matcher=_matcher())
    assert result.kind == "bounce" and result.hard
    assert result.match is not None and result.match.via == "returned message"
    assert result.match.our_message_id == "<ob-2@northwind.example>" and result.match.lead_id == "lead-7"


def test_unknown_mail_matches_nothing() -> None:
    raw = b"From: x@other.example\r\nSubject: hello\r\nMessage-ID: <z@other.example>\r\n\r\nHi\r\n"
    assert classify(raw, matcher=_matcher()).match is None
