"""A staff member invited by their admin chooses a password from the e-mailed link."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.services.sessions import in_session, reading
from domain.passwords import password_problem, set_password
from domain.settings import get_settings
from domain.sign_in_links import STAFF_INVITATION, spend_link, usable_link
from web.errors import PageError
from web.sessions import end_all_sessions, open_session
from web.sign_in import STAFF_HOME, set_session_cookie
from web.templating import render

router = APIRouter()

PAGE = "/app/invitation/{token}"


def invitation_expired() -> PageError:
    return PageError(
        410,
        "Invitation expirée",
        "Ce lien d'invitation n'est plus valable : il a déjà servi ou a expiré. "
        "Demandez-en un nouveau à l'administrateur du cabinet.",
    )


@router.get(PAGE)
async def invitation_page(request: Request, token: str) -> Response:
    if await reading(partial(usable_link, token=token, purpose=STAFF_INVITATION)) is None:
        raise invitation_expired()
    return render(request, "invitation.html", {"token": token})


def _accept(session: Session, token: str, password: str, hours: int) -> str | None:
    link = spend_link(session, token, STAFF_INVITATION)
    if link is None or link.staff_id is None:
        return None
    set_password(session, link.staff_id, password)
    # A new password: sessions opened with an earlier one end.
    end_all_sessions(session, staff_id=link.staff_id)
    return open_session(session, firm_id=link.firm_id, staff_id=link.staff_id, hours=hours)


@router.post(PAGE)
async def choose_password(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=1024)] = "",
    confirmation: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    problem = password_problem(password)
    if problem is None and password != confirmation:
        problem = "Les deux mots de passe ne sont pas identiques."
    if problem is not None:
        return render(
            request, "invitation.html", {"token": token, "error": problem}, status_code=422
        )
    hours = get_settings().web_session_hours
    cookie = await in_session(partial(_accept, token=token, password=password, hours=hours))
    if cookie is None:
        raise invitation_expired()
    response = RedirectResponse(STAFF_HOME, status_code=303)
    set_session_cookie(request, response, cookie)
    return response
