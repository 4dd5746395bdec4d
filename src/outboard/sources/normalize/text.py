"""Small text helpers shared by the normalisers: whitespace, accent folding, data files."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

# Letters that NFKD does not decompose but people type without the mark.
_FOLD_EXTRA = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})


def squash(value: str | None) -> str:
    """Trim and collapse runs of whitespace (including NBSP and newlines) to one space."""
    # str.split() without arguments splits on every Unicode space, in C: faster than a regex.
    return " ".join(value.split()) if value else ""


@lru_cache(maxsize=1 << 16)
def fold(value: str) -> str:
    """Case- and accent-insensitive key: 'Müller' and 'MULLER' fold to 'muller'."""
    lowered = value.casefold().translate(_FOLD_EXTRA)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def data_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a data file shipped in outboard/sources/data/."""
    text = resources.files("outboard.sources").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
