"""The signature provider's callbacks: verified, then passed to the mission's workflow."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from sqlmodel import select

from activities.signature_client import parse_webhook
from api import gateway
from api.deps import Temporal
from api.errors import ApiError, not_found
from api.services.sessions import reading
from domain.models import SignatureRequest
from domain.settings import get_settings
from domain.webhook_signing import HEADER, verify
from workflows.messages import SignatureEvent
from workflows.mission import MissionWorkflow

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
log = logging.getLogger("sceau.webhooks")

EVENT_KINDS = {
    "signer.done": "signer_done",
    "signature_request.done": "done",
    "signature_request.declined": "declined",
    "signature_request.expired": "expired",
    "signature_request.canceled": "canceled",
}


@router.post("/signature/{provider}")
async def signature_webhook(provider: str, request: Request, temporal: Temporal) -> dict[str, str]:
    if provider != "yousign":
        raise not_found(f"signature provider {provider}")
    body = await request.body()
    if not verify(
        get_settings().secret("yousign_webhook_secret"), body, request.headers.get(HEADER)
    ):
        raise ApiError(401, "bad_signature", f"missing or wrong {HEADER}")
    try:
        event = parse_webhook(body)
    except ValueError as error:
        raise ApiError(400, "bad_payload", str(error)) from None
    kind = EVENT_KINDS.get(event.event_name)
    record = await reading(
        lambda session: session.exec(
            select(SignatureRequest).where(
                SignatureRequest.provider == provider,
                SignatureRequest.provider_request_id == event.signature_request_id,
            )
        ).first()
    )
    # Acknowledge what we do not act on, so that the provider stops sending it.
    if kind is None or record is None:
        log.info("ignored %s for %s", event.event_name, event.signature_request_id)
        return {"status": "ignored"}
    try:
        await gateway.signal(
            temporal,
            record.mission_id,
            MissionWorkflow.signature_event,
            SignatureEvent(
                event_id=event.event_id,
                kind=kind,
                reason=event.reason or "",
                signer_email=event.signer_email or "",
            ),
        )
    except ApiError as error:
        if error.status != 409:
            raise
        # The mission has ended (signed and completed, declined, ...): a late or repeated
        # event has nothing left to change, and a 4xx would have the provider retry it.
        log.info("ignored %s for ended mission %s", event.event_name, record.mission_id)
        return {"status": "ignored"}
    return {"status": "accepted"}
