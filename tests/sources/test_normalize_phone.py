"""Phone numbers to E.164, including what spreadsheets do to them."""

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from outboard.sources.normalize.phone import fast_international, is_e164, normalize_phone


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+49 170 1234567", None, "+491701234567"),
        ("0170 1234567", "DE", "+491701234567"),
        ("0170 1234567", "de", "+491701234567"),
        ("'+49 170 1234567", None, "+491701234567"),  # Excel's text apostrophe
        ('="0170 1234567"', "DE", "+491701234567"),  # Excel's text formula
        ("+49 (0) 170 1234567", None, "+491701234567"),
        ("+34 (0) 612 345 678", None, "+34612345678"),
        ("0049 170 1234567", None, "+491701234567"),
        ("4.917012345678E+12", "DE", "+4917012345678"),  # scientific notation, every digit kept
        ("4,917012345678E+12", None, "+4917012345678"),
        ("4917012345678", "DE", "+4917012345678"),  # Excel dropped the "+"
        ("1701234567", "DE", "+491701234567"),  # Excel dropped the leading zero
        ("(415) 555-2671", "US", "+14155552671"),
        ("4155552671", "US", "+14155552671"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("tel:+33 6 12 34 56 78", None, "+33612345678"),
        ("+39 06 1234 5678", None, "+390612345678"),  # Italy keeps its leading zero
    ],
)
def test_numbers_become_e164(raw, country, expected):
    assert normalize_phone(raw, country) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "country", "reason_part"),
    [
        ("4.91701E+12", "DE", "scientific notation"),  # Excel rounded digits away: cannot be repaired
        ("(415) 555-2671", None, "no country"),
        ("12", "DE", "not a valid phone number for DE"),
        ("call me", "DE", "not a valid phone number"),
    ],
)
def test_unreadable_numbers_are_kept_as_written_with_a_reason(raw, country, reason_part):
    kept, reason = normalize_phone(raw, country)
    assert kept == raw
    assert reason_part in reason


def test_empty():
    assert normalize_phone("", "DE") == (None, None)
    assert normalize_phone("  '", "DE") == (None, None)


def test_is_e164():
    assert is_e164("+491701234567")
    assert not is_e164("0170 1234567")


def _by_parse(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if number.national_number < 100_000 or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"\+(1|7|20|33|39|44|49|353|86|971|999)[ \-]?\(?0?\)?[0-9 \-]{4,14}", fullmatch=True))
@example("+86110000000000")  # China's carrier prefix "11..", which parse() strips
@example("+78121234567")  # Russia's trunk prefix 8 (St Petersburg numbers start with it)
def test_fast_international_agrees_with_phonenumbers_parse(text):
    fast = fast_international(text)
    if fast is not None:
        assert fast == _by_parse(text)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"['+=\"]{0,2}[0-9 ()\-.E+]{3,18}", fullmatch=True), st.sampled_from([None, "DE", "US", "GB"]))
def test_normalising_twice_changes_nothing(raw, country):
    once, _ = normalize_phone(raw, country)
    if once is not None:
        assert normalize_phone(once, country)[0] == once
