"""parse_message: robust on bad input, bounded on big input, never raises."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outboard.inbox.classify import classify
from outboard.inbox.decoding import decode_text
from outboard.inbox.parse import SYNTHETIC_DOMAIN, normalize_message_id, parse_message

CORPUS = Path(__file__).parent / "corpus"


def test_reads_the_fields_the_classifiers_need() -> None:
    raw = (b"From: =?utf-8?q?J=C3=BCrgen_Brandt?= <J.Brandt@Example.COM>\r\n"
           b"To: \"Hoffmann, Lena\" <lena@northwind.example>, ops@northwind.example\r\n"
           b"Cc: =?utf-8?q?M=C3=BCller=2C_Anna?= <anna@northwind.example>\r\n"
           b"Delivered-To: lena@northwind.example\r\n"
           b"Subject: =?utf-8?b?QWJ3ZXNlbmhlaXRzbm90aXo6IFTDvHI=?=\r\n"
           b"Date: Mon, 9 Mar 2026 08:05:17 +0100\r\n"
           b"Message-ID: <a1@example.com>\r\nIn-Reply-To: <x1@northwind.example> (Lena's message)\r\n"
           b"References: <x0@northwind.example>\r\n <x1@northwind.example>\r\n"
           b"Auto-Submitted: auto-replied\r\nReturn-Path: <>\r\n\r\nHallo\r\n")
    mail = parse_message(raw)
    assert mail.from_address == "j.brandt@example.com" and mail.from_name == "Jürgen Brandt"
    assert [a.email for a in mail.to] == ["lena@northwind.example", "ops@northwind.example"]
    assert mail.to[0].name == "Hoffmann, Lena" and mail.cc[0].name == "Müller, Anna"
    assert mail.subject == "Abwesenheitsnotiz: Tür"
    assert mail.message_id == "<a1@example.com>" and not mail.synthetic_id
    assert mail.in_reply_to == "<x1@northwind.example>"
    assert mail.references == ["<x0@northwind.example>", "<x1@northwind.example>"]
    assert mail.date is not None and mail.date.isoformat() == "2026-03-09T08:05:17+01:00"
    assert mail.headers["auto-submitted"] == "auto-replied"
    assert mail.return_path == ""
    assert mail.recipients == ["lena@northwind.example", "ops@northwind.example", "anna@northwind.example"]
    assert mail.as_written("j.brandt@example.com") == "J.Brandt@Example.COM"
    assert mail.problems == []


def test_missing_message_id_gets_a_stable_synthetic_one() -> None:
    raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
    first, again = parse_message(raw), parse_message(raw)
    assert first.synthetic_id and first.message_id == again.message_id
    assert first.message_id.endswith(f"@{SYNTHETIC_DOMAIN}>")
    assert parse_message(raw + b"x").message_id != first.message_id
    assert any("Message-ID" in p for p in first.problems)


def test_no_headers_and_empty_input() -> None:
    headless = parse_message(b"Thanks, but not for us.\r\n")
    assert not headless.has_headers and "no headers" in headless.problems
    assert "not for us" in headless.text
    empty = parse_message(b"")
    assert not empty.has_headers and "empty message" in empty.problems and empty.synthetic_id


def test_message_id_normalisation() -> None:
    assert normalize_message_id("  <a@b>  ") == "<a@b>"
    assert normalize_message_id("a@b") == "<a@b>"
    assert normalize_message_id("<a@b") == "<a@b>"
    assert normalize_message_id("<a@b> (comment)") == "<a@b>"
    assert normalize_message_id("   ") is None and normalize_message_id(None) is None


def test_charsets_are_believed_only_as_far_as_the_bytes_agree() -> None:
    assert decode_text("Grüße".encode(), "iso-8859-1") == ("Grüße", "declared iso-8859-1 but the bytes are utf-8")
    text, problem = decode_text("Grüße".encode("cp1252"), "utf-8")
    assert text == "Grüße" and problem and "not" in problem
    text, problem = decode_text("Ça".encode("cp1252"), "x-bogus")
    assert text == "Ça" and problem and "unknown charset" in problem
    assert decode_text("Grüße".encode("latin-1"), "latin1") == ("Grüße", None)
    assert decode_text("日本語".encode("shift_jis"), "shift_jis") == ("日本語", None)
    assert decode_text(b"plain", None) == ("plain", None)


def test_html_only_body_is_turned_into_text_with_quotes_marked() -> None:
    raw = (b"From: a@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><head><style>p{color:red}</style></head><body><p>Yes, let&#39;s talk.</p>"
           b"<div class=\"gmail_quote\">On Mon, Lena wrote:<blockquote>reply 'no thanks'</blockquote></div>"
           b"</body></html>")
    mail = parse_message(raw)
    assert mail.text_source == "html"
    assert mail.text.splitlines()[0] == "Yes, let's talk."
    assert all(line.startswith(">") for line in mail.text.splitlines()[1:] if line)
    assert "color" not in mail.text


def test_attachments_are_not_taken_for_the_body() -> None:
    raw = (b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nattached\r\n"
           b"--B\r\nContent-Type: text/plain\r\n\r\nthe body\r\n--B--\r\n")
    assert parse_message(raw).text.strip() == "the body"


def _with_attachment(megabytes: int, body: bytes = b"Interested, see the attached routes.") -> bytes:
    payload = base64.encodebytes(b"\x00\x01\x02\x03" * (megabytes * 1024 * 1024 // 4))
    return (b"From: Paul <paul@acme.example>\r\nTo: lena@northwind.example\r\nSubject: Re: routes\r\n"
            b"Message-ID: <big@acme.example>\r\nIn-Reply-To: <ob-1@northwind.example>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
            + body + b"\r\n--B\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=routes.zip\r\n\r\n" + payload + b"\r\n--B--\r\n")


def test_a_25_mb_attachment_is_not_decoded_and_stays_fast() -> None:
    raw = _with_attachment(25)
    assert len(raw) > 25_000_000
    started = time.perf_counter()
    result = classify(raw)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert result.kind == "reply" and result.label == "interested"
    assert result.message_id == "<big@acme.example>"
    assert any("MB" in p and "first" in p for p in result.problems)


def test_deeply_nested_multiparts_do_not_crash() -> None:
    depth = 3000
    head = b"From: a@example.com\r\nMessage-ID: <deep@example.com>\r\n"
    parts = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(depth))
    mail = parse_message(head + parts + b"Content-Type: text/plain\r\n\r\ndeep\r\n")
    assert mail.message_id == "<deep@example.com>"
    assert classify(mail).kind in ("reply", "unparseable")


def test_header_line_without_colon_does_not_swallow_the_headers_below_it() -> None:
    raw = (b"From: a@example.com\r\nTo Lena <lena@example.com>\r\nSubject: Re: hello\r\n"
           b"Message-ID: <m1@example.com>\r\n\r\nbody\r\n")
    mail = parse_message(raw)
    assert mail.subject == "Re: hello" and mail.message_id == "<m1@example.com>"
    assert any("malformed header line" in p for p in mail.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_parse_and_classify_without_raising(raw: bytes) -> None:
    mail = parse_message(raw)
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")
    classify(mail)


_CORPUS = sorted(CORPUS.glob("*.eml"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_CORPUS), st.integers(min_value=0), st.binary(min_size=1, max_size=40), st.booleans())
def test_damaged_corpus_messages_never_raise(path: Path, where: int, junk: bytes, cut: bool) -> None:
    raw = path.read_bytes()
    at = where % (len(raw) + 1)
    damaged = raw[:at] if cut else raw[:at] + junk + raw[at:]
    classify(damaged)
