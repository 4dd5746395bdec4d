"""Phone numbers to E.164 ("+4917012345678") with phonenumbers, repairing what spreadsheets do to them.

Repaired: a leading apostrophe or ="..." (Excel's ways to keep text), "tel:", "00" international prefix,
"+49 (0) 170 ..." (phonenumbers drops the "(0)"), numbers Excel turned into 4.917012345678E+12 when every
digit survived, and a lost "+" (digits starting with the country's calling code, such as 4917012345678
for a German lead). When Excel rounded the number ("4.91701E+12"), the digits are gone: the number is
kept as written and reported. A number without "+" and without a known country is kept as written.

A number counts as readable when it has 6+ national digits and a length possible for its country
(is_possible_number), not when its range is assigned (is_valid_number): that check costs 20-30 µs per
number, as much as the rest of the row, and the importer only needs a dialable shape; the number is kept
in any case.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneNumber, PhoneNumberFormat
from phonenumbers.phonemetadata import PhoneMetadata

_SCIENTIFIC = re.compile(r"^(\d)[.,](\d+)[eE]\+?(\d{1,2})$")
_STRICT_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_FORMATTING = str.maketrans("", "", " -().\xa0/")


def _unwrap(text: str) -> str:
    text = text.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    text = text.lstrip("'").strip()
    if text[:4].lower() == "tel:":
        text = text[4:].strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):  # "+34 (0) 612...": the trunk zero is never dialled after a country code
        text = text.replace("(0)", "")
    return text


def _expand_scientific(text: str) -> tuple[str | None, bool]:
    """(digits, was_scientific); digits is None when Excel's rounding lost some of them."""
    match = _SCIENTIFIC.match(text)
    if not match:
        return text, False
    head, fraction, exponent = match.group(1), match.group(2), int(match.group(3))
    if len(fraction) != exponent:  # fewer digits: Excel rounded some away; more: not a whole number
        return None, True
    return head + fraction, True


def _possible(number: PhoneNumber) -> bool:
    # Some plans (Germany's) allow very short numbers; six national digits keeps "12" from becoming +4912.
    return number.national_number >= 100_000 and phonenumbers.is_possible_number(number)


@cache
def _national_prefix(code: int) -> re.Pattern[str]:
    """What parse() may strip from the front of the country's national number as a trunk or carrier
    prefix (China's "1(?:[12]\\d|79)\\d\\d", Russia's "8"...): the fast path leaves those to it."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = (PhoneMetadata.metadata_for_nongeo_region(code) if region == "001"
                else PhoneMetadata.metadata_for_region(region))
    prefix = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(prefix or r"(?!)")


def fast_international(text: str) -> str | None:
    """E.164 for a "+cc ..." number without phonenumbers.parse (a third of the cost); None if unsure.

    Gives up (None) on anything parse() might read differently: letters, extensions, a national number
    starting with 0 (a trunk prefix, or Italy's leading zero). A property test compares it with parse().
    """
    compact = text.translate(_FORMATTING)
    body = compact[1:]
    if compact[:1] != "+" or not (body.isascii() and body.isdigit() and 7 <= len(body) <= 15):
        return None
    for size in (1, 2, 3):
        code = int(body[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = body[size:]
    if not national or national[0] == "0" or _national_prefix(code).match(national):
        return None
    number = PhoneNumber(country_code=code, national_number=int(national))
    return "+" + body if _possible(number) else None


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if _possible(number) else None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalize_phone(raw: str | None, country: str | None) -> tuple[str | None, str | None]:
    """(E.164, None); or (the number as written, reason) when it cannot be read; (None, None) if empty."""
    text = _unwrap(raw or "")
    if not text:
        return None, None
    digits, scientific = _expand_scientific(text)
    if digits is None:
        return text, "Excel turned this number into scientific notation and rounded away digits"
    region = country.upper() if country else None
    if digits.startswith("+"):
        fast = fast_international(digits)
        if fast:
            return fast, None
    if scientific or (region and digits.isdigit() and not digits.startswith("0")):
        # Excel also drops the "+": try the digits as an international number first.
        number = _parse("+" + digits, None)
        if number and (not region or phonenumbers.region_code_for_number(number) == region):
            return _e164(number), None
    if digits.startswith("+"):
        number = _parse(digits, None)
    elif region:
        number = _parse(digits, region)
    else:
        return text, "no country known to read a number without +country code"
    if number:
        return _e164(number), None
    where = f" for {region}" if region and not digits.startswith("+") else ""
    return text, f"not a valid phone number{where}"


def is_e164(value: str) -> bool:
    return bool(_STRICT_E164.match(value))
