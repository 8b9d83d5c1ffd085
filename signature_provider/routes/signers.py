"""/v3/signature_requests/{id}/signers: add and list signers, remind one.

Signature fields are checked (known document, page in range) and kept, never drawn; a
reminder is counted and written to the audit trail, no e-mail is sent.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from signature_provider.bodies import AddSignerBody
from signature_provider.errors import invalid_request, not_found
from signature_provider.state import State, base_url
from signature_provider.store import DRAFT, ONGOING, SignatureRequest, Signer, now_iso
from signature_provider.views import signer_view

router = APIRouter(prefix="/signature_requests/{request_id}/signers")


@router.post("", status_code=201)
async def add_signer(
    request_id: str, body: AddSignerBody, state: State, http: Request
) -> dict[str, Any]:
    request = state.load(request_id)
    if request.status != DRAFT:
        raise invalid_request(
            f"Signers can only be added to a draft Signature Request (it is {request.status})."
        )
    if body.signature_authentication_mode == "otp_sms" and not body.info.phone_number:
        raise invalid_request("otp_sms needs info.phone_number.")
    check_fields(request, body.fields)
    signer = Signer(
        id=str(uuid.uuid4()),
        first_name=body.info.first_name,
        last_name=body.info.last_name,
        email=body.info.email,
        phone_number=body.info.phone_number,
        locale=body.info.locale,
        signature_level=body.signature_level,
        signature_authentication_mode=body.signature_authentication_mode,
        fields=[dict(f, id=str(uuid.uuid4())) for f in body.fields],
        created_at=now_iso(),
    )
    request.signers.append(signer)
    request.log("signer.added", f"{signer.full_name} <{signer.email}>")
    state.store.save(request)
    return signer_view(request, signer, base_url(http))


def check_fields(request: SignatureRequest, fields: list[dict[str, Any]]) -> None:
    """Each field names a document of the request and a page of that document."""
    for field in fields:
        document = request.document(str(field.get("document_id")))
        if document is None:
            raise invalid_request(f"fields: unknown document_id {field.get('document_id')}.")
        page = field.get("page")
        if not isinstance(page, int) or not 1 <= page <= document.total_pages:
            raise invalid_request(f"fields: page must be between 1 and {document.total_pages}.")


@router.get("")
async def list_signers(request_id: str, state: State, http: Request) -> list[dict[str, Any]]:
    request = state.load(request_id)
    return [signer_view(request, s, base_url(http)) for s in request.signers]


@router.post("/{signer_id}/send_reminder", status_code=201)
async def send_reminder(request_id: str, signer_id: str, state: State) -> Response:
    request = state.load(request_id)
    signer = request.signer(signer_id)
    if signer is None:
        raise not_found("Signer")
    if request.status != ONGOING or signer.status != "notified":
        raise invalid_request(
            "Reminders go only to a signer still to sign an ongoing Signature Request."
        )
    signer.reminders += 1
    request.log("signer.reminded", f"Relance n° {signer.reminders} à {signer.email}")
    state.store.save(request)
    return Response(status_code=201)
