"""The pages mounted on the API's FastAPI app: static files, routers, error pages.

Every router here gets the CSRF check as a dependency, so no POST form of the pages can go
without it, and none appears in the API's OpenAPI document.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from api.errors import ApiError
from web import invitation, sign_in
from web.auth import CLIENT_SIGN_IN, STAFF_SIGN_IN, current_visitor
from web.client import pages as client_pages
from web.client import sign_in as client_sign_in
from web.csrf import csrf_protected
from web.errors import PageError, SignInRequired
from web.staff.routes import ROUTERS as STAFF_ROUTERS
from web.templating import STATIC_DIR, STATIC_URL, render

PAGE_PREFIXES = ("/app", "/client")
REFUSALS = {
    404: ("Page introuvable", "Cette page n'existe pas ou n'est pas la vôtre."),
    409: ("Action impossible", "Cette action n'est plus possible dans l'état actuel."),
    503: ("Service indisponible", "Le service est momentanément indisponible. Réessayez."),
}
ROUTERS = [
    sign_in.router,
    invitation.router,
    *STAFF_ROUTERS,
    client_sign_in.router,
    client_pages.router,
]


def page_error(request: Request, status: int, title: str, message: str) -> Response:
    back = "/client/" if request.url.path.startswith("/client") else "/app/"
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "back": back},
        status_code=status,
    )


async def _api_answer(handler: Any, request: Request, error: Exception) -> Response:
    """The API's own handler's answer (FastAPI keeps both plain and async handlers)."""
    answer = handler(request, error)
    return await answer if inspect.isawaitable(answer) else answer


def install_web(app: FastAPI) -> None:
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="web-static")
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False, dependencies=[Depends(csrf_protected)])

    @app.exception_handler(PageError)
    async def _page_error(request: Request, error: PageError) -> Response:
        await current_visitor(request)  # the layout shows who is signed in
        response = page_error(request, error.status, error.title, error.message)
        response.headers.update(error.headers)
        return response

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, error: SignInRequired) -> Response:
        return RedirectResponse(error.sign_in_url, status_code=303)

    api_http_error = app.exception_handlers[StarletteHTTPException]
    api_error = app.exception_handlers[ApiError]
    api_invalid = app.exception_handlers[RequestValidationError]

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        # A form field past its limits (a 100 000-character e-mail...): a page, not JSON.
        if not request.url.path.startswith(PAGE_PREFIXES):
            return await _api_answer(api_invalid, request, error)
        await current_visitor(request)
        return page_error(
            request, 422, "Données refusées", "Un champ du formulaire dépasse ce qui est permis."
        )

    @app.exception_handler(ApiError)
    async def _refused(request: Request, error: ApiError) -> Response:
        # A service the pages share with the API refused: the person reads it on a page.
        if not request.url.path.startswith(PAGE_PREFIXES):
            return await _api_answer(api_error, request, error)
        await current_visitor(request)
        title, message = REFUSALS.get(error.status, ("Action impossible", error.message))
        return page_error(request, error.status, title, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        # Under the pages' paths a person reads the error: an HTML page, not the API's JSON.
        if not request.url.path.startswith(PAGE_PREFIXES):
            return await _api_answer(api_http_error, request, error)
        await current_visitor(request)  # the layout shows who is signed in
        if error.status_code == 404:
            return page_error(request, 404, "Page introuvable", "Cette page n'existe pas.")
        if error.status_code == 405:
            return page_error(
                request, 405, "Action impossible", "Cette page ne s'utilise pas ainsi."
            )
        return page_error(request, error.status_code, "Erreur", str(error.detail))


__all__ = ["CLIENT_SIGN_IN", "STAFF_SIGN_IN", "install_web"]
