"""Email addresses: clean, lowercase, syntax-check, and tell free mailboxes from company ones.

Decision: the whole address is lowercased, local part included. RFC 5321 lets a server treat the local
part as case-sensitive, but no mainstream provider does, and dedup must see "Anna.Schmidt@Acme.de" and
"anna.schmidt@acme.de" as one person. Dots and "+tags" are kept: they can be distinct mailboxes.

Speed: a plain address (ASCII dot-atom local part) is checked with a regex, and only its domain goes
through email-validator, once per domain (cached). Anything else (Unicode, quoted local parts) gets the
full email-validator check. Deliverability (DNS, SMTP) is the verifier's job, not the importer's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from outboard.sources.normalize.text import data_lines

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SIMPLE = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@({_LABEL}(?:\.{_LABEL})+)$")
_SEPARATORS = re.compile(r"[;,\s]+")
_FREE = frozenset(data_lines("free_email_domains.txt"))


def is_free_domain(domain: str) -> bool:
    """True for consumer mailbox providers (gmail.com, web.de, ...), from data/free_email_domains.txt."""
    return domain.lower() in _FREE


_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


@lru_cache(maxsize=1 << 15)
def _domain_problem(domain: str) -> str | None:
    # The regex already checked LDH labels; an alphabetic TLD that is not special-use needs nothing more.
    tld = domain.rsplit(".", 1)[1]
    if tld.isalpha() and len(domain) <= 253 and tld not in _SPECIAL_USE and "--" not in domain:
        return None
    try:
        validate_email(f"x@{domain}", check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def _check(address: str) -> tuple[str | None, str | None]:
    match = _SIMPLE.match(address)
    if match and len(address) <= 254 and address.index("@") <= 64:
        problem = _domain_problem(match.group(1))
        return (None, problem) if problem else (address, None)
    if "@" not in address:
        return None, "not an email address (no @)"
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return None, str(exc)
    return checked.normalized.lower(), None


def _strip_wrapping(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if "<" in text and text.endswith(">"):  # "Anna Schmidt <anna@acme.de>"
        text = text[text.rindex("<") + 1 : -1]
    return text.strip().rstrip(".;,")


def normalize_email(raw: str | None) -> tuple[str | None, str | None]:
    """(address, None) when valid, else (None, reason); (None, None) for an empty cell.

    A cell with several addresses gives the first valid one and a note: (address, note).
    """
    text = _strip_wrapping(raw or "").lower()
    if not text:
        return None, None
    if text.count("@") > 1 and _SEPARATORS.search(text):
        for candidate in _SEPARATORS.split(text):
            found, _ = _check(candidate) if candidate else (None, None)
            if found:
                return found, "several addresses in one cell; kept the first valid one"
    return _check(text)


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[1]
