"""Text folding shared by the parser and ranking: one character in, one character out, so spans line up.

`fold("Zürich–Köln")` → "zurich-koln"; `words()` splits on anything that is not a letter or digit (keeping
`&`, `+`, `#`, `'` and `.` inside a word: "fp&a", "c++", "u.s"); `stem()` is a small plural stripper
applied the same way to queries and records, so "agencies" meets "agency" and "heads" meets "head".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_WORD = re.compile(r"[a-z0-9]+(?:[&'.+#][a-z0-9]+)*[+#]*")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)
    kept = [c for c in base if not unicodedata.combining(c)]
    out = "s" if ch == "ß" else (kept[0] if kept else " ").lower()
    return out if len(out) == 1 else ch.lower()[:1] or " "


def fold(text: str) -> str:
    """Lower case without accents, dashes unified; the result has exactly len(text) characters."""
    if text.isascii():
        return text.lower()  # the common case, and ASCII lower-casing keeps the length
    text = text.translate(_DASHES)
    return "".join(c.lower() if c < "\x80" else _fold_char(c) for c in text)


def words(text: str) -> list[str]:
    """The folded words of `text`."""
    return _WORD.findall(fold(text))


def word_spans(folded: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for each word of an already folded text."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]


_KEEP = frozenset({"sales", "series", "analytics", "logistics", "operations", "ops", "news", "business",
                   "always", "success", "status", "campus", "bus", "us", "gas", "saas", "paas", "iaas", "aws",
                   "ios", "as", "is", "was", "has", "this", "its", "his", "yes", "less", "across", "process",
                   "access", "press", "express", "class", "glass", "swiss", "metrics", "economics",
                   "physics", "robotics", "statistics", "ethics", "politics", "diagnostics", "therapeutics",
                   "biosciences", "sciences", "services", "games", "kubernetes", "devops", "finops", "mlops",
                   "revops", "salesops", "wales", "paris", "athens", "brussels", "los", "angeles",
                   "texas", "illinois", "massachusetts", "christmas", "atlas", "canvas", "plus"})


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Singular form by a few suffix rules; identical on both sides of every comparison."""
    if len(word) <= 3 or word in _KEEP or not word.isalpha():
        return word[:-1] if len(word) == 3 and word.endswith("s") and word[:2].isalpha() and \
            word not in _KEEP else word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stems(text: str) -> list[str]:
    return list(map(stem, words(text)))


@lru_cache(maxsize=1 << 18)
def stem_tuple(text: str) -> tuple[str, ...]:
    """`stems(text)`, remembered: ranking sees the same titles, skills and posts query after query."""
    return tuple(map(stem, words(text)))


def phrase_key(text: str) -> tuple[str, ...]:
    """The lookup key of a phrase: folded, split, singular."""
    return tuple(stems(text))
