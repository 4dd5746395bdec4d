"""API errors: every error is JSON `{"detail": ..., "field": ...}` with its HTTP status, declared for OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from outboard.core.errors import IllegalTransition, NotFound, OutboardError, ValidationError
from outboard.send.in_doubt import NotInDoubt
from outboard.send.launch import LaunchBlocked
from outboard.write.message_rows import MessageLocked
from outboard.write.review import ApprovalRefused

# Refusals that depend on an object's state (launched, locked, blocked by findings): 409, like an illegal
# state transition.
CONFLICTS = (IllegalTransition, MessageLocked, LaunchBlocked, ApprovalRefused, NotInDoubt)


class ErrorOut(BaseModel):
    detail: str
    field: str | None = None


ERROR_DESCRIPTIONS = {
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
    return {code: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[code]} for code in sorted({401, *codes})}


def status_of(exc: OutboardError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ValidationError):
        return 422
    if isinstance(exc, CONFLICTS):
        return 409
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OutboardError)
    async def outboard_error(_request: Request, exc: OutboardError) -> JSONResponse:
        field = exc.field if isinstance(exc, ValidationError) else None
        return JSONResponse(ErrorOut(detail=str(exc), field=field).model_dump(), status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_input(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's own checks answer in the same shape as ours: the first problem, its field named."""
        problem = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "bad input"}
        where = [str(p) for p in problem.get("loc", ())[1:]]
        field = ".".join(where) or None
        message = str(problem.get("msg", "bad input"))
        return JSONResponse(ErrorOut(detail=f"{field}: {message}" if field else message, field=field).model_dump(),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """401, 403, 404 raised by FastAPI or the auth dependencies, in our shape; a body that cannot even be
        decoded (not UTF-8, not JSON) is bad input like any other: 422."""
        status = 422 if exc.status_code == 400 else exc.status_code
        detail = "the request body is not valid JSON" if exc.status_code == 400 else str(exc.detail)
        return JSONResponse(ErrorOut(detail=detail).model_dump(), status_code=status, headers=exc.headers)

    # Safety nets for what input checks did not catch: a value the database refuses (too long for its
    # column, a NUL character, out of range) or a clash with a unique key written at the same moment.
    @app.exception_handler(DataError)
    async def data_error(_request: Request, _exc: DataError) -> JSONResponse:
        return JSONResponse(ErrorOut(detail="a value is too long, out of range or has characters the database "
                                            "cannot store").model_dump(), status_code=422)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, _exc: IntegrityError) -> JSONResponse:
        return JSONResponse(ErrorOut(detail="this conflicts with an object that already exists (a name or an "
                                            "address must be unique)").model_dump(), status_code=409)
