"""Missions: creation, lines, plan, letter preview and generation, signature, cancellation,
termination."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response
from sqlmodel import col, select

from api.deps import DbSession, FirmStaff, Temporal, firm_row
from api.idempotency import IdempotencyKeyHeader, mark_replayed
from api.missions_view import mission_out, missions_out
from api.schemas import (
    CancelIn,
    LetterCreated,
    LetterIn,
    LinePatch,
    MissionIn,
    MissionOut,
    PlanItemOut,
    PreviewIn,
    SignatureCreated,
    SignatureIn,
    TerminationCreated,
    TerminationIn,
)
from api.services import missions
from api.services.plan import mission_plan
from domain.enums import MissionStatus
from domain.models import Mission

router = APIRouter(prefix="/v1/missions", tags=["missions"])


@router.post("", status_code=201, response_model=MissionOut)
async def create_mission(
    body: MissionIn,
    staff: FirmStaff,
    temporal: Temporal,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MissionOut:
    answer = await missions.create(temporal, staff, body, idempotency_key)
    if answer.replayed:
        mark_replayed(response)
    return answer.mission


@router.get("", response_model=list[MissionOut])
def list_missions(
    session: DbSession,
    staff: FirmStaff,
    client_id: str | None = None,
    status: MissionStatus | None = None,
) -> list[MissionOut]:
    query = select(Mission).where(Mission.firm_id == staff.firm)
    if client_id is not None:
        query = query.where(Mission.client_id == client_id)
    if status is not None:
        query = query.where(Mission.status == status)
    return missions_out(session, list(session.exec(query.order_by(col(Mission.created_at)))))


@router.get("/{mission_id}", response_model=MissionOut)
def get_mission(mission_id: str, session: DbSession, staff: FirmStaff) -> MissionOut:
    return mission_out(session, firm_row(session, Mission, staff.firm, mission_id, "mission"))


@router.get("/{mission_id}/plan", response_model=list[PlanItemOut])
def get_plan(mission_id: str, session: DbSession, staff: FirmStaff) -> list[PlanItemOut]:
    """The work of the mission's current period, by due date: each item `created` or `planned`."""
    mission = firm_row(session, Mission, staff.firm, mission_id, "mission")
    return [
        PlanItemOut(**asdict(item.work), status=item.status)
        for item in mission_plan(session, mission)
    ]


@router.patch("/{mission_id}/lines/{line_id}", response_model=MissionOut)
async def change_line(
    mission_id: str, line_id: str, body: LinePatch, staff: FirmStaff, temporal: Temporal
) -> MissionOut:
    return await missions.change_line(temporal, staff, mission_id, line_id, body)


@router.post(
    "/{mission_id}/letter/preview",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def preview_letter(
    mission_id: str, body: PreviewIn, staff: FirmStaff, temporal: Temporal
) -> Response:
    """The letter exactly as it would be generated now; nothing is filed or kept."""
    pdf = await missions.preview_letter(temporal, staff, mission_id, body)
    return Response(pdf, media_type="application/pdf")


@router.post("/{mission_id}/letter", status_code=201, response_model=LetterCreated)
async def generate_letter(
    mission_id: str, body: LetterIn, staff: FirmStaff, temporal: Temporal
) -> LetterCreated:
    return await missions.generate_letter(temporal, staff, mission_id, body)


@router.post("/{mission_id}/signature", status_code=202, response_model=SignatureCreated)
async def request_signature(
    mission_id: str, staff: FirmStaff, temporal: Temporal, body: SignatureIn | None = None
) -> SignatureCreated:
    return await missions.request_signature(temporal, staff, mission_id, body or SignatureIn())


@router.post("/{mission_id}/cancel", status_code=202, response_model=MissionOut)
async def cancel_mission(
    mission_id: str, staff: FirmStaff, temporal: Temporal, body: CancelIn | None = None
) -> MissionOut:
    return await missions.cancel(temporal, staff, mission_id, (body or CancelIn()).reason)


@router.post("/{mission_id}/termination", status_code=202, response_model=TerminationCreated)
async def terminate_mission(
    mission_id: str, body: TerminationIn, staff: FirmStaff, temporal: Temporal
) -> TerminationCreated:
    """Record a termination by the firm or the client: it takes effect at the end of the
    current period when the notice was given in time, else at the end of the next one, or
    on an earlier agreed date; the mission is `terminated` from then on."""
    return await missions.terminate(temporal, staff, mission_id, body)
