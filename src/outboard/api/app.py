"""The REST API application, mounted at /api by the web app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from outboard import __version__
from outboard.api.errors import ERROR_DESCRIPTIONS, install_error_handlers
from outboard.api.routes import (
    accounts,
    analytics,
    enrichment,
    imports,
    in_doubt,
    inbox,
    jobs,
    leads,
    me,
    messages,
    plays,
    runs,
    search,
    sequences,
    source_groups,
    strategies,
    suppressions,
    tasks,
    tokens,
    usage,
    webhooks,
)
from outboard.runtime import Runtime

DESCRIPTION = """The Outboard REST API. Authenticate with an API token (Settings → API tokens in the web app):
`Authorization: Bearer obt_...`. Objects of another workspace answer 404. Errors are JSON
`{"detail": "...", "field": "..."}`."""


def create_api(rt: Runtime) -> FastAPI:
    api = FastAPI(title="Outboard API", version=__version__, description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    api.state.rt = rt
    install_error_handlers(api)
    for module in (me, plays, runs, sequences, messages, source_groups, leads, search, imports, enrichment, tasks,
                   inbox, in_doubt, analytics, accounts, strategies, tokens, usage, jobs, suppressions, webhooks):
        api.include_router(module.router)
    api.openapi = lambda: _openapi(api)  # type: ignore[method-assign]
    return api


def _openapi(api: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with its own 422 body (a list of problems) replaced by ours, which the error
    handler really answers with."""
    if api.openapi_schema is None:
        schema = get_openapi(title=api.title, version=api.version, openapi_version=api.openapi_version,
                             description=api.description, routes=api.routes, tags=api.openapi_tags,
                             servers=api.servers)
        error_ref = {"$ref": "#/components/schemas/ErrorOut"}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                invalid = operation.get("responses", {}).get("422")
                if invalid is not None:
                    invalid["content"] = {"application/json": {"schema": error_ref}}
                    invalid["description"] = ERROR_DESCRIPTIONS[422]
        components = schema.get("components", {}).get("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        api.openapi_schema = schema
    return api.openapi_schema
