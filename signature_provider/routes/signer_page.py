"""The signer's page, reached from the signing link the provider gives for each signer
(``/signer/{request id}?signer_id={signer id}``, Yousign's ``signature_link``).

It shows the document and, while it is the signer's turn, a "Signer" form and a "Refuser"
form with the reason. The forms post to ``/signer/{id}/signers/{signer id}/sign|decline``
with the link's token (``form_tokens``), do what the JSON controls do (``signer_actions``),
then redirect to the page, which tells what happened. A used link tells the same.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from signature_provider import signer_actions
from signature_provider.bodies import DeclineBody
from signature_provider.errors import ApiError
from signature_provider.form_tokens import form_token, token_is_valid
from signature_provider.signer_page import (
    JUST_DONE,
    PAGE_HEADERS,
    render_request_page,
    render_signer_page,
    render_unknown_link,
)
from signature_provider.state import ProviderState, State
from signature_provider.store import SignatureRequest, Signer

router = APIRouter(prefix="/signer/{request_id}")

FORGED = (
    "Ce formulaire ne vient pas de votre page de signature : rien n'a été fait. "
    "Utilisez les boutons « Signer » ou « Refuser » de la page."
)
TOO_LATE = "Cette action n'est plus possible : rien n'a été fait."


@router.get("", response_class=HTMLResponse)
async def signer_page(
    request_id: str, state: State, signer_id: str | None = None, done: str = ""
) -> Response:
    request = state.store.get(request_id)
    if request is None:
        return unknown_link()
    if signer_id is None:
        return page(render_request_page(request))
    signer = request.signer(signer_id)
    if signer is None:
        return unknown_link()
    # Only what really happened: a `done` that the signer's state does not bear out is ignored.
    notice = JUST_DONE.get(done, "") if done == signer.status else ""
    return signer_view(state, request, signer, notice=notice)


@router.post("/signers/{signer_id}/sign", response_class=HTMLResponse)
async def sign_from_page(
    request_id: str, signer_id: str, state: State, token: Annotated[str, Form()] = ""
) -> Response:
    found = find(state, request_id, signer_id)
    if found is None:
        return unknown_link()
    request, signer = found
    if not token_is_valid(state.config.api_key, request_id, signer_id, token):
        return signer_view(state, request, signer, error=FORGED, status=403)
    try:
        signer_actions.sign(state, request_id, signer_id)
    except ApiError as error:
        return signer_view(state, request, signer, error=TOO_LATE, status=error.status)
    return after(request, signer, "signed")


@router.post("/signers/{signer_id}/decline", response_class=HTMLResponse)
async def decline_from_page(
    request_id: str,
    signer_id: str,
    state: State,
    token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    found = find(state, request_id, signer_id)
    if found is None:
        return unknown_link()
    request, signer = found
    if not token_is_valid(state.config.api_key, request_id, signer_id, token):
        return signer_view(state, request, signer, error=FORGED, status=403)
    try:
        # The JSON control's own rule for a reason (1 to 1000 characters).
        body = DeclineBody(reason=reason.strip(), signer_id=signer_id)
    except ValidationError:
        problem = (
            "Indiquez le motif de votre refus."
            if not reason.strip()
            else "Le motif ne peut pas dépasser 1000 caractères."
        )
        return signer_view(state, request, signer, reason=reason, reason_error=problem, status=400)
    try:
        signer_actions.decline(state, request_id, body.reason, signer_id)
    except ApiError as error:
        return signer_view(state, request, signer, error=TOO_LATE, status=error.status)
    return after(request, signer, "declined")


def find(
    state: ProviderState, request_id: str, signer_id: str
) -> tuple[SignatureRequest, Signer] | None:
    request = state.store.get(request_id)
    signer = request.signer(signer_id) if request is not None else None
    if request is None or signer is None:
        return None
    return request, signer


def signer_view(
    state: ProviderState,
    request: SignatureRequest,
    signer: Signer,
    *,
    status: int = 200,
    notice: str = "",
    error: str = "",
    reason: str = "",
    reason_error: str = "",
) -> Response:
    token = form_token(state.config.api_key, request.id, signer.id)
    html = render_signer_page(
        request,
        signer,
        token=token,
        notice=notice,
        error=error,
        reason=reason,
        reason_error=reason_error,
    )
    return page(html, status)


def after(request: SignatureRequest, signer: Signer, done: str) -> Response:
    """Back to the page (post, redirect, get): reloading it does not post again."""
    url = f"/signer/{request.id}?signer_id={signer.id}&done={done}"
    return RedirectResponse(url, status_code=303)


def unknown_link() -> Response:
    return page(render_unknown_link(), 404)


def page(html: str, status: int = 200) -> Response:
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
