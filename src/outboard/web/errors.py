"""How the pages answer problems: sign-in redirects, 403 and 404 pages, refused forms."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from outboard.core.errors import NotFound, OutboardError
from outboard.web.deps import CsrfRefused, Forbidden, SignInRequired
from outboard.web.templating import is_htmx, render


def _error(request: Request, status: int, title: str, message: str) -> Response:
    # htmx shows 4xx answers in place (base.html's htmx-config), so it gets the message alone, not a page.
    return render(request, "error.html", {"title": title, "message": message}, status=status, block="error")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = "/signin" if target == "/" else f"/signin?next={quote(target, safe='')}"
        if is_htmx(request):  # htmx follows redirects inside the page; ask it to load the sign-in page instead
            return Response(status_code=401, headers={"HX-Redirect": location})
        if request.method != "GET":
            return _error(request, 401, "Signed out", "Your session ended. Sign in again, then retry.")
        return RedirectResponse(location, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, "Admins only", str(exc))

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, _exc: CsrfRefused) -> Response:
        return _error(request, 403, "Form refused",
                      "This form was not sent from an Outboard page of your current session (its security token "
                      "is missing or old). Go back, reload the page and send it again.")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "Not found", str(exc)[:1].upper() + str(exc)[1:] + ".")

    @app.exception_handler(OutboardError)
    async def outboard_error(request: Request, exc: OutboardError) -> Response:
        return _error(request, 400, "Cannot do that", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, _exc: RequestValidationError) -> Response:
        # Page routes read forms as text and check them themselves; only a malformed path gets here.
        return _error(request, 404, "Not found", "There is no page here.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):  # an address the API's mount did not take (a newline in it)
            return JSONResponse({"detail": str(exc.detail), "field": None}, status_code=exc.status_code)
        titles = {404: "Not found", 405: "Not allowed"}
        message = "There is no page here." if exc.status_code == 404 else str(exc.detail)
        return _error(request, exc.status_code, titles.get(exc.status_code, "Error"), message)
