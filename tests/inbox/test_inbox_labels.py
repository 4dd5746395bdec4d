"""Reply labels: the rules, the review threshold, and the seam for an LLM labeller."""

from __future__ import annotations

import pytest

from outboard.inbox.classify import ClassifierSettings, classify
from outboard.inbox.labels import Label, LabelResult, ReplyContext, RuleLabeller


@pytest.mark.parametrize(("text", "label"), [
    ("Sounds interesting, tell me more.", Label.INTERESTED),
    ("Yes, I'm curious - I'd like to learn more.", Label.INTERESTED),
    ("Klingt spannend!", Label.INTERESTED),
    ("Oui, ça m'intéresse.", Label.INTERESTED),
    ("Are you free Thursday at 3pm? Send me an invite.", Label.MEETING_REQUEST),
    ("Happy to chat - grab a slot on my calendar.", Label.MEETING_REQUEST),
    ("Gerne, lassen Sie uns einen Termin finden.", Label.MEETING_REQUEST),
    ("Seriez-vous disponible mardi pour un appel ?", Label.MEETING_REQUEST),
    ("¿Podemos agendar una llamada la semana que viene?", Label.MEETING_REQUEST),
    ("Can you send me your pricing and a case study?", Label.INFORMATION_REQUEST),
    ("Interested - how much does it cost for 50 users?", Label.INFORMATION_REQUEST),
    ("Schicken Sie mir bitte weitere Informationen.", Label.INFORMATION_REQUEST),
    ("Mi può mandare maggiori informazioni?", Label.INFORMATION_REQUEST),
    ("Not interested, thanks.", Label.NOT_INTERESTED),
    ("I wouldn't be interested, sorry.", Label.NOT_INTERESTED),
    ("We already use a competitor and we're happy.", Label.NOT_INTERESTED),
    ("Kein Bedarf.", Label.NOT_INTERESTED),
    ("Merci, mais nous ne sommes pas intéressés.", Label.NOT_INTERESTED),
    ("Geen interesse.", Label.NOT_INTERESTED),
    ("I'm not the right person - try our COO.", Label.WRONG_PERSON),
    ("I've forwarded your email to our head of IT.", Label.WRONG_PERSON),
    ("No soy la persona adecuada, hable con Marta.", Label.WRONG_PERSON),
])
def test_rule_labels(text: str, label: Label) -> None:
    result = RuleLabeller().label(text, ReplyContext())
    assert result.label == label, result.reasons
    assert 0.0 < result.confidence <= 1.0


def test_not_interested_does_not_count_as_interested() -> None:
    result = RuleLabeller().label("We're not interested.", ReplyContext())
    assert result.label == Label.NOT_INTERESTED and result.confidence > 0.8


def test_mixed_signals_lower_the_confidence() -> None:
    clear = RuleLabeller().label("Not interested.", ReplyContext())
    mixed = RuleLabeller().label("Not interested right now, but the pricing sounds interesting.", ReplyContext())
    assert mixed.confidence < clear.confidence


def test_referral_takes_the_named_colleague_not_the_sender() -> None:
    context = ReplyContext(from_address="nick@acme.example",
                           cc=(("lena@northwind.example", "Lena"), ("maria@acme.example", "Maria Lopez")),
                           our_addresses=frozenset({"lena@northwind.example"}))
    result = RuleLabeller().label("Wrong person, sorry - Maria handles this, cc'ing her.", context)
    assert result.label == Label.WRONG_PERSON
    assert result.referred_email == "maria@acme.example" and result.referred_name == "Maria Lopez"


def _reply(body: str) -> bytes:
    return (f"From: Paul <paul@acme.example>\r\nTo: lena@northwind.example\r\nSubject: Re: Route planning\r\n"
            f"Message-ID: <r@acme.example>\r\nIn-Reply-To: <ob-1@northwind.example>\r\n\r\n{body}").encode()


def test_review_threshold_marks_weak_labels() -> None:
    raw = _reply("Hmm, what is this about?")
    assert classify(raw).needs_review
    assert not classify(raw, settings=ClassifierSettings(review_threshold=0.2)).needs_review


class _FixedLabeller:
    name = "test-llm-1"

    def label(self, new_text: str, context: ReplyContext) -> LabelResult:
        return LabelResult(Label.MEETING_REQUEST, 0.91, reasons=(f"read {len(new_text)} chars",), labeller=self.name)


class _BrokenLabeller:
    name = "broken-llm"

    def label(self, new_text: str, context: ReplyContext) -> LabelResult:
        raise TimeoutError("endpoint did not answer")


def test_a_pluggable_labeller_is_used_for_human_replies() -> None:
    result = classify(_reply("Sounds interesting."), labeller=_FixedLabeller())
    assert result.label == Label.MEETING_REQUEST and result.labeller == "test-llm-1" and not result.needs_review


def test_a_failing_labeller_falls_back_to_the_rules() -> None:
    result = classify(_reply("Not interested, thanks."), labeller=_BrokenLabeller())
    assert result.label == Label.NOT_INTERESTED and result.labeller == RuleLabeller.name
    assert any("broken-llm failed" in reason for reason in result.reasons)


def test_the_labeller_is_not_asked_about_machine_mail() -> None:
    raw = _reply("I am out of the office until Monday.").replace(b"Subject: Re:", b"Auto-Submitted: auto-replied\r\n"
                                                                  b"Subject: Re:")
    result = classify(raw, labeller=_BrokenLabeller())
    assert result.kind == "out_of_office" and result.label is None
