"""Ground truth for the discovery tests: what a plain-language query means, written against the generated
sample's own fields (never the parser's filters), so that search and ranking are checked against it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from tests.sources.index_fixtures import REF

Truth = Callable[[dict, dict], bool]
DACH = {"DE", "AT", "CH"}
NORDICS = {"SE", "NO", "DK", "FI", "IS"}
EUROPE = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
          "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB", "CH", "NO", "IS", "LI", "UA", "RS", "BA", "ME",
          "MK", "AL", "MD"}
LEADERS = {"c_level", "vp", "head", "director"}


def since(days: int) -> str:
    return (REF - timedelta(days=days)).isoformat()


def posted(p: dict, word: str, days: int | None = None) -> bool:
    return any(word in x["text"].lower() and (days is None or x["posted_on"] >= since(days)) for x in p["posts"])


def founder(p: dict) -> bool:
    return re.search(r"\bfounder\b(?!')", p["title"].lower()) is not None  # not "Founder's Associate"


def text_of(p: dict) -> str:
    return " ".join([p["title"], p["headline"], *p["skills"], *(x["text"] for x in p["posts"])]).lower()


def last_raise(c: dict) -> str:
    return max((m["happened_on"] for m in c["milestones"] if m["kind"] == "funding"), default="")
