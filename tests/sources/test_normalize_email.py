"""Email addresses: cleaning, lowercasing, syntax check, free providers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outboard.sources.normalize.email import is_free_domain, normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Anna.Schmidt@Acme.DE", "anna.schmidt@acme.de"),  # the local part is lowercased too (documented)
        ("  anna@acme.de  ", "anna@acme.de"),
        ("mailto:bob@acme.io", "bob@acme.io"),
        ("Anna Schmidt <anna@acme.de>", "anna@acme.de"),
        ('"anna@acme.de"', "anna@acme.de"),
        ("anna@acme.de.", "anna@acme.de"),
        ("anna+crm@acme.de", "anna+crm@acme.de"),  # tags are kept: they can be real mailboxes
        ("Jürgen.Müller@Firma.de", "jürgen.müller@firma.de"),
        ("info@müller.de", "info@müller.de"),
    ],
)
def test_valid_addresses(raw, expected):
    assert normalize_email(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw", ["not-an-email", "anna@acme", "anna@localhost", "a..b@acme.com", "anna@acme.invalid", "@acme.com",
            "anna@", "anna schmidt@acme.de", "anna@-acme.com"],
)
def test_invalid_addresses_give_a_reason(raw):
    found, reason = normalize_email(raw)
    assert found is None
    assert reason


def test_empty_cell_is_not_a_problem():
    assert normalize_email("") == (None, None)
    assert normalize_email(None) == (None, None)


def test_several_addresses_in_one_cell_keep_the_first_valid_one_with_a_note():
    found, note = normalize_email("nope; Anna@Acme.de, bob@acme.de")
    assert found == "anna@acme.de"
    assert "several addresses" in note


def test_free_providers_come_from_the_data_file():
    assert is_free_domain("gmail.com")
    assert is_free_domain("GMX.DE")
    assert is_free_domain("web.de")
    assert not is_free_domain("acme.de")


LOCAL = st.from_regex(r"[A-Za-z0-9._%+\-üé]{1,20}", fullmatch=True)
DOMAIN = st.from_regex(r"[A-Za-z0-9\-]{1,12}\.(com|DE|co\.uk|io|invalid|x1)", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.builds(lambda a, b: f" {a}@{b} ", LOCAL, DOMAIN), st.text(max_size=30)))
def test_normalising_twice_changes_nothing(raw):
    found, _ = normalize_email(raw)
    if found is not None:
        assert normalize_email(found) == (found, None)
