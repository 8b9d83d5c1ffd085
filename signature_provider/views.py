"""The JSON shapes of signature requests, signers and documents, as Yousign v3 answers them.

Webhook payloads use the same views without ``base_url``, so they carry no signature links.
"""

from __future__ import annotations

from typing import Any

from signature_provider.store import DONE, DRAFT, ONGOING, Document, SignatureRequest, Signer

WORKSPACE_ID = "5b1c3d2e-0f4a-4b6c-9d8e-7f6a5b4c3d2e"


def document_view(request: SignatureRequest, document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "filename": document.filename,
        "nature": document.nature,
        "content_type": document.content_type,
        "sha256": document.sha256,
        "is_protected": False,
        "is_signed": request.status == DONE,
        "created_at": document.created_at,
        "total_pages": document.total_pages,
        "is_locked": request.status != DRAFT,
        "initials": None,
        "total_anchors": 0,
    }


def signer_link(base_url: str | None, request: SignatureRequest, signer: Signer) -> str | None:
    """The signer's page, while it is their turn to act on an ongoing request."""
    if base_url is None or request.status != ONGOING or signer.status != "notified":
        return None
    return f"{base_url.rstrip('/')}/signer/{request.id}?signer_id={signer.id}"


def signer_view(
    request: SignatureRequest, signer: Signer, base_url: str | None = None
) -> dict[str, Any]:
    link = signer_link(base_url, request, signer)
    return {
        "id": signer.id,
        "info": {
            "first_name": signer.first_name,
            "last_name": signer.last_name,
            "email": signer.email,
            "phone_number": signer.phone_number,
            "locale": signer.locale,
        },
        "status": signer.status,
        "signature_link": link,
        "signature_link_expiration_date": request.expiration_date if link else None,
        "signature_image_preview": None,
        "signature_level": signer.signature_level,
        "signature_authentication_mode": signer.signature_authentication_mode,
        "delivery_mode": None,
        "fields": signer.fields,
    }


def request_view(request: SignatureRequest, base_url: str | None = None) -> dict[str, Any]:
    signers: list[dict[str, Any]] = []
    for signer in request.signers:
        item: dict[str, Any] = {"id": signer.id, "status": signer.status}
        link = signer_link(base_url, request, signer)
        if link:
            item["signature_link"] = link
        signers.append(item)
    return {
        "id": request.id,
        "status": request.status,
        "name": request.name,
        "delivery_mode": request.delivery_mode,
        "created_at": request.created_at,
        "ordered_signers": request.ordered_signers,
        "reminder_settings": request.reminder_settings,
        "timezone": request.timezone,
        "email_custom_note": None,
        "expiration_date": request.expiration_date,
        "source": "public_api",
        "signers": signers,
        "approvers": [],
        "labels": [],
        "documents": [{"id": d.id, "nature": d.nature} for d in request.documents],
        "external_id": request.external_id,
        "branding_id": None,
        "custom_experience_id": None,
        "sender": None,
        "workspace_id": WORKSPACE_ID,
        "audit_trail_locale": "fr",
        "signers_allowed_to_decline": True,
        "decline_information": request.decline_information,
    }
