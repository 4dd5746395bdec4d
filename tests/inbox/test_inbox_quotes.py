"""The new text of a reply: quoted history and forwarded blocks removed, in many languages."""

from __future__ import annotations

import pytest

from outboard.inbox.quotes import split_reply, strip_quotes

QUOTE = "> Hi,\n> Not interested? Just reply 'no thanks' and I won't write again.\n"


@pytest.mark.parametrize("attribution", [
    "On Mon, 2 Mar 2026 at 09:00, Lena Hoffmann <lena@northwind.example> wrote:",
    "On Mon, Mar 2, 2026 at 9:00 AM Lena Hoffmann <lena@northwind.example>\nwrote:",
    "Am 02.03.2026 um 09:00 schrieb Lena Hoffmann <lena@northwind.example>:",
    "Le lun. 2 mars 2026 à 09:00, Lena Hoffmann <lena@northwind.example> a écrit :",
    "El lun, 2 mar 2026 a las 9:00, Lena Hoffmann (<lena@northwind.example>) escribió:",
    "Il giorno lun 2 mar 2026 alle ore 09:00 Lena Hoffmann <lena@northwind.example> ha scritto:",
    "Op ma 2 mrt 2026 om 09:00 schreef Lena Hoffmann <lena@northwind.example>:",
    "Em seg., 2 de mar. de 2026 às 09:00, Lena Hoffmann <lena@northwind.example> escreveu:",
    "-----Original Message-----",
    "-----Ursprüngliche Nachricht-----",
    "---------- Forwarded message ---------",
    "Begin forwarded message:",
    "________________________________",
])
def test_attribution_lines_end_the_new_text(attribution: str) -> None:
    split = split_reply(f"Sounds good.\n\n{attribution}\n{QUOTE}")
    assert split.new_text == "Sounds good." and split.quoted


@pytest.mark.parametrize(("sender", "sent"), [
    ("From: Lena <lena@northwind.example>", "Sent: Monday, 2 March 2026 09:00"),
    ("Von: Lena <lena@northwind.example>", "Gesendet: Montag, 2. März 2026 09:00"),
    ("De : Lena <lena@northwind.example>", "Envoyé : lundi 2 mars 2026 09:00"),
    ("De: Lena <lena@northwind.example>", "Enviado: lunes, 2 de marzo de 2026 9:00"),
    ("Da: Lena <lena@northwind.example>", "Inviato: lunedì 2 marzo 2026 09:00"),
    ("Van: Lena <lena@northwind.example>", "Verzonden: maandag 2 maart 2026 09:00"),
])
def test_outlook_header_blocks_end_the_new_text(sender: str, sent: str) -> None:
    text = f"Thanks, interested.\n\n{sender}\n{sent}\nSubject: hi\n\nreply 'no thanks'\n"
    assert strip_quotes(text) == "Thanks, interested."


def test_a_reply_that_is_all_quote_has_no_new_text() -> None:
    assert strip_quotes("On Mon, 2 Mar 2026, Lena wrote:\n" + QUOTE) == ""
    assert strip_quotes(QUOTE) == ""


def test_inline_answers_are_kept() -> None:
    text = "> Worth a call?\nYes, Tuesday.\n> Who else?\nMy COO.\n"
    assert strip_quotes(text) == "Yes, Tuesday.\nMy COO."


def test_text_without_quotes_is_unchanged() -> None:
    split = split_reply("Hi Lena,\n\nYes please.\n\nBest,\nPaul")
    assert split.new_text == "Hi Lena,\n\nYes please.\n\nBest,\nPaul" and not split.quoted


def test_our_unquoted_footer_is_dropped() -> None:
    split = split_reply("Yes please.\n\nNot interested? Just reply 'no thanks' and I won't write again.")
    assert split.new_text == "Yes please." and split.footer_removed
