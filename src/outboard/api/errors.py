"""API errors: every error is JSON `{"detail": ..., "field": ...}` with its HTTP status, declared for OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from outboard.core.errors import IllegalTransition, NotFound, OutboardError, ValidationError


class ErrorOut(BaseModel):
    detail: str
    field: str | None = None


_DESCRIPTIONS = {
    400: "The request cannot be carried out",
    401: "Missing, unknown or revoked API token",
    403: "Your role does not allow this (admins only)",
    404: "No such object in your workspace",
    409: "Not allowed in the object's current state",
    422: "Bad input; `field` names it",
    429: "Too many requests",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations for the error statuses an endpoint can answer (401 always)."""
    return {code: {"model": ErrorOut, "description": _DESCRIPTIONS[code]} for code in sorted({401, *codes})}


def status_of(exc: OutboardError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ValidationError):
        return 422
    if isinstance(exc, IllegalTransition):
        return 409
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OutboardError)
    async def outboard_error(_request: Request, exc: OutboardError) -> JSONResponse:
        field = exc.field if isinstance(exc, ValidationError) else None
        return JSONResponse(ErrorOut(detail=str(exc), field=field).model_dump(), status_code=status_of(exc))
