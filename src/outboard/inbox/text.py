"""Small text helpers shared by the classifiers: folding for matching, surrogate repair, bounding."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'", "“": '"', "”": '"', "„": '"', "«": '"',
                         "»": '"', "\u00a0": " ", "\u200b": "", "ß": "ss", "ẞ": "ss"})
_SPACES = re.compile(r"[ \t\f\v]+")
# Combining marks left by NFKD (accents on Latin letters), dropped by one translate() call.
_MARKS = dict.fromkeys([*range(0x300, 0x370), *range(0x1AB0, 0x1B00), *range(0x1DC0, 0x1E00),
                        *range(0x20D0, 0x2100), *range(0xFE20, 0xFE30)])
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")


def fold(text: str) -> str:
    """Lowercase, no accents, straight quotes, single spaces: what every phrase pattern is written against.

    Patterns are written in plain ASCII ("desinscrire", "automatica") so one spelling matches
    "désinscrire", "DÉSINSCRIRE" and the accent-less spelling people type on phones.
    """
    text = text.translate(_QUOTES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_MARKS)
    return _SPACES.sub(" ", text.lower())


def fix_surrogates(text: str) -> str:
    """Undo surrogateescape left by the bytes parser: read as UTF-8, else as Windows-1252."""
    if text.isascii() or not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def find_emails(text: str) -> list[str]:
    """Email addresses in reading order, lowercased, without duplicates."""
    seen: dict[str, None] = {}
    for match in _EMAIL.finditer(text):
        seen.setdefault(match.group(0).strip(".").lower(), None)
    return list(seen)


def bound(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]
