"""Person names: split a full name into parts and fix the casing of ALL CAPS or lowercase input.

nameparser handles the hard cases (suffixes, "Last, First", conjunctions, nicknames) but parses only a few
thousand names a second, so common names (2-4 plain words, optionally after "Dr." / "Prof." / "Herr" and
with particles such as "van der") take a fast path that gives the same answer (a property test checks
this against nameparser), and every result is cached.

Rules worth knowing:
- A one-word name goes to `first` (we never guess where a Chinese given name starts: "王小明" stays whole),
  unless the word is a title ("Dr.") or a suffix ("Jr."), which go to `honorific` / `suffix`.
- Casing is fixed word by word, only for words that are entirely upper or lower case, so "McDonald",
  "DeVito" and scripts without case (Chinese, Arabic) are left alone. Particles ("van", "de la") are
  lowercased inside ALL CAPS input except at the very start of the name.
- The honorific is kept apart and is not part of `full`; the suffix is, after a comma: "John Smith, Jr.".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from nameparser import HumanName
from nameparser.config import CONSTANTS

from outboard.sources.normalize.text import fold, squash


@dataclass(frozen=True, slots=True)
class NameParts:
    first: str = ""
    middle: str = ""
    last: str = ""
    honorific: str = ""
    suffix: str = ""

    @property
    def full(self) -> str:
        core = " ".join(p for p in (self.first, self.middle, self.last) if p)
        return f"{core}, {self.suffix}" if core and self.suffix else core  # a suffix alone is no name


def _bare(word: str) -> str:
    return word.lower().replace(".", "")


_TITLES = frozenset(_bare(t) for t in (*CONSTANTS.titles, *CONSTANTS.first_name_titles))
_SUFFIXES = frozenset(_bare(s) for s in (*CONSTANTS.suffix_acronyms, *CONSTANTS.suffix_not_acronyms))
# Any of these words sends a name to nameparser: the fast path only handles names without them.
_SPECIAL = _TITLES | _SUFFIXES | frozenset(_bare(p) for p in (*CONSTANTS.prefixes, *CONSTANTS.conjunctions))
# Honorifics we move out of a separate first-name column ("Dr. Hans"); a short list, because nameparser's
# title list also holds ordinary words ("air", "actor") that can be first names.
_HONORIFICS = frozenset(
    "dr prof mr mrs ms miss mx sir dame herr frau mme mlle dott ing dipl mag sra srta".split()
)
# Honorifics and particles the fast path handles itself (checked against nameparser by a property test).
_FAST_HONORIFICS = frozenset("dr prof mr mrs ms herr frau mme mlle".split())
_FAST_PARTICLES = frozenset(
    p for p in CONSTANTS.prefixes if p.isalpha() and p not in CONSTANTS.conjunctions and p not in ("mac", "mc")
)
_PARTICLES = frozenset(
    "van von der den de del della dei degli di da das dos do du la le lo ter ten te zu zum zur af av y e bin"
    " bint binti ibn al el st".split()
)
_SUFFIX_CASE = {"jr": "Jr.", "sr": "Sr.", "phd": "PhD", "esq": "Esq.", "jnr": "Jnr", "snr": "Snr"}
# Suffixes recognised at the end of a separate last-name column (not "I", "V", "X": Malcolm X).
_LAST_NAME_SUFFIXES = frozenset("jr sr jnr snr ii iii iv phd md mba esq".split())
_ROMAN = frozenset("i ii iii iv v vi vii viii ix x".split())


def _cap(segment: str) -> str:
    if len(segment) > 2 and segment.startswith("mc"):
        return "Mc" + segment[2].upper() + segment[3:]
    head, apostrophe, tail = segment.partition("'")
    if apostrophe and head and tail:  # o'neil -> O'Neil, d'angelo -> D'Angelo
        return _cap(head) + "'" + _cap(tail)
    return segment[:1].title() + segment[1:]  # title(), not upper(): "ß" -> "Ss", not "SS"


def _case_word(word: str, leading: bool) -> str:
    if not (word.isupper() or word.islower()):
        return word  # mixed case is deliberate (McDonald), or the script has no case
    lower = word.lower()
    if not leading and lower in _PARTICLES:
        return lower
    return "-".join(_cap(seg) for seg in lower.split("-"))


def recase(part: str, *, leading: bool = False) -> str:
    """Proper-case the words of a name part that are ALL CAPS or all lowercase; idempotent."""
    words = part.split(" ")
    return " ".join(_case_word(w, leading and i == 0) for i, w in enumerate(words))


def _case_suffix(suffix: str) -> str:
    out = []
    for word in suffix.replace(",", " ").split():
        bare = _bare(word)
        if bare in _SUFFIX_CASE:
            out.append(_SUFFIX_CASE[bare])
        elif bare in _ROMAN:
            out.append(bare.upper())
        elif word.islower():
            out.append(word.upper())
        else:
            out.append(word)
    return ", ".join(out)


def _case_honorific(honorific: str) -> str:
    return " ".join(w.capitalize() if (w.isupper() or w.islower()) else w for w in honorific.split())


def _clean(text: str) -> str:
    text = squash(text)
    if text.isascii():
        return text
    # Emoji and other symbols decorate LinkedIn names ("Anna Schmidt 🚀"); they are not part of the name.
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Cn", "Co", "Cs"))
    return squash(kept)


def _finish(first: str, middle: str, last: str, honorific: str, suffix: str) -> NameParts:
    return NameParts(
        first=recase(first, leading=True),
        middle=recase(middle),
        last=recase(last),
        honorific=_case_honorific(honorific),
        suffix=_case_suffix(suffix),
    )


def _is_joined_word(word: str) -> bool:
    """ "Jean-Luc", "O'Brien": letters joined by single hyphens or apostrophes, no particle inside."""
    if word[0] in "-'" or word[-1] in "-'" or "--" in word or "''" in word:
        return False
    pieces = word.replace("'", "-").split("-")
    return all(p.isalpha() and p.lower() not in _SPECIAL for p in pieces)


def fast_split(text: str) -> NameParts | None:
    """Split common names without nameparser, giving nameparser's answer; None when unsure.

    Handles: leading honorifics ("Dr.", "Prof. Dr.", "Herr"), 2-4 plain words ("Anna Maria Schmidt"), and
    surname particles, where everything from the first particle on is the last name ("Anna van der Berg").
    Anything else (commas, suffixes, initials with dots, conjunctions, hyphenated particles) returns None.
    """
    words = text.split(" ")
    start = 0
    while start < len(words) and _bare(words[start]) in _FAST_HONORIFICS:
        start += 1
    names = words[start:]
    if not 2 <= len(names) <= 4:
        return None
    particle_at = 0
    for i, word in enumerate(names):
        lower = word.lower()
        if i and lower in _FAST_PARTICLES and i < len(names) - 1:
            particle_at = particle_at or i
        elif lower in _SPECIAL or not (word.isalpha() or _is_joined_word(word)):
            return None
    last_from = particle_at or len(names) - 1
    return NameParts(
        first=names[0],
        middle=" ".join(names[1:last_from]),
        last=" ".join(names[last_from:]),
        honorific=" ".join(words[:start]),
    )


def parse_with_nameparser(text: str) -> NameParts:
    name = HumanName(text)
    return NameParts(first=name.first, middle=name.middle, last=name.last, honorific=name.title,
                     suffix=name.suffix)


@lru_cache(maxsize=1 << 17)
def split_full_name(raw: str) -> NameParts:
    """Split a full name ("Dr. Juan de la Vega Jr.", "SMITH, JOHN", "王小明") into cased parts."""
    text = _clean(raw)
    if not text:
        return NameParts()
    if " " not in text:
        bare = _bare(text)
        if bare in _SUFFIXES and bare not in _TITLES:
            return _finish("", "", "", "", text)
        if bare in _TITLES and text.endswith("."):
            return _finish("", "", "", text, "")
        return _finish(text, "", "", "", "")
    parts = fast_split(text) or parse_with_nameparser(text)
    # The same clean-up as for separate columns, so that re-reading the parts changes nothing.
    return name_from_parts(parts.first, parts.middle, parts.last, parts.honorific, parts.suffix)


@lru_cache(maxsize=1 << 17)
def name_from_parts(first: str, middle: str = "", last: str = "", honorific: str = "",
                    suffix: str = "") -> NameParts:
    """Clean name parts that came in separate columns; moves "Dr." out of first and "Jr." out of last."""
    first, middle, last = _clean(first), _clean(middle), _clean(last)
    honorific, suffix = _clean(honorific), _clean(suffix)
    if not honorific and " " in first:
        head, rest = first.split(" ", 1)
        if _bare(head) in _HONORIFICS:
            honorific, first = head, rest
    if not suffix and "," in last:  # "Smith, PhD"
        last, suffix = (squash(p) for p in last.split(",", 1))
    elif not suffix and " " in last:  # "Smith Jr."
        rest, tail = last.rsplit(" ", 1)
        if _bare(tail) in _LAST_NAME_SUFFIXES:
            suffix, last = tail, rest
    return _finish(first, middle, last, honorific, suffix)


@lru_cache(maxsize=1 << 16)
def _key(part: str) -> str:
    folded = fold(part)
    return folded if folded.isalnum() else "".join(ch for ch in folded if ch.isalnum())


def name_key(parts: NameParts) -> tuple[str, str]:
    """(first, last) folded for matching: case, accents, spaces, hyphens and dots ignored; in the last
    name "ae", "oe", "ue" count as "a", "o", "u", because German umlauts are often typed that way."""
    last = _key(parts.last).replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return _key(parts.first), last
