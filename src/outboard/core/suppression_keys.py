"""The keys of the suppression list: a normalised value and its SHA-256 hash.

Import, send and inbox all check the same table, so they must normalise exactly alike: this module is
the one place that decides. Pure: no I/O, nothing of ours imported.

- email: trimmed, "mailto:" and angle brackets removed, lowercased (the whole address, as dedup does),
  domain in its ASCII (IDNA) form so "müller.de" and "xn--mller-kva.de" are one key.
- domain: also accepts "@acme.com", "https://www.acme.com/path" or "acme.com."; a leading "www." is
  dropped because nobody means to block only the web host.
- linkedin: a public id ("john-smith-82a505"), lowercased unless it is a member id ("ACwAA..."), which
  is case-sensitive. Parse URLs with `outboard.sources.normalize.linkedin` before calling.
- name_domain: the lead's `name_domain_key`, already normalised by the sources stage; only trimmed.

`suppression_hash` (alias `hash_value`) is hex SHA-256 (64 characters, the `value_hash` column);
`Identity.hashes()` gives every key that suppresses one person.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class SuppressionKind(StrEnum):
    EMAIL = "email"
    DOMAIN = "domain"
    LINKEDIN = "linkedin"
    NAME_DOMAIN = "name_domain"


class InvalidSuppressionValue(ValueError):
    """The value cannot be a key of this kind; the message says why, for a person to read."""


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MEMBER_ID = re.compile(r"^AC[a-zA-Z]AA[A-Za-z0-9_-]{10,}$")
_LINKEDIN_ID = re.compile(r"^[\w-]{3,100}$")


def _ascii_domain(text: str) -> str:
    text = unicodedata.normalize("NFC", text.strip().lower()).rstrip(".")
    try:
        ascii_form = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise InvalidSuppressionValue(f"{text!r} is not a domain name") from None
    labels = ascii_form.split(".")
    if len(labels) < 2 or len(ascii_form) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidSuppressionValue(f"{text!r} is not a domain name (example: acme.com)")
    return ascii_form


def normalise_email(value: str) -> str:
    text = value.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    local, at, domain = text.strip().rpartition("@")
    if not at or not local or any(c.isspace() or c in "<>,;" for c in local) or len(local) > 64:
        raise InvalidSuppressionValue(f"{value.strip()!r} is not an email address (example: anna@acme.com)")
    return f"{unicodedata.normalize('NFC', local).lower()}@{_ascii_domain(domain)}"


def normalise_domain(value: str) -> str:
    text = value.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)  # a pasted URL
    text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].lstrip("@")
    if "@" in text:
        raise InvalidSuppressionValue(f"{value.strip()!r} is an email address, not a domain")
    if text.startswith("www."):
        text = text[4:]
    return _ascii_domain(text)


def normalise_linkedin(value: str) -> str:
    text = value.strip()
    if not _LINKEDIN_ID.match(text):
        raise InvalidSuppressionValue(f"{text!r} is not a LinkedIn public id")
    return text if _MEMBER_ID.match(text) else text.lower()


def normalise_name_domain(value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidSuppressionValue("a name and domain key cannot be empty")
    return text


_NORMALISERS = {
    SuppressionKind.EMAIL: normalise_email,
    SuppressionKind.DOMAIN: normalise_domain,
    SuppressionKind.LINKEDIN: normalise_linkedin,
    SuppressionKind.NAME_DOMAIN: normalise_name_domain,
}


def normalise(kind: SuppressionKind | str, value: str) -> str:
    return _NORMALISERS[SuppressionKind(kind)](value)


def suppression_hash(kind: SuppressionKind | str, value: str) -> str:
    """The `value_hash` stored for `value`; InvalidSuppressionValue when it is not a valid `kind`."""
    return _sha(normalise(kind, value))


hash_value = suppression_hash


def guess_kind(value: str) -> SuppressionKind:
    """What a person typed into a blocklist box: "anna@acme.com" is an address; "acme.com" and "@acme.com"
    are domains."""
    text = value.strip()
    if text[:7].lower() == "mailto:" or ("@" in text and not text.startswith("@")):
        return SuppressionKind.EMAIL
    return SuppressionKind.DOMAIN


def keys_for_address(address: str) -> list[tuple[SuppressionKind, str]]:
    """Every key that suppresses an email address: the address itself and its domain."""
    email = normalise_email(address)
    return [(SuppressionKind.EMAIL, _sha(email)), (SuppressionKind.DOMAIN, _sha(email.rpartition("@")[2]))]


@dataclass(frozen=True)
class Identity:
    """What identifies one person for the suppression check; any part may be missing."""

    email: str | None = None
    linkedin_id: str | None = None
    name_domain: str | None = None

    def hashes(self) -> list[tuple[str, str]]:
        """(kind, value_hash) of every key that suppresses this person; parts that are not valid are skipped
        (a malformed address cannot match a normalised entry anyway)."""
        keys: list[tuple[str, str]] = []
        if self.email:
            with contextlib.suppress(InvalidSuppressionValue):
                keys += [(kind.value, digest) for kind, digest in keys_for_address(self.email)]
        for kind, value in ((SuppressionKind.LINKEDIN, self.linkedin_id),
                            (SuppressionKind.NAME_DOMAIN, self.name_domain)):
            if value:
                with contextlib.suppress(InvalidSuppressionValue):
                    keys.append((kind.value, suppression_hash(kind, value)))
        return keys


def mask(kind: SuppressionKind | str, value: str) -> str:
    """A hint a person can recognise without the list keeping the value: "an***@acme.com", "ac***.com"."""
    normalised = normalise(kind, value)
    if SuppressionKind(kind) is SuppressionKind.EMAIL:
        local, _, domain = normalised.rpartition("@")
        return f"{local[:2]}***@{domain}"
    if SuppressionKind(kind) is SuppressionKind.DOMAIN:
        head, _, tail = normalised.rpartition(".")
        return f"{head[:2]}***.{tail}"
    return f"{normalised[:3]}***"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
