"""Clients sign in with a one-time link e-mailed to them (valid `sign_in_link_minutes`, 15
by default; single use).

Whether the e-mail is known or not, the answer is the same page, sent before any e-mail
goes out: nothing tells a visitor which addresses have an account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Annotated

import aiosmtplib
from fastapi import APIRouter, BackgroundTasks, Form, Request
from sqlmodel import Session, func, select
from starlette.responses import RedirectResponse, Response

from api.services.sessions import in_session, reading
from domain.account_mail import client_sign_in_message
from domain.mail import send
from domain.models import Client, Firm, PortalUser
from domain.settings import get_settings
from domain.sign_in_links import CLIENT_SIGN_IN, issue_link, spend_link, usable_link
from web.auth import CLIENT_SIGN_IN as SIGN_IN_PAGE
from web.auth import current_visitor
from web.errors import PageError
from web.ratelimit import LINK_REQUESTS, LINK_REQUESTS_FROM
from web.sessions import CLIENT, open_session
from web.sign_in import address_of, set_session_cookie, too_many
from web.templating import render

log = logging.getLogger("sceau.web")
router = APIRouter()

CLIENT_HOME = "/client/"


@dataclass(frozen=True)
class LinkToSend:
    to: str
    link_id: str
    token: str
    firm_name: str
    client_name: str


def issue_client_links(session: Session, email: str, lifetime: timedelta) -> list[LinkToSend]:
    """A link for each portal account with this e-mail (one person may be the client of
    several firms, or of several client files); none for an unknown e-mail."""
    people = session.exec(
        select(PortalUser, Client, Firm)
        .join(Client, Client.id == PortalUser.client_id)  # type: ignore[arg-type]
        .join(Firm, Firm.id == PortalUser.firm_id)  # type: ignore[arg-type]
        .where(func.lower(PortalUser.email) == email.strip().lower())
    ).all()
    links = []
    for person, client, firm in people:
        token, link = issue_link(
            session,
            CLIENT_SIGN_IN,
            firm_id=firm.id,
            portal_user_id=person.id,
            lifetime=lifetime,
        )
        links.append(LinkToSend(person.email, link.id, token, firm.name, client.name))
    return links


async def send_links(links: list[LinkToSend]) -> None:
    settings = get_settings()
    for link in links:
        message = client_sign_in_message(
            settings,
            to=link.to,
            link_id=link.link_id,
            url=f"{settings.resolved_public_url}{SIGN_IN_PAGE}/{link.token}",
            firm_name=link.firm_name,
            client_name=link.client_name,
            minutes=settings.sign_in_link_minutes,
        )
        try:
            await send(settings, message)
        except (aiosmtplib.SMTPException, OSError) as error:
            # The visitor already has their answer; the link can be asked for again.
            log.warning("the sign-in link to %s could not be sent: %s", link.to, error)


@router.get(SIGN_IN_PAGE)
async def client_sign_in_page(request: Request) -> Response:
    visitor = await current_visitor(request)
    if visitor is not None and visitor.kind == CLIENT:
        return RedirectResponse(CLIENT_HOME, status_code=303)
    return _sign_in_form(request, "")


def _sign_in_form(request: Request, email: str, error: str | None = None) -> Response:
    """The page that asks for an address, saying how long the link it sends stays valid."""
    context = {"email": email, "minutes": get_settings().sign_in_link_minutes}
    if error is None:
        return render(request, "client/sign_in.html", context)
    return render(request, "client/sign_in.html", {**context, "error": error}, status_code=422)


@router.post(SIGN_IN_PAGE)
async def ask_for_a_link(
    request: Request,
    background: BackgroundTasks,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    email = email.strip()
    if "@" not in email:
        return _sign_in_form(request, email, "Saisissez une adresse e-mail valide.")
    key, address = email.lower(), address_of(request)
    wait = LINK_REQUESTS.retry_after(key) or LINK_REQUESTS_FROM.retry_after(address)
    if wait is not None:
        raise too_many(wait)
    LINK_REQUESTS.hit(key)
    LINK_REQUESTS_FROM.hit(address)
    lifetime = timedelta(minutes=get_settings().sign_in_link_minutes)
    links = await in_session(partial(issue_client_links, email=email, lifetime=lifetime))
    # Sent after the answer, so that a known address takes no longer to answer than another.
    background.add_task(send_links, links)
    return render(
        request,
        "client/link_sent.html",
        {"email": email, "minutes": get_settings().sign_in_link_minutes},
    )


def link_expired() -> PageError:
    return PageError(
        410,
        "Lien expiré",
        "Ce lien de connexion n'est plus valable : il a déjà servi ou a expiré. "
        "Demandez-en un nouveau depuis la page de connexion.",
    )


@router.get(SIGN_IN_PAGE + "/{token}")
async def open_link(request: Request, token: str) -> Response:
    """A page with one button: opening the link alone signs nobody in, since mail scanners
    open links too; the person's click does."""
    if await reading(partial(usable_link, token=token, purpose=CLIENT_SIGN_IN)) is None:
        raise link_expired()
    return render(request, "client/open_link.html", {"token": token})


def _sign_in_with(session: Session, token: str, hours: int) -> str | None:
    link = spend_link(session, token, CLIENT_SIGN_IN)
    if link is None:
        return None
    return open_session(
        session, firm_id=link.firm_id, portal_user_id=link.portal_user_id, hours=hours
    )


@router.post(SIGN_IN_PAGE + "/{token}")
async def sign_in_with_link(request: Request, token: str) -> Response:
    hours = get_settings().web_session_hours
    cookie = await in_session(partial(_sign_in_with, token=token, hours=hours))
    if cookie is None:
        raise link_expired()
    response = RedirectResponse(CLIENT_HOME, status_code=303)
    set_session_cookie(request, response, cookie)
    return response
