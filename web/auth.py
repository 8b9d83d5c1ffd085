"""Who is looking at a page: the session cookie's visitor, and the page guards.

``StaffPage`` and ``ClientPage`` are the dependencies of every staff and client page: no live
session of the right kind sends the browser to its sign-in page (and back afterwards).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from api.services.sessions import reading
from web.errors import SignInRequired
from web.sessions import CLIENT, COOKIE, STAFF, Visitor, find_visitor

STAFF_SIGN_IN = "/app/sign-in"
CLIENT_SIGN_IN = "/client/sign-in"


def visitor_of(request: Request) -> Visitor | None:
    """The visitor already found for this request (None when none was looked up or found)."""
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    return visitor


async def current_visitor(request: Request) -> Visitor | None:
    """The visitor behind the request's session cookie, looked up once per request."""
    if hasattr(request.state, "visitor"):
        return visitor_of(request)
    cookie = request.cookies.get(COOKIE)
    visitor = await reading(partial(find_visitor, cookie=cookie)) if cookie else None
    request.state.visitor = visitor
    return visitor


def safe_next(target: str | None, prefix: str) -> str | None:
    """``target`` when it is a path of these pages; never another site (an open redirect)."""
    if target and target.startswith(prefix) and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _sign_in_url(request: Request, sign_in: str) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{sign_in}?next={quote(here, safe='')}"


async def staff_visitor(request: Request) -> Visitor:
    visitor = await current_visitor(request)
    if visitor is None or visitor.kind != STAFF:
        raise SignInRequired(_sign_in_url(request, STAFF_SIGN_IN))
    return visitor


async def client_visitor(request: Request) -> Visitor:
    visitor = await current_visitor(request)
    if visitor is None or visitor.kind != CLIENT:
        raise SignInRequired(_sign_in_url(request, CLIENT_SIGN_IN))
    return visitor


StaffPage = Annotated[Visitor, Depends(staff_visitor)]
ClientPage = Annotated[Visitor, Depends(client_visitor)]
