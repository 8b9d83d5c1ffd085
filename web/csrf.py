"""CSRF: every POST form of the pages carries a token, checked by one dependency.

A signed-in visitor's token is their session's (``websession.csrf_token``); before sign-in
(the sign-in forms themselves) it is a random value kept in a cookie of its own. The check is
a dependency of the pages' routers (web/app.py), so no POST route can forget it.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from web.auth import current_visitor, visitor_of
from web.errors import PageError

FIELD = "csrf_token"
# htmx sends the layout's token in this header (hx-headers on <body>).
HEADER = "X-CSRF-Token"
ANONYMOUS_COOKIE = "sceau_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def form_token(request: Request) -> str:
    """The token this request's forms must carry."""
    visitor = visitor_of(request)
    if visitor is not None:
        return visitor.csrf_token
    token = request.cookies.get(ANONYMOUS_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def remember_anonymous_token(request: Request, response: Response) -> None:
    """Set the pre-sign-in token's cookie when this request made one."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(
            ANONYMOUS_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )


async def csrf_protected(request: Request) -> None:
    """403 for a form without the right token; safe methods pass."""
    if request.method not in UNSAFE_METHODS:
        return
    sent: object = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()  # Starlette keeps it: the endpoint reads the same form
        sent = form.get(FIELD)
    visitor = await current_visitor(request)
    expected = visitor.csrf_token if visitor else request.cookies.get(ANONYMOUS_COOKIE)
    if (
        not isinstance(sent, str)
        or not expected
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise PageError(
            403,
            "Formulaire refusé",
            "Ce formulaire a expiré ou ne vient pas de Sceau. Revenez à la page et réessayez.",
        )
