"""A mission's amendments (*avenants*): draft, read, preview and generate the letter, send it
for signature, cancel. Rules in api/services/amendments.py."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import FirmStaff, Temporal
from api.schemas import (
    AmendmentIn,
    AmendmentOut,
    CancelIn,
    LetterCreated,
    LetterIn,
    PreviewIn,
    SignatureCreated,
    SignatureIn,
)
from api.services import amendments

router = APIRouter(prefix="/v1/missions/{mission_id}/amendments", tags=["amendments"])


@router.post("", status_code=201, response_model=AmendmentOut)
async def draft_amendment(
    mission_id: str, body: AmendmentIn, staff: FirmStaff, temporal: Temporal
) -> AmendmentOut:
    """Draft an amendment of an active mission: its whole new set of lines, from
    `effective_date` (inside the current period); one amendment in progress at a time."""
    return await amendments.draft(temporal, staff, mission_id, body)


@router.get("/{amendment_id}", response_model=AmendmentOut)
async def get_amendment(mission_id: str, amendment_id: str, staff: FirmStaff) -> AmendmentOut:
    return await amendments.get(staff, mission_id, amendment_id)


@router.post(
    "/{amendment_id}/letter/preview",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def preview_amendment_letter(
    mission_id: str, amendment_id: str, body: PreviewIn, staff: FirmStaff, temporal: Temporal
) -> Response:
    """The amendment's letter exactly as it would be generated now; nothing is filed."""
    pdf = await amendments.preview_letter(temporal, staff, mission_id, amendment_id, body)
    return Response(pdf, media_type="application/pdf")


@router.post("/{amendment_id}/letter", status_code=201, response_model=LetterCreated)
async def generate_amendment_letter(
    mission_id: str, amendment_id: str, body: LetterIn, staff: FirmStaff, temporal: Temporal
) -> LetterCreated:
    return await amendments.generate_letter(temporal, staff, mission_id, amendment_id, body)


@router.post("/{amendment_id}/signature", status_code=202, response_model=SignatureCreated)
async def request_amendment_signature(
    mission_id: str,
    amendment_id: str,
    staff: FirmStaff,
    temporal: Temporal,
    body: SignatureIn | None = None,
) -> SignatureCreated:
    return await amendments.request_signature(
        temporal, staff, mission_id, amendment_id, body or SignatureIn()
    )


@router.post("/{amendment_id}/cancel", status_code=202, response_model=AmendmentOut)
async def cancel_amendment(
    mission_id: str,
    amendment_id: str,
    staff: FirmStaff,
    temporal: Temporal,
    body: CancelIn | None = None,
) -> AmendmentOut:
    reason = (body or CancelIn()).reason
    return await amendments.cancel(temporal, staff, mission_id, amendment_id, reason)
