"""The application: pages, static files, the public unsubscribe endpoint, and the REST API at /api."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from outboard import __version__
from outboard.api.app import create_api
from outboard.core.errors import ConfigError
from outboard.runtime import Runtime
from outboard.team.ratelimit import LoginLimiter
from outboard.team.sessions import SessionCodec
from outboard.web.errors import install_error_handlers
from outboard.web.headers import SecurityHeadersMiddleware
from outboard.web.routes import (
    analytics,
    api_docs,
    auth,
    enrichment,
    imports,
    in_doubt,
    inbox,
    jobs,
    lab,
    leads,
    linkedin_webhooks,
    messages,
    plays,
    runs,
    search,
    sequences,
    settings_compliance,
    settings_profiles,
    settings_sender_dkim,
    settings_sender_limits,
    settings_senders,
    settings_team,
    settings_tokens,
    settings_usage,
    settings_webhooks,
    steps,
    tasks,
    unsubscribe,
)
from outboard.web.session import SessionMiddleware
from outboard.web.templating import make_templates

STATIC = Path(__file__).with_name("static")


def create_app(rt: Runtime) -> FastAPI:
    if not rt.settings.secret_key:
        raise ConfigError("OUTBOARD_SECRET_KEY is missing: the web app signs its sessions with it; "
                          "run `outboard init` to create one")
    app = FastAPI(title="Outboard", version=__version__, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.rt = rt
    app.state.codec = SessionCodec(rt.settings.secret_key)
    app.state.templates = make_templates()
    app.state.login_limiter = LoginLimiter(rt.clock)
    api = create_api(rt)
    app.state.api = api
    api.state.templates = app.state.templates
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    for module in (auth, plays, leads, search, imports, enrichment, jobs, runs, sequences, in_doubt, steps, lab,
                   messages, tasks, inbox, analytics, settings_team, settings_tokens, settings_usage,
                   settings_compliance, settings_senders, settings_sender_limits, settings_sender_dkim,
                   settings_profiles, settings_webhooks, unsubscribe, linkedin_webhooks, api_docs):
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/api", api, name="api")
    secure = rt.settings.public_url.startswith("https://")
    app.add_middleware(SessionMiddleware, codec=app.state.codec, secure=secure)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
