"""JSON Schema of SearchFilters: what an LLM parser asks its model to produce, and what an editor shows."""

from __future__ import annotations

from typing import Any

from outboard.sources.icp.filters import MAX_DAYS, MAX_SIZE, MAX_VALUES
from outboard.sources.icp.vocab import FUNCTIONS, FUNDING_STAGES, INDUSTRIES, REGION_GROUPS, SENIORITIES


def _enum_list(values: list[str], about: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": values}, "maxItems": MAX_VALUES,
            "description": about}


def _text_list(about: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "maxLength": 80}, "maxItems": MAX_VALUES,
            "description": about}


def _int(about: str, high: int) -> dict[str, Any]:
    return {"type": ["integer", "null"], "minimum": 1, "maximum": high, "description": about}


def filters_json_schema() -> dict[str, Any]:
    seniorities, functions = list(SENIORITIES), list(FUNCTIONS)
    industries, stages = list(INDUSTRIES), list(FUNDING_STAGES)
    lists = {
        "titles": _text_list("words the job title contains, lower case: 'founder', 'account executive'"),
        "seniorities": _enum_list(seniorities, "seniority levels"),
        "functions": _enum_list(functions, "job functions (departments)"),
        "industries": _enum_list(industries, "company industries"),
        "countries": _text_list("ISO 3166-1 alpha-2 codes of the person's country: 'DE', 'US'"),
        "regions": _text_list(f"country groups ({', '.join(REGION_GROUPS)}) or a state/province name"),
        "cities": _text_list("city names: 'Berlin'"),
        "funding_stages": _enum_list(stages, "the company's latest funding round"),
        "keywords": _text_list("words that rank results higher (skills, technologies); they never filter"),
    }
    properties: dict[str, Any] = dict(lists)
    properties.update({
        "size_min": _int("fewest employees", MAX_SIZE),
        "size_max": _int("most employees", MAX_SIZE),
        "raised_within_days": _int("the company raised a round within this many days", MAX_DAYS),
        "hiring_for": _enum_list([*functions, "any"], "functions the company has open roles in ('any')"),
        "posted_about": _text_list("topics the person posted about"),
        "posted_within_days": _int("the person posted within this many days", MAX_DAYS),
        "new_in_role_days": _int("the person started their current role within this many days", MAX_DAYS),
        "exclude": {"type": "object", "additionalProperties": False, "description": "values that remove a result",
                    "properties": {k: v for k, v in lists.items()}},
    })
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "SearchFilters", "type": "object",
            "additionalProperties": False, "properties": properties}
