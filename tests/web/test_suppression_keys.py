"""The suppression keys every stage hashes alike (outboard.core.suppression_keys; pure, no database)."""

from __future__ import annotations

import hashlib

import pytest

from outboard.core.suppression_keys import (
    Identity,
    InvalidSuppressionValue,
    guess_kind,
    hash_value,
    mask,
    normalise,
    suppression_hash,
)


@pytest.mark.parametrize(("kind", "typed", "normalised"), [
    ("email", "  Anna.Schmidt@ACME.de ", "anna.schmidt@acme.de"),
    ("email", "mailto:<anna@acme.de>", "anna@acme.de"),
    ("email", "jörg@Müller.de", "jörg@xn--mller-kva.de"),
    ("domain", "ACME.com.", "acme.com"),
    ("domain", "@acme.com", "acme.com"),
    ("domain", "https://www.acme.com/about?x=1", "acme.com"),
    ("domain", "müller.de", "xn--mller-kva.de"),
    ("linkedin", "John-Smith-82A505", "john-smith-82a505"),
    ("linkedin", "ACwAAAbcdefghijKLMN", "ACwAAAbcdefghijKLMN"),  # member ids are case-sensitive
])
def test_values_are_normalised_before_hashing(kind, typed, normalised):
    assert normalise(kind, typed) == normalised
    assert suppression_hash(kind, typed) == hashlib.sha256(normalised.encode()).hexdigest() == hash_value(kind, typed)


@pytest.mark.parametrize(("kind", "typed"), [("email", "anna"), ("email", "@acme.com"), ("domain", "acme"),
                                             ("domain", "anna@acme.com"), ("domain", "-bad-.com"),
                                             ("linkedin", "a b")])
def test_values_that_cannot_be_keys_are_refused_with_a_reason(kind, typed):
    with pytest.raises(InvalidSuppressionValue):
        suppression_hash(kind, typed)


def test_an_identity_gives_every_key_that_suppresses_the_person():
    keys = Identity(email="Anna@Acme.com", linkedin_id="anna-s", name_domain="anna schmidt|acme.com").hashes()
    assert [kind for kind, _ in keys] == ["email", "domain", "linkedin", "name_domain"]
    assert ("domain", suppression_hash("domain", "acme.com")) in keys
    assert Identity(email="not an address").hashes() == []


def test_what_a_person_types_is_read_as_an_address_or_a_domain_and_masked():
    assert [guess_kind(v).value for v in ("a@b.com", "b.com", "@b.com", "mailto:a@b.com")] == [
        "email", "domain", "domain", "email"]
    assert mask("email", "Anna@Acme.com") == "an***@acme.com" and mask("domain", "acme.com") == "ac***.com"
