"""Opt-out: worded requests in several languages (new text only) and the unsubscribe alias."""

from __future__ import annotations

import pytest

from outboard.inbox.classify import ClassifierSettings, classify
from outboard.inbox.optout import OptOutConfig, alias_token, detect_opt_out
from outboard.inbox.parse import parse_message

FOOTER = "Not interested? Just reply 'no thanks' and I won't write again."


def _reply(body: str, subject: str = "Re: Route planning", to: str = "lena@northwind.example") -> bytes:
    return (f"From: Paul <paul@acme.example>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <r@acme.example>\r\nIn-Reply-To: <ob-1@northwind.example>\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()


@pytest.mark.parametrize("text", [
    "Please unsubscribe me.", "Remove me from your list", "Take me off your mailing list please.",
    "Stop emailing me.", "Please don't contact me again.", "Do not email me.", "I do not wish to receive these.",
    "No more emails, thanks.", "Bitte abmelden.", "Bitte keine weiteren E-Mails.",
    "Bitte tragen Sie mich aus dem Verteiler aus.",
    "Ich möchte nicht mehr kontaktiert werden, bitte nicht mehr anschreiben.",
    "Merci de me désinscrire.", "Je ne souhaite plus recevoir vos emails, merci de ne plus m'écrire.",
    "Por favor, darme de baja.", "No quiero recibir más correos.", "Cancellami dalla lista.",
    "Non voglio più ricevere queste email.", "Graag uitschrijven.", "Ik wil geen e-mails meer.",
    "Por favor, remova-me da lista.", "Não quero receber mais emails.",
    "No thanks", "No thanks.\n\nPaul", "Nein danke", "Non merci !", "No, gracias.", "STOP", "stop.",
    "I want to unsubscribe.", "How do I unsubscribe?",
])
def test_worded_opt_out(text: str) -> None:
    result = classify(_reply(text + "\n\nOn Mon, Lena wrote:\n> " + FOOTER))
    assert result.kind == "opt_out", result.reasons


@pytest.mark.parametrize("text", [
    "Sounds interesting, tell me more.",
    "No thanks, we're set for this year - reach out in Q4.",  # says more than our keyword: a decline
    "Thanks! Just reply 'unsubscribe' to our newsletter if you ever want out, by the way.",
    "Great, let's talk Tuesday.\n\n" + FOOTER,  # our footer left unquoted by a careless client
    # The send engine's footer, unquoted, whole and wrapped.
    "Great.\n\nIf you would rather not hear from me again, reply \"stop\" or unsubscribe here: "
    "https://app.example/u/abc.def\nHafenstrasse 12, Hamburg",
    "Great.\n\nIf you would rather not hear from me again, reply\n\"stop\" or unsubscribe here:\n"
    "https://app.example/u/abc.def",
    "I'd rather you called: click here to unsubscribe from my newsletter, ha. Monday works.",
])
def test_not_an_opt_out(text: str) -> None:
    result = classify(_reply(text + "\n\nOn Mon, Lena wrote:\n> " + FOOTER))
    assert result.kind == "reply", result.reasons


def test_quoted_footer_alone_is_not_an_opt_out() -> None:
    result = classify(_reply("On Mon, 2 Mar 2026, Lena wrote:\n> " + FOOTER + "\n"))
    assert result.kind == "reply" and result.new_text == "" and result.needs_review


def test_subject_of_their_own_counts_but_our_echoed_subject_does_not() -> None:
    assert classify(_reply("", subject="Unsubscribe")).kind == "opt_out"
    assert classify(_reply("Sure, call me.", subject="Re: How to unsubscribe from spreadsheets")).kind == "reply"


def test_alias_with_token_keeps_its_case() -> None:
    result = classify(_reply("", subject="unsubscribe", to="unsubscribe+Ab9xQ@northwind.example"))
    assert result.kind == "opt_out" and result.unsubscribe_token == "Ab9xQ"


def test_alias_pattern_and_domains_are_configurable() -> None:
    config = OptOutConfig(alias_pattern=r"optout-(?P<token>[a-z0-9]+)", alias_domains=frozenset({"mail.example"}))
    assert alias_token(["optout-7f3a@mail.example"], config) == ("optout-7f3a@mail.example", "7f3a")
    assert alias_token(["optout-7f3a@other.example"], config) is None
    assert alias_token(["unsubscribe@mail.example"], config) is None
    raw = _reply("", subject="remove", to="optout-7f3a@mail.example")
    result = classify(raw, settings=ClassifierSettings(optout=config))
    assert result.kind == "opt_out" and result.unsubscribe_token == "7f3a"


def test_detect_opt_out_reads_only_the_text_it_is_given() -> None:
    mail = parse_message(_reply("Please unsubscribe me."))
    assert detect_opt_out(mail, "Sounds good.") is None
    found = detect_opt_out(mail, "Please unsubscribe me.")
    assert found is not None and found.via == "text"
