"""/signer/{id}: what a signer does in Yousign's signing page, without e-mail or OTP.

``GET /signer/{id}`` is a small HTML page; ``POST /signer/{id}/sign`` signs for every pending
signer, or for ``{"signer_id"}`` alone (in turn when signers are ordered);
``POST /signer/{id}/decline`` ``{reason}`` declines for the first pending signer or the one
named. Each step raises the webhooks Yousign would (``signer.done``,
``signature_request.done``, ``signature_request.declined``).
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import HTMLResponse

from signature_provider.bodies import DeclineBody, SignBody
from signature_provider.errors import conflict, not_found
from signature_provider.receipts import build_receipts
from signature_provider.state import State, base_url
from signature_provider.store import DECLINED, DONE, ONGOING, Signer, now_iso
from signature_provider.views import request_view, signer_view

router = APIRouter(prefix="/signer/{request_id}")


@router.get("", response_class=HTMLResponse)
async def signer_page(request_id: str, state: State, signer_id: str | None = None) -> str:
    request = state.load(request_id)
    rows = "".join(
        f"<li>{html.escape(s.full_name)} &lt;{html.escape(s.email)}&gt; — "
        f"{html.escape(s.status)}</li>"
        for s in request.signers
    )
    target = html.escape(signer_id or "")
    actions = ""
    if request.status == ONGOING:
        actions = """
<button onclick="act('sign', {})">Signer</button>
<button onclick="const r = prompt('Motif du refus ?'); if (r) act('decline', {reason: r})">
Refuser</button>"""
    return f"""<!doctype html><html lang="fr"><meta charset="utf-8">
<title>Signature — {html.escape(request.name)}</title>
<h1>{html.escape(request.name)}</h1>
<p>Statut : <b>{html.escape(request.status)}</b></p>
<p><a href="/signer/{request.id}/document">Voir le document</a></p>
<ul>{rows}</ul>{actions}
<script>
async function act(kind, body) {{
  if ("{target}") body.signer_id = "{target}";
  const r = await fetch("/signer/{request.id}/" + kind, {{method: "POST",
    headers: {{"Content-Type": "application/json"}}, body: JSON.stringify(body)}});
  if (!r.ok) alert((await r.json()).detail);
  location.reload();
}}
</script></html>"""


@router.get("/document")
async def signer_document(request_id: str, state: State) -> Response:
    request = state.load(request_id)
    signable = [d for d in request.documents if d.nature == "signable_document"]
    if not signable:
        raise not_found("Document")
    return Response(state.store.read_document(signable[0].id), media_type="application/pdf")


@router.post("/sign")
async def sign(
    request_id: str,
    state: State,
    http: Request,
    body: Annotated[SignBody | None, Body()] = None,
) -> dict[str, Any]:
    request = state.load_ongoing(request_id)
    pending = [s for s in request.signers if s.status != "signed"]
    if body is not None and body.signer_id:
        signer = request.signer(body.signer_id)
        if signer is None:
            raise not_found("Signer")
        if signer.status == "signed":
            raise conflict("This signer has already signed.")
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
    return {
        "signature_request": request_view(request, base_url(http)),
        "signed": [s.id for s in targets],
    }


@router.post("/decline")
async def decline(
    request_id: str, body: DeclineBody, state: State, http: Request
) -> dict[str, Any]:
    request = state.load_ongoing(request_id)
    signer: Signer | None
    if body.signer_id:
        signer = request.signer(body.signer_id)
        if signer is None:
            raise not_found("Signer")
        if signer.status == "signed":
            raise conflict("This signer has already signed.")
    else:
        signer = next((s for s in request.signers if s.status != "signed"), None)
        if signer is None:
            raise conflict("Every signer has already signed.")
    at = now_iso()
    signer.status = "declined"
    signer.declined_at = at
    request.status = DECLINED
    request.decline_information = {"reason": body.reason, "declined_at": at, "signer_id": signer.id}
    request.log("signature_request.declined", f"{signer.full_name} a refusé : {body.reason}")
    state.store.save(request)
    state.dispatcher.enqueue(
        "signature_request.declined",
        {
            "signature_request": request_view(request),
            "signer": signer_view(request, signer),
            "reason": body.reason,
        },
    )
    return {"signature_request": request_view(request, base_url(http))}
