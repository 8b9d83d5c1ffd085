"""Controls for tests, outside /v3 and its API key: simulated expiry, injected faults, health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from signature_provider.bodies import FaultBody
from signature_provider.errors import invalid_request
from signature_provider.state import Fault, State, base_url
from signature_provider.store import EXPIRED, now_iso
from signature_provider.views import request_view

router = APIRouter()


@router.post("/_admin/signature_requests/{request_id}/expire")
async def expire(request_id: str, state: State, http: Request) -> dict[str, Any]:
    request = state.load_ongoing(request_id)
    request.status = EXPIRED
    request.expired_at = now_iso()
    request.log("signature_request.expired", "Date d'expiration dépassée (simulée)")
    state.store.save(request)
    state.dispatcher.enqueue(
        "signature_request.expired", {"signature_request": request_view(request)}
    )
    return {"signature_request": request_view(request, base_url(http))}


@router.post("/_admin/faults")
async def inject_fault(body: FaultBody, state: State) -> dict[str, Any]:
    """The next ``count`` calls to /v3 wait ``delay`` s, then answer ``status`` (0: normal)."""
    if body.status and not 400 <= body.status <= 599:
        raise invalid_request("status must be 0 or 400-599.")
    state.faults.append(Fault(status=body.status, remaining=body.count, delay=body.delay))
    return {"pending_faults": sum(f.remaining for f in state.faults)}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
