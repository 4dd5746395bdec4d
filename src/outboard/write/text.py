"""Small text helpers the hook miner, the composer and the guardrails share."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[\W_]+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")

# Words too common to count as overlap between a fact and an offer.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its just me more most my no nor not now of off on once
only or other our ours out over own same she should so some such than that the their theirs them then
there these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours new help helps make makes get gets team teams company
der die das und ein eine einen einem einer ist sind mit für von zu im in den dem des auf bei wir sie ihr
ihre ihren uns unser unsere nicht auch noch nur als wie was oder aber mehr hat haben wird werden
le la les un une des du de et est sont avec pour par sur dans au aux nous vous leur leurs notre nos
votre vos pas plus ou mais qui que ce cette ces son sa ses en
""".split())


def _base(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


# Accented Latin letters to their base letter in one str.translate (NFKD per character is slow).
_LATIN = str.maketrans({chr(cp): _base(chr(cp)) for cp in range(0xC0, 0x250) if _base(chr(cp)) != chr(cp)}
                       | {"ß": "ss", "’": "'", "æ": "ae", "œ": "oe", "Æ": "AE", "Œ": "OE"})


@lru_cache(maxsize=65536)  # the same names and phrases are folded over and over
def fold(text: str) -> str:
    """Case- and accent-insensitive form used for every comparison against facts."""
    if not text.isascii():
        text = text.translate(_LATIN)
        if not text.isascii():  # other scripts and look-alikes: the slow, complete path
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _POSSESSIVE.sub("", text)
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text.casefold())).strip()


def words(text: str) -> list[str]:
    return [w.casefold().strip("'’-") for w in _WORD.findall(text)]


def keywords(text: str) -> set[str]:
    """Content words of at least four letters, folded; a crude stem drops a plural 's'."""
    out = set()
    for word in words(fold(text)):
        if len(word) >= 4 and word not in STOPWORDS:
            out.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def seed(*parts: object) -> int:
    """A stable number from the parts (Python's hash() changes per process, so it cannot be used)."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary, adding an ellipsis when anything was cut."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


def first_sentence(text: str) -> str:
    found = sentences(text)
    return found[0] if found else ""
