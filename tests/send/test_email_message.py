"""The outgoing email: RFC 8058 headers, threading, footer, DKIM, and unsubscribe tokens."""

from __future__ import annotations

import base64
import email
import email.policy
import time
from datetime import UTC, datetime
from email.message import EmailMessage

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from outboard.core.errors import ValidationError
from outboard.send.email_message import (
    DkimKey,
    Footer,
    InvalidToken,
    OutgoingEmail,
    Thread,
    Unsubscribe,
    build_email,
    make_alias_token,
    make_unsubscribe_token,
    read_unsubscribe_token,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SECRET = b"workspace-secret"
TOKEN = make_unsubscribe_token(SECRET, 7, 42, "anna@acme.test")
ALIAS = make_alias_token(SECRET, 7, 42)
UNSUB = Unsubscribe.issue(SECRET, 7, 42, "anna@acme.test", "https://out.example/u/", "sender.test")
FOOTER = Footer("Outboard Ltd, 1 Main St, Springfield 12345")


def build(**overrides: object) -> OutgoingEmail:
    kwargs: dict[str, object] = {
        "sender_name": "Jo Sender", "sender_address": "jo@sender.test", "to_address": "anna@acme.test",
        "to_name": "Anna Schmidt", "subject": "Onboarding checklists",
        "body": "Hi Anna,\n\nI read your post on onboarding.\n\nBest,\nJo", "now": NOW, "footer": FOOTER,
        "unsubscribe": UNSUB}
    kwargs.update(overrides)
    return build_email(**kwargs)  # type: ignore[arg-type]


def parse(out: OutgoingEmail) -> EmailMessage:
    return email.message_from_bytes(out.data, policy=email.policy.default)  # type: ignore[return-value]


def text_of(msg: EmailMessage, subtype: str = "plain") -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    return part.get_content()


def test_first_email_headers() -> None:
    out = build()
    msg = parse(out)
    assert msg["From"] == "Jo Sender <jo@sender.test>"
    assert msg["To"] == "Anna Schmidt <anna@acme.test>"
    assert msg["Subject"] == "Onboarding checklists"
    assert msg["Date"] == "Mon, 02 Mar 2026 09:30:00 +0000"
    assert msg["Message-ID"] == out.message_id and out.message_id.endswith("@sender.test>")
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert (out.envelope_from, out.recipient) == ("jo@sender.test", "anna@acme.test")
    assert b"\r\n" in out.data and b"\n" not in out.data.replace(b"\r\n", b"")


def test_one_click_unsubscribe_headers() -> None:
    msg = parse(build())
    assert msg["List-Unsubscribe"] == (f"<https://out.example/u/{TOKEN}>, "
                                       f"<mailto:unsubscribe+{ALIAS}@sender.test>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_message_ids_are_unique_and_can_be_kept_across_retries() -> None:
    assert len({build().message_id for _ in range(500)}) == 500
    assert build(message_id="<kept@sender.test>").message_id == "<kept@sender.test>"


def test_follow_up_threads_under_the_earlier_messages() -> None:
    thread = Thread("Onboarding checklists", ("<ob.1@sender.test>", "<ob.2@sender.test>"))
    msg = parse(build(subject="ignored for a follow-up", thread=thread))
    assert msg["Subject"] == "Re: Onboarding checklists"
    assert msg["In-Reply-To"] == "<ob.2@sender.test>"
    assert msg["References"] == "<ob.1@sender.test> <ob.2@sender.test>"
    assert parse(build(thread=Thread("RE: hello", ())))["Subject"] == "RE: hello"  # never "Re: RE:"


def test_the_footer_is_in_every_email() -> None:
    msg = parse(build())
    text = text_of(msg)
    assert text.startswith("Hi Anna,")
    assert FOOTER.postal_address in text and FOOTER.opt_out_sentence in text
    assert f"https://out.example/u/{TOKEN}" in text


def test_html_part_is_escaped_paragraphs_with_the_footer() -> None:
    msg = parse(build(body="Hi <Anna> & team,\n\nline one\nline two", with_html=True))
    assert msg.get_content_type() == "multipart/alternative"
    page = text_of(msg, "html")
    assert "<p>Hi &lt;Anna&gt; &amp; team,</p>" in page
    assert "<p>line one<br>line two</p>" in page
    assert f'<a href="https://out.example/u/{TOKEN}">' in page and "1 Main St" in page
    assert "Hi <Anna> & team," in text_of(msg)


def test_non_ascii_names_and_subjects_survive() -> None:
    msg = parse(build(sender_name="Jörg Müller", to_name="Zoë", subject="Grüße — kurz"))
    assert msg["From"] == "Jörg Müller <jo@sender.test>"
    assert msg["Subject"] == "Grüße — kurz"
    assert msg["To"].addresses[0].display_name == "Zoë"


def test_a_subject_cannot_inject_headers() -> None:
    msg = parse(build(subject="Hello\r\nBcc: victim@evil.test", sender_name="Jo\nX-Evil: 1"))
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg["Subject"] == "Hello Bcc: victim@evil.test"


@pytest.mark.parametrize(("field", "value"), [
    ("to_address", "not-an-address"), ("to_address", "a@b.test>, c@d.test"), ("sender_address", "jo@"),
])
def test_bad_addresses_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        build(**{field: value})


def test_footer_and_unsubscribe_are_mandatory() -> None:
    with pytest.raises(ValidationError, match="postal"):
        Footer("  ")
    with pytest.raises(ValidationError, match="opt-out"):
        Footer("1 Main St", opt_out_sentence="")
    with pytest.raises(ValidationError, match="https"):
        Unsubscribe("http://out.example/u/x", "unsubscribe+x@sender.test")


@pytest.fixture(scope="module")
def dkim_key() -> tuple[DkimKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return DkimKey("sender.test", "ob2026", pem), b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def dns_for(record: bytes):  # type: ignore[no-untyped-def]
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == b"ob2026._domainkey.sender.test." else None
    return lookup


@pytest.mark.parametrize("with_html", [False, True])
def test_dkim_signature_verifies_and_covers_the_unsubscribe_headers(dkim_key: tuple[DkimKey, bytes],
                                                                    with_html: bool) -> None:
    key, record = dkim_key
    thread = Thread("Onboarding checklists", ("<ob.1@sender.test>",))
    out = build(dkim_key=key, with_html=with_html, thread=thread)
    assert out.data.startswith(b"DKIM-Signature:")
    assert dkim.verify(out.data, dnsfunc=dns_for(record))
    signed = parse(out)["DKIM-Signature"].replace(" ", "")
    for header in ("from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post",
                   "in-reply-to", "references"):
        assert f":{header}:" in f":{signed.split('h=')[1].split(';')[0]}:"


def test_dkim_fails_when_an_unsubscribe_header_is_altered(dkim_key: tuple[DkimKey, bytes]) -> None:
    key, record = dkim_key
    out = build(dkim_key=key)
    tampered = out.data.replace(b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Two-Clicks")
    assert not dkim.verify(tampered, dnsfunc=dns_for(record))


def test_unsubscribe_token_round_trip() -> None:
    claim = read_unsubscribe_token(SECRET, TOKEN)
    assert (claim.workspace_id, claim.enrollment_id, claim.address) == ("7", "42", "anna@acme.test")
    assert read_unsubscribe_token(SECRET, TOKEN.upper()) == claim  # mail systems may change the case
    assert read_unsubscribe_token("workspace-secret", TOKEN) == claim
    assert set(TOKEN) <= set("abcdefghijklmnopqrstuvwxyz234567.")


def test_tampered_or_foreign_tokens_are_refused() -> None:
    body, mac = TOKEN.split(".")
    other = make_unsubscribe_token(SECRET, 7, 43, "anna@acme.test").split(".")[0]
    flipped = ("b" if body[0] == "a" else "a") + body[1:]
    for bad in (f"{other}.{mac}", f"{flipped}.{mac}", f"{body}.{mac[:-1]}", body, "", "!!.??", TOKEN + "a"):
        with pytest.raises(InvalidToken):
            read_unsubscribe_token(SECRET, bad)
    with pytest.raises(InvalidToken):
        read_unsubscribe_token(b"another-secret", TOKEN)


def test_the_mailto_alias_fits_in_a_local_part_and_names_the_enrollment() -> None:
    biggest = Unsubscribe.issue(SECRET, 2**32 - 1, 2**63 - 1, "a" * 60 + "@acme.test", "https://out.example/u",
                                "sender.test")
    local = biggest.mailto.partition("@")[0]
    assert len(local) <= 64  # RFC 5321 4.5.3.1.1; the URL token with the address is much longer
    assert len(biggest.url.rsplit("/", 1)[1]) > 64
    claim = read_unsubscribe_token(SECRET, ALIAS.upper())
    assert (claim.workspace_id, claim.enrollment_id, claim.address) == ("7", "42", "")
    body, mac = ALIAS.split(".")
    other = make_alias_token(SECRET, 7, 43).split(".")[0]
    for bad in (f"{other}.{mac}", f"{body}.{mac[:-1]}", f"{body}.{mac[:-2]}aa"):
        with pytest.raises(InvalidToken):
            read_unsubscribe_token(SECRET, bad)
    with pytest.raises(InvalidToken):
        read_unsubscribe_token(b"another-secret", ALIAS)


def test_building_is_fast() -> None:
    build()
    began = time.perf_counter()
    for _ in range(200):
        build(with_html=True)
    per_message = (time.perf_counter() - began) / 200
    assert per_message < 0.003, f"{per_message * 1000:.2f} ms per message"
