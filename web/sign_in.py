"""Staff sign-in (e-mail and password) and everyone's sign-out."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session, func, select
from starlette.responses import RedirectResponse, Response

from api.services.sessions import in_session, reading
from domain.models import Staff, StaffPassword
from domain.passwords import password_matches
from domain.settings import get_settings
from web.auth import CLIENT_SIGN_IN, STAFF_SIGN_IN, current_visitor, safe_next
from web.errors import PageError
from web.ratelimit import WRONG_PASSWORDS, WRONG_PASSWORDS_FROM
from web.sessions import COOKIE, STAFF, end_all_sessions, end_session, open_session
from web.templating import render

router = APIRouter()

STAFF_HOME = "/app/"
WRONG = "Adresse e-mail ou mot de passe incorrect."


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(retry_after: int) -> PageError:
    return PageError(
        429,
        "Trop de tentatives",
        f"Trop de tentatives en peu de temps. Réessayez dans {retry_after} secondes.",
        {"Retry-After": str(retry_after)},
    )


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=get_settings().web_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def staff_with_password(session: Session, email: str, password: str) -> Staff | None:
    """The staff member whose e-mail and password these are (e-mails are unique per firm, so
    each firm's account with this e-mail is tried); None after the same work otherwise."""
    rows = session.exec(
        select(Staff, StaffPassword)
        .join(StaffPassword, StaffPassword.staff_id == Staff.id)  # type: ignore[arg-type]
        .where(func.lower(Staff.email) == email.strip().lower())
    ).all()
    for staff, credential in rows:
        if password_matches(credential.password_hash, password):
            return staff
    if not rows:
        password_matches(None, password)
    return None


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse(STAFF_SIGN_IN, status_code=303)


@router.get(STAFF_SIGN_IN)
async def staff_sign_in_page(request: Request, next: str | None = None) -> Response:
    visitor = await current_visitor(request)
    if visitor is not None and visitor.kind == STAFF:
        return RedirectResponse(safe_next(next, "/app/") or STAFF_HOME, status_code=303)
    return render(request, "sign_in.html", {"next": safe_next(next, "/app/"), "email": ""})


@router.post(STAFF_SIGN_IN)
async def staff_sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    key, address = email.strip().lower(), address_of(request)
    wait = WRONG_PASSWORDS.retry_after(key) or WRONG_PASSWORDS_FROM.retry_after(address)
    if wait is not None:
        raise too_many(wait)
    staff = await reading(partial(staff_with_password, email=email, password=password))
    if staff is None:
        WRONG_PASSWORDS.hit(key)
        WRONG_PASSWORDS_FROM.hit(address)
        return render(
            request,
            "sign_in.html",
            {"next": safe_next(next, "/app/"), "email": email, "error": WRONG},
            status_code=401,
        )
    WRONG_PASSWORDS.clear(key)
    hours = get_settings().web_session_hours
    cookie = await in_session(
        partial(open_session, firm_id=staff.firm_id, staff_id=staff.id, hours=hours)
    )
    response = RedirectResponse(safe_next(next, "/app/") or STAFF_HOME, status_code=303)
    set_session_cookie(request, response, cookie)
    return response


@router.post("/sign-out")
async def sign_out(
    request: Request, everywhere: Annotated[str | None, Form(max_length=10)] = None
) -> Response:
    """This session ends (every tab using it is signed out); with ``everywhere``, every
    session of the person, on every device."""
    visitor = await current_visitor(request)
    sign_in = STAFF_SIGN_IN
    if visitor is not None:
        if visitor.kind != STAFF:
            sign_in = CLIENT_SIGN_IN
        if everywhere:
            who = (
                {"staff_id": visitor.staff_id}
                if visitor.staff_id
                else {"portal_user_id": visitor.portal_user_id}
            )
            await in_session(partial(end_all_sessions, **who))
        else:
            await in_session(partial(end_session, session_id=visitor.session_id))
    response = RedirectResponse(f"{sign_in}?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
