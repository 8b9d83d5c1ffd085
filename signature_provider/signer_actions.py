"""What a signer does — sign, decline — whether through the JSON controls or the signer's page.

Both routes call these functions, so the rules (turns, who may still act) and the webhooks
raised are written once. Each one reads, changes and saves the request without awaiting, so
it is atomic on the provider's single event loop (see ``state.py``).
"""

from __future__ import annotations

from typing import Any

from signature_provider.errors import conflict, not_found
from signature_provider.receipts import build_receipts
from signature_provider.state import ProviderState
from signature_provider.store import DECLINED, DONE, SignatureRequest, Signer, now_iso
from signature_provider.views import request_view, signer_view


def _unsigned(request: SignatureRequest, signer_id: str) -> Signer:
    """The request's signer `signer_id`, who has not signed yet (404, 409 otherwise)."""
    signer = request.signer(signer_id)
    if signer is None:
        raise not_found("Signer")
    if signer.status == "signed":
        raise conflict("This signer has already signed.")
    return signer


def sign(state: ProviderState, request_id: str, signer_id: str | None) -> list[Signer]:
    """Sign for ``signer_id`` (in turn when signers are ordered), or for every pending signer;
    raises ``signer.done`` for each, then ``signature_request.done`` when none is left."""
    request = state.load_ongoing(request_id)
    pending = [s for s in request.signers if s.status != "signed"]
    if signer_id:
        signer = _unsigned(request, signer_id)
        if request.ordered_signers and pending[0].id != signer.id:
            raise conflict("Signers sign in order; it is not their turn.")
        targets = [signer]
    else:
        targets = pending
    events: list[tuple[str, dict[str, Any]]] = []
    for signer in targets:
        signer.status = "signed"
        signer.signed_at = now_iso()
        request.log("signer.done", f"{signer.full_name} <{signer.email}> a signé")
        events.append(
            (
                "signer.done",
                {
                    "signature_request": request_view(request),
                    "signer": signer_view(request, signer),
                },
            )
        )
    if all(s.status == "signed" for s in request.signers):
        request.status = DONE
        request.completed_at = now_iso()
        request.log("signature_request.done", "Tous les signataires ont signé")
        build_receipts(state.store, request)
        events.append(("signature_request.done", {"signature_request": request_view(request)}))
    state.store.save(request)
    for name, data in events:
        state.dispatcher.enqueue(name, data)
    return targets


def decline(
    state: ProviderState, request_id: str, reason: str, signer_id: str | None
) -> SignatureRequest:
    """Decline for ``signer_id``, or for the first signer who has not signed; the whole request
    is then declined and ``signature_request.declined`` raised with the reason."""
    request = state.load_ongoing(request_id)
    signer: Signer | None
    if signer_id:
        signer = _unsigned(request, signer_id)
    else:
        signer = next((s for s in request.signers if s.status != "signed"), None)
        if signer is None:
            raise conflict("Every signer has already signed.")
    at = now_iso()
    signer.status = "declined"
    signer.declined_at = at
    request.status = DECLINED
    request.decline_information = {"reason": reason, "declined_at": at, "signer_id": signer.id}
    request.log("signature_request.declined", f"{signer.full_name} a refusé : {reason}")
    state.store.save(request)
    state.dispatcher.enqueue(
        "signature_request.declined",
        {
            "signature_request": request_view(request),
            "signer": signer_view(request, signer),
            "reason": reason,
        },
    )
    return request
