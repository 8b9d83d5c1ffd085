"""The signature provider's callbacks: verified, then passed to the mission's workflow."""

from __future__ import annotations

import logging
from functools import partial

from fastapi import APIRouter, Request
from sqlmodel import Session, select

from api import gateway
from api.deps import Temporal
from api.errors import ApiError, not_found
from api.services.sessions import reading
from contracts.messages import SignatureEvent
from domain.models import SignatureRequest
from domain.settings import get_settings
from esignature.webhook_signing import HEADER, verify
from esignature.yousign import EVENT_KINDS, parse_webhook
from workflows.mission import MissionWorkflow

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
log = logging.getLogger("sceau.webhooks")


def _signature_request(session: Session, provider: str, request_id: str) -> SignatureRequest | None:
    """The mission's signature request the provider's event is about (read in a thread)."""
    statement = select(SignatureRequest).where(
        SignatureRequest.provider == provider, SignatureRequest.provider_request_id == request_id
    )
    return session.exec(statement).first()


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
    if event.signature_request_id is None:
        # An event about no signature request (a seal, a kind Yousign added later): nothing
        # for a mission. Acknowledged, so that the provider does not send it for days.
        if kind is not None:
            log.warning("%s without its signature request: ignored", event.event_name)
        return {"status": "ignored"}
    record = await reading(
        partial(_signature_request, provider=provider, request_id=event.signature_request_id)
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
                # The letter's or an amendment's request: the workflow routes by it.
                signature_id=record.id,
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
