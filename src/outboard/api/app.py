"""The REST API application, mounted at /api by the web app."""

from __future__ import annotations

from fastapi import FastAPI

from outboard import __version__
from outboard.api.errors import install_error_handlers
from outboard.api.routes import jobs, leads, me, plays, runs, suppressions, tokens, usage
from outboard.runtime import Runtime

DESCRIPTION = """The Outboard REST API. Authenticate with an API token (Settings → API tokens in the web app):
`Authorization: Bearer obt_...`. Objects of another workspace answer 404. Errors are JSON
`{"detail": "...", "field": "..."}`."""


def create_api(rt: Runtime) -> FastAPI:
    api = FastAPI(title="Outboard API", version=__version__, description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    api.state.rt = rt
    install_error_handlers(api)
    for module in (me, plays, runs, leads, tokens, usage, jobs, suppressions):
        api.include_router(module.router)
    return api
