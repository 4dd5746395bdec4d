"""The contract every ICP parser meets, so an LLM parser can replace the rules without callers noticing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from outboard.sources.icp.filters import SearchFilters


@dataclass(frozen=True)
class ParseResult:
    query: str  # the cleaned query the filters were read from
    filters: SearchFilters
    parser: str  # "rules", or the name of the LLM parser
    notes: tuple[str, ...] = ()  # how ambiguous words were read, what was ignored

    def to_dict(self) -> dict[str, Any]:
        from outboard.sources.icp.render import describe, summary

        return {"query": self.query, "parser": self.parser, "summary": summary(self.filters),
                "description": describe(self.filters), "notes": list(self.notes),
                "filters": self.filters.to_dict()}


@runtime_checkable
class QueryParser(Protocol):
    """Reads a plain-language description of target people into SearchFilters.

    `parse(query)` receives a query already checked by `clean_query` (non-empty, at most
    MAX_QUERY_CHARS, no SQL) and returns a ParseResult whose filters went through
    `SearchFilters.from_dict` or `.validated()`. It raises ValidationError for a query it understands to
    be contradictory; any other exception makes `parse_query` fall back to the rule-based parser.
    An LLM parser asks its model for JSON shaped like `filters_json_schema()`.
    """

    name: str

    def parse(self, query: str) -> ParseResult: ...
