"""Full-text queries built from words we cut and quote ourselves, never from the user's characters.

User text (titles, topics, keywords, even a whole query) is folded and split into runs of letters and
digits; every other character ends a word and is dropped. Each word is then quoted by us: FTS5 phrases
`"head of sales"` and PostgreSQL tsquery lexemes `'head' <-> 'of' <-> 'sales'`. So `"`, `*`, `NEAR(`,
`:`, `^` or `'); DROP TABLE` can only ever become plain words, and the query string itself is always a
bound parameter of MATCH / to_tsquery, never part of the SQL text.

Neither index stems (FTS5 unicode61 without diacritics; PostgreSQL's 'simple' configuration): a Porter
stemmer would make "engineer" match "Engineering Manager" and "designer" match "Head of Design", and every
such row costs a check. Instead each word is looked for in the forms that ranking's plural stripper
(icp.text.stem) reads as the same word ("manager" → manager | managers, "agency" → agency | agencies),
so the full-text match is a superset of ranking's phrase match, which then decides, and a tight one.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from outboard.sources.icp.text import fold, stem

MAX_WORDS = 8  # words per phrase: a title or topic is a few words; more only slows the query
MAX_PHRASES = 64
MAX_FORMS = 16  # spelled-out variants of one phrase; past this only its last word varies
_WORD = re.compile(r"[^\W_]+")

# Columns of index_people_fts (migration 0002) and the weights PostgreSQL's search_tsv gives them.
FTS5_COLUMNS = ("title", "headline", "skills_text", "posts_text")
_WEIGHT = {"title": "A", "headline": "B", "skills_text": "C", "posts_text": "D"}
# bm25 column weights: a title or a skill says what a person does, a post only what they talk about.
BM25_WEIGHTS = (4.0, 2.0, 3.0, 1.0)


def words(text: str) -> list[str]:
    """Folded words of letters and digits: "C++ / FP&A" → ["c", "fp", "a"]."""
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Phrase:
    """Words that must appear next to each other, optionally in one column only."""

    words: tuple[str, ...]
    column: str | None = None

    @classmethod
    def of(cls, text: str, column: str | None = None) -> Phrase | None:
        found = tuple(words(text)[:MAX_WORDS])
        return cls(found, column) if found else None


@lru_cache(maxsize=4096)
def forms(word: str) -> tuple[str, ...]:
    """The spellings a text may use for `word` that ranking counts as the same word (same stem)."""
    root = stem(word)
    if len(root) <= 2:  # "of", "ai", "hr": no plural worth spelling out
        return tuple(dict.fromkeys((word, root)))
    consonant_y = root.endswith("y") and root[-2:-1] not in "aeiou"
    found = [word, root, root if consonant_y else root + "s", root + "es", root[:-1] + "ies" if consonant_y else root]
    return tuple(dict.fromkeys(f for f in found if _WORD.fullmatch(f) and stem(f) == root))


def spellings(phrase: Phrase) -> list[tuple[str, ...]]:
    """Every spelled-out form of a phrase (capped at MAX_FORMS: then only the last word varies)."""
    options = [forms(w) for w in phrase.words]
    total = 1
    for option in options:
        total *= len(option)
    if total > MAX_FORMS:
        options = [(w,) for w in phrase.words[:-1]] + [options[-1]]
    return [tuple(choice) for choice in itertools.product(*options)]


def phrases(texts: Iterable[str | Sequence[str]], column: str | None = None) -> list[Phrase]:
    """One phrase per text (a string, or words already split), empty ones dropped, duplicates once."""
    out: dict[Phrase, None] = {}
    for text in texts:
        joined = text if isinstance(text, str) else " ".join(text)
        phrase = Phrase.of(joined, column)
        if phrase is not None:
            out[phrase] = None
    return list(out)[:MAX_PHRASES]


def fts5_query(any_of: Sequence[Phrase]) -> str | None:
    """An FTS5 MATCH string that matches a row containing any of the phrases; None when there are none."""
    parts = []
    for phrase in any_of:
        if phrase.column is not None and phrase.column not in FTS5_COLUMNS:
            raise ValueError(f"unknown full-text column {phrase.column!r}")
        # Words are [^\W_]+: no quote can be inside.
        quoted = " OR ".join('"' + " ".join(words) + '"' for words in spellings(phrase))
        parts.append(f"{{{phrase.column}}} : ({quoted})" if phrase.column is not None else f"({quoted})")
    return " OR ".join(parts) if parts else None


def tsquery(any_of: Sequence[Phrase]) -> str | None:
    """The same query in PostgreSQL to_tsquery syntax (weights stand for columns); None when empty."""
    parts = []
    for phrase in any_of:
        if phrase.column is not None and phrase.column not in _WEIGHT:
            raise ValueError(f"unknown full-text column {phrase.column!r}")
        weight = f":{_WEIGHT[phrase.column]}" if phrase.column is not None else ""
        for words in spellings(phrase):
            parts.append("(" + " <-> ".join(f"'{word}'{weight}" for word in words) + ")")  # words hold no quote
    return " | ".join(parts) if parts else None
