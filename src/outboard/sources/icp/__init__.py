"""The ICP query parser: a plain-language description of target people → `SearchFilters`.

`parse_query(text)` uses the rule-based parser unless another `QueryParser` (an LLM one) is given; when
that one fails, the rules answer instead and a note says so. Bad queries raise ValidationError with a
message for the user; nothing else escapes.
"""

from __future__ import annotations

from outboard.core.errors import ValidationError
from outboard.sources.icp.filters import Exclusions, SearchFilters
from outboard.sources.icp.protocol import ParseResult, QueryParser
from outboard.sources.icp.render import describe, summary
from outboard.sources.icp.rules import MAX_QUERY_CHARS, RuleBasedParser, clean_query
from outboard.sources.icp.schema import filters_json_schema

__all__ = ["MAX_QUERY_CHARS", "Exclusions", "ParseResult", "QueryParser", "RuleBasedParser", "SearchFilters",
           "clean_query", "describe", "filters_json_schema", "parse_query", "summary"]


def parse_query(text: object, parser: QueryParser | None = None) -> ParseResult:
    """Filters for `text`; ValidationError when the query is unusable or asks for nothing."""
    query = clean_query(text)
    rules = RuleBasedParser()
    if parser is None or isinstance(parser, RuleBasedParser):
        result = rules.parse(query)
    else:
        try:
            result = parser.parse(query)
        except ValidationError as exc:
            if exc.field != "query":  # the model produced filters that do not validate: the rules decide
                result = _fallback(rules, query, parser.name, str(exc))
            else:
                raise
        except Exception as exc:  # a network or model failure must not break search
            result = _fallback(rules, query, parser.name, f"{type(exc).__name__}: {exc}")
    if result.filters.is_empty():
        raise ValidationError("query", "found nothing to search for; name roles, industries, locations, company "
                                       "sizes or topics, for example 'heads of sales at fintech companies in "
                                       "Germany'", value=query)
    return result


def _fallback(rules: RuleBasedParser, query: str, name: str, reason: str) -> ParseResult:
    result = rules.parse(query)
    note = f"the {name} parser failed ({reason[:200]}); the rule-based parser read this query"
    return ParseResult(result.query, result.filters, result.parser, (note, *result.notes))
