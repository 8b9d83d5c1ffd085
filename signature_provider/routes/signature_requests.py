"""/v3/signature_requests: create, list, read, activate and cancel a request.

Unlike Yousign, creating with an ``external_id`` already used returns that request (200)
instead of a second one; Sceau's client looks the external id up first, which works against
both.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from signature_provider.bodies import CancelBody, CreateRequestBody
from signature_provider.errors import invalid_request
from signature_provider.state import State, base_url
from signature_provider.store import CANCELED, DRAFT, ONGOING, SignatureRequest, now_iso
from signature_provider.views import request_view

router = APIRouter(prefix="/signature_requests")

DEFAULT_LIFETIME = timedelta(days=180)
LONGEST_LIFETIME = timedelta(days=365)


@router.post("", status_code=201)
async def create_signature_request(
    body: CreateRequestBody, state: State, http: Request, response: Response
) -> dict[str, Any]:
    if body.external_id:
        existing = state.store.by_external_id(body.external_id)
        if existing:
            response.status_code = 200
            return request_view(existing[0], base_url(http))
    created = datetime.now(UTC).replace(microsecond=0)
    expires = created + DEFAULT_LIFETIME
    if body.expiration_date is not None:
        if not created.date() < body.expiration_date <= (created + LONGEST_LIFETIME).date():
            raise invalid_request("expiration_date must be after today and within a year.")
        expires = datetime.combine(body.expiration_date, datetime.max.time(), UTC).replace(
            microsecond=0
        )
    request = SignatureRequest(
        id=str(uuid.uuid4()),
        name=body.name,
        delivery_mode=body.delivery_mode,
        external_id=body.external_id,
        ordered_signers=body.ordered_signers,
        timezone=body.timezone,
        created_at=created.isoformat(),
        expiration_date=expires.isoformat(),
        reminder_settings=body.reminder_settings.model_dump() if body.reminder_settings else None,
    )
    request.log("signature_request.created", f"Création de « {request.name} »")
    state.store.save(request)
    return request_view(request, base_url(http))


@router.get("")
async def list_signature_requests(
    state: State,
    http: Request,
    external_id: str | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    after: str | None = None,
) -> dict[str, Any]:
    found = state.store.by_external_id(external_id) if external_id else state.store.all()
    if status:
        found = [r for r in found if r.status in status]
    if after:
        ids = [r.id for r in found]
        found = found[ids.index(after) + 1 :] if after in ids else []
    page = found[:limit]
    next_cursor = page[-1].id if len(found) > limit else None
    return {
        "meta": {"next_cursor": next_cursor},
        "data": [request_view(r, base_url(http)) for r in page],
    }


@router.get("/{request_id}")
async def get_signature_request(request_id: str, state: State, http: Request) -> dict[str, Any]:
    return request_view(state.load(request_id), base_url(http))


@router.post("/{request_id}/activate", status_code=201)
async def activate(request_id: str, state: State, http: Request) -> dict[str, Any]:
    request = state.load(request_id)
    if request.status != DRAFT:
        raise invalid_request(
            f"Only a draft Signature Request can be activated (it is {request.status})."
        )
    if not any(d.nature == "signable_document" for d in request.documents):
        raise invalid_request("The Signature Request has no signable document.")
    if not request.signers:
        raise invalid_request("The Signature Request has no signer.")
    request.status = ONGOING
    request.activated_at = now_iso()
    for signer in request.signers:
        signer.status = "notified"
    request.log("signature_request.activated", f"{len(request.signers)} signataire(s)")
    state.store.save(request)
    return request_view(request, base_url(http))


@router.post("/{request_id}/cancel", status_code=201)
async def cancel(request_id: str, body: CancelBody, state: State, http: Request) -> dict[str, Any]:
    request = state.load(request_id)
    if request.status != ONGOING:
        raise invalid_request(
            f"Only an ongoing Signature Request can be canceled (it is {request.status})."
        )
    request.status = CANCELED
    request.cancel_information = {
        "reason": body.reason,
        "custom_note": body.custom_note,
        "canceled_at": now_iso(),
    }
    reason = body.custom_note or body.reason
    request.log("signature_request.canceled", reason)
    state.store.save(request)
    state.dispatcher.enqueue(
        "signature_request.canceled",
        {"signature_request": request_view(request), "reason": reason},
    )
    return request_view(request, base_url(http))
