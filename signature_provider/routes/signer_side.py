"""/signer/{id}: what a signer does in Yousign's signing page, as JSON controls for tests.

``POST /signer/{id}/sign`` signs for every pending signer, or for ``{"signer_id"}`` alone (in
turn when signers are ordered); ``POST /signer/{id}/decline`` ``{reason}`` declines for the
first pending signer or the one named. Each step raises the webhooks Yousign would
(``signer.done``, ``signature_request.done``, ``signature_request.declined``). The signer's
page (``signer_page.py``) does the same through ``signer_actions``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response

from signature_provider import signer_actions
from signature_provider.bodies import DeclineBody, SignBody
from signature_provider.errors import ApiError, not_found
from signature_provider.state import State, base_url
from signature_provider.views import request_view


async def same_site_only(http: Request, origin: Annotated[str | None, Header()] = None) -> None:
    """A browser names the page a post comes from in ``Origin``: only the provider's own pages
    may use these controls (an empty cross-site form would otherwise sign for everyone).
    Scripts and tests send no ``Origin``."""
    if origin is not None and origin.rstrip("/") != str(http.base_url).rstrip("/"):
        raise ApiError(403, "forbidden", "Cross-site requests are refused.")


router = APIRouter(prefix="/signer/{request_id}")


@router.get("/document")
async def signer_document(request_id: str, state: State) -> Response:
    request = state.load(request_id)
    signable = [d for d in request.documents if d.nature == "signable_document"]
    if not signable:
        raise not_found("Document")
    # Inline: the signer's page shows it in a frame.
    return Response(
        state.store.read_document(signable[0].id),
        media_type="application/pdf",
        headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/sign", dependencies=[Depends(same_site_only)])
async def sign(
    request_id: str,
    state: State,
    http: Request,
    body: Annotated[SignBody | None, Body()] = None,
) -> dict[str, Any]:
    signed = signer_actions.sign(state, request_id, body.signer_id if body else None)
    return {
        "signature_request": request_view(state.load(request_id), base_url(http)),
        "signed": [s.id for s in signed],
    }


@router.post("/decline", dependencies=[Depends(same_site_only)])
async def decline(
    request_id: str, body: DeclineBody, state: State, http: Request
) -> dict[str, Any]:
    request = signer_actions.decline(state, request_id, body.reason, body.signer_id)
    return {"signature_request": request_view(request, base_url(http))}
