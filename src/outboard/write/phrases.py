"""The offline composer's phrasebooks (one TOML file per language in `write/data/`).

A phrase list is either one tier of variants or a list of tiers; the first tier with a usable variant
wins, and a variant is usable when every placeholder it names has a value. That is how the composer
degrades gracefully: "as {title} at {company}" → "at {company}" → a sentence that names nothing.
"""

from __future__ import annotations

import random
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from outboard.write.text import fold

DATA_DIR = Path(__file__).with_name("data")
SUPPORTED_LANGUAGES = ("en", "de", "fr")
TONES = ("friendly", "formal", "direct", "casual")
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Template:
    text: str
    fields: frozenset[str]


Tiers = tuple[tuple[Template, ...], ...]


@dataclass(frozen=True)
class Phrasebook:
    language: str
    quotes: tuple[str, str]
    optout_default: str
    sections: Mapping[str, Mapping[str, Tiers]]

    def has(self, section: str, key: str) -> bool:
        return any(self.sections.get(section, {}).get(key, ()))

    def pick(self, section: str, key: str, values: Mapping[str, str], rng: random.Random) -> str | None:
        """A variant from the first tier that has a usable one, filled in; None when none is usable."""
        for tier in self.sections.get(section, {}).get(key, ()):
            usable = [t for t in tier if t.fields <= values.keys()]
            if usable:
                chosen = usable[rng.randrange(len(usable))] if len(usable) > 1 else usable[0]
                return chosen.text.format_map(values)
        return None

    def quote(self, text: str) -> str:
        return f"{self.quotes[0]}{text}{self.quotes[1]}"


def _template(text: str) -> Template:
    fields = frozenset(name for _, name, _, _ in _FORMATTER.parse(text) if name)
    return Template(text, fields)


def _tiers(value: object, where: str) -> Tiers:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of phrases")
    if not value:
        return ()
    if all(isinstance(v, str) for v in value):
        return (tuple(_template(v) for v in value),)
    if all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value):
        return tuple(tuple(_template(x) for x in tier) for tier in value)
    raise ValueError(f"{where}: mix of phrases and tiers")


@cache
def phrasebook(language: str) -> Phrasebook:
    path = DATA_DIR / f"phrases.{language}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    sections: dict[str, dict[str, Tiers]] = {}
    for name, table in data.items():
        if isinstance(table, dict):
            sections[name] = {k: _tiers(v, f"{path.name} [{name}].{k}") for k, v in table.items()}
    quotes = data.get("quotes", ['"', '"'])
    return Phrasebook(data["language"], (quotes[0], quotes[1]), data["optout_default"], sections)


@cache
def vocabulary() -> frozenset[str]:
    """Every word the phrasebooks use, folded: the fact check never asks the data to support these."""
    found: set[str] = set()
    for language in SUPPORTED_LANGUAGES:
        book = phrasebook(language)
        texts = [book.optout_default]
        for section in book.sections.values():
            for tiers in section.values():
                texts.extend(t.text for tier in tiers for t in tier)
        for text in texts:
            found.update(fold(re.sub(r"\{[a-z_]+\}", " ", text)).split())
    return frozenset(found)
