"""Missions: creation, lines, letter preview and generation, signature, cancellation."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from sqlmodel import Session, col, func, select

from api import gateway
from api.deps import Caller, DbSession, FirmStaff, Temporal, firm_row
from api.errors import ApiError, invalid, not_found
from api.idempotency import IdempotencyKeyHeader, mark_replayed, once, replayed
from api.missions_view import mission_out
from api.schemas import (
    CancelIn,
    LetterCreated,
    LetterIn,
    LinePatch,
    MissionIn,
    MissionOut,
    PreviewIn,
    SignatureCreated,
    SignatureIn,
)
from domain.audit import record
from domain.db import session_scope
from domain.enums import TERMINAL_STATUSES, DocumentKind, MissionStatus, ServiceRequestStatus
from domain.ged import blob_store
from domain.letter_templates import template_bytes
from domain.missions import LineForm, MissionRuleError, build_draft
from domain.models import (
    Client,
    Document,
    Folder,
    Mission,
    MissionLine,
    Representative,
    ServiceRequest,
    Staff,
    new_id,
)
from domain.settings import get_settings
from workflows.messages import (
    MISSIONS_QUEUE,
    CancelRequest,
    LetterRequest,
    LineChange,
    MissionStart,
    RenderInput,
    SignatureAsk,
)
from workflows.mission import MissionWorkflow
from workflows.preview import LetterPreviewWorkflow

router = APIRouter(prefix="/v1/missions", tags=["missions"])


def letters_filed(session: Session, mission_id: str) -> int:
    statement = select(func.count()).where(
        Document.mission_id == mission_id, Document.kind == DocumentKind.letter
    )
    return session.exec(statement).one()


def reread(mission_id: str) -> MissionOut:
    """The mission as the workflow left it, in a session that sees its latest commit."""
    with session_scope() as session:
        mission = session.get(Mission, mission_id)
        assert mission is not None
        return mission_out(session, mission)


def already_created(session: Session, mission_id: str) -> bool:
    # A column query, not session.get: the session may hold the row as it was a moment ago.
    status = session.exec(select(Mission.status).where(Mission.id == mission_id)).first()
    return status is not None and status != MissionStatus.requested


def audit_action(
    session: Session,
    staff: Caller,
    mission: Mission | tuple[str, str],
    action: str,
    details: dict[str, Any],
) -> None:
    """Audit what the workflow did for this caller: its rows are not written in this session.

    ``mission`` is the row, or (mission id, client id) for one this session cannot see yet.
    """
    mission_id, client_id = (
        (mission.id, mission.client_id) if isinstance(mission, Mission) else mission
    )
    record(
        session,
        staff.actor,
        f"mission.{action}",
        firm_id=staff.firm,
        target=mission_id,
        client_id=client_id,
        mission_id=mission_id,
        details=details,
    )


def check_letter_inputs(
    session: Session, staff: Caller, mission: Mission, body: PreviewIn | LetterIn
) -> None:
    """Reject a letter request naming things the firm or the client does not have."""
    firm_rep = session.get(Staff, body.firm_representative_id)
    if firm_rep is None or firm_rep.firm_id != staff.firm:
        raise not_found(f"staff member {body.firm_representative_id}")
    if not firm_rep.legal_representative:
        raise invalid(f"{firm_rep.first_name} {firm_rep.last_name} is not a legal representative")
    client_rep = session.get(Representative, body.client_representative_id)
    if client_rep is None or client_rep.client_id != mission.client_id:
        raise not_found(f"representative {body.client_representative_id}")
    if template_bytes(session, blob_store(), staff.firm, body.template_id) is None:
        raise not_found(f"letter template {body.template_id}")
    if isinstance(body, LetterIn):
        folder = session.get(Folder, body.folder_id)
        if folder is None or folder.client_id != mission.client_id:
            raise not_found(f"folder {body.folder_id}")


@router.post("", status_code=201, response_model=MissionOut)
async def create_mission(
    body: MissionIn,
    session: DbSession,
    staff: FirmStaff,
    temporal: Temporal,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MissionOut:
    client = firm_row(session, Client, staff.firm, body.client_id, "client")
    earlier = replayed(session, staff, "missions.create", idempotency_key, body)
    if earlier is not None and already_created(session, earlier.resource_id):
        mark_replayed(response)
        return reread(earlier.resource_id)
    request = None
    if body.service_request_id is not None:
        request = session.get(ServiceRequest, body.service_request_id)
        if request is None or request.firm_id != staff.firm or request.client_id != client.id:
            raise not_found(f"service request {body.service_request_id}")
        if request.status != ServiceRequestStatus.open:
            raise ApiError(409, "conflict", "this request is already a mission")
    try:
        draft = build_draft(
            session,
            staff.firm,
            name=body.name,
            period_start=body.period_start,
            period_end=body.period_end,
            frequency=body.frequency,
            lines=[LineForm(line.service_id, line.price, line.frequency) for line in body.lines],
            by=staff.name,
        )
    except MissionRuleError as error:
        raise invalid(str(error), {"field": error.field}) from None
    # Only a valid request claims its key, and the mission's id is committed with it before
    # the workflow starts: a retry after a lost answer joins that workflow, not a new one.
    mission_id = once(
        session,
        staff,
        "missions.create",
        idempotency_key,
        body,
        request.mission_id if request else new_id("mis"),
    ).resource_id
    try:
        await gateway.update_with_start(
            temporal,
            MissionWorkflow.create_mission,
            draft,
            MissionStart(mission_id, staff.firm, client.id, request.id if request else None),
        )
    except ApiError as error:
        # Requests racing with one key share the mission id; the workflow makes the mission
        # for whichever update comes first and refuses the others, which answer with it.
        if (
            idempotency_key is None
            or error.status != 409
            or not already_created(session, mission_id)
        ):
            raise
        mark_replayed(response)
        return reread(mission_id)
    audit_action(session, staff, (mission_id, client.id), "created", body.model_dump(mode="json"))
    return reread(mission_id)


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
    missions = session.exec(query.order_by(col(Mission.created_at)))
    return [mission_out(session, mission) for mission in missions]


@router.get("/{mission_id}", response_model=MissionOut)
def get_mission(mission_id: str, session: DbSession, staff: FirmStaff) -> MissionOut:
    return mission_out(session, firm_row(session, Mission, staff.firm, mission_id, "mission"))


@router.patch("/{mission_id}/lines/{line_id}", response_model=MissionOut)
async def change_line(
    mission_id: str,
    line_id: str,
    body: LinePatch,
    session: DbSession,
    staff: FirmStaff,
    temporal: Temporal,
) -> MissionOut:
    mission = firm_row(session, Mission, staff.firm, mission_id, "mission")
    line = session.get(MissionLine, line_id)
    if line is None or line.mission_id != mission.id:
        raise not_found(f"line {line_id}")
    if body.price is None and body.frequency is None:
        raise invalid("give a price or a frequency to change")
    change = LineChange(
        line_id=line.id,
        by=staff.name,
        price=str(body.price) if body.price is not None else None,
        frequency=body.frequency.value if body.frequency is not None else None,
    )
    await gateway.update(temporal, mission.id, MissionWorkflow.change_line, change)
    audit_action(
        session,
        staff,
        mission,
        "line_changed",
        {"line_id": line.id, **body.model_dump(mode="json", exclude_none=True)},
    )
    return reread(mission.id)


@router.post(
    "/{mission_id}/letter/preview",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def preview_letter(
    mission_id: str, body: PreviewIn, session: DbSession, staff: FirmStaff, temporal: Temporal
) -> Response:
    """The letter exactly as it would be generated now; nothing is filed or kept."""
    mission = firm_row(session, Mission, staff.firm, mission_id, "mission")
    if mission.status not in (MissionStatus.draft, MissionStatus.letter_generated):
        raise ApiError(409, "conflict", f"the mission is {mission.status}: no letter to preview")
    check_letter_inputs(session, staff, mission, body)
    preview_id = uuid.uuid4().hex
    request = RenderInput(
        mission_id=mission.id,
        # The version the letter would get if generated now.
        version=letters_filed(session, mission.id) + 1,
        template_id=body.template_id,
        firm_representative_id=body.firm_representative_id,
        client_representative_id=body.client_representative_id,
        scratch_name=f"previews/{preview_id}.docx",
        # UTC, as the workflow's clock dates the real letter.
        letter_date=datetime.now(UTC).date().isoformat(),
    )
    try:
        pdf_name = await temporal.execute_workflow(
            LetterPreviewWorkflow.run,
            request,
            id=f"preview-{preview_id}",
            task_queue=MISSIONS_QUEUE,
        )
    except Exception as error:
        raise gateway.as_api_error(error) from error
    scratch = get_settings().scratch_dir
    pdf_path = scratch / pdf_name
    try:
        pdf = pdf_path.read_bytes()
    finally:
        for leftover in (pdf_path, scratch / request.scratch_name):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return Response(pdf, media_type="application/pdf")


@router.post("/{mission_id}/letter", status_code=201, response_model=LetterCreated)
async def generate_letter(
    mission_id: str, body: LetterIn, session: DbSession, staff: FirmStaff, temporal: Temporal
) -> LetterCreated:
    mission = firm_row(session, Mission, staff.firm, mission_id, "mission")
    check_letter_inputs(session, staff, mission, body)
    request = LetterRequest(
        template_id=body.template_id,
        folder_id=body.folder_id,
        firm_representative_id=body.firm_representative_id,
        client_representative_id=body.client_representative_id,
        by=staff.name,
    )
    filed = await gateway.update(temporal, mission.id, MissionWorkflow.generate_letter, request)
    audit_action(
        session,
        staff,
        mission,
        "letter_generated",
        {
            **body.model_dump(mode="json"),
            "document_id": filed.document_id,
            "version": filed.version,
        },
    )
    return LetterCreated(document_id=filed.document_id, version=filed.version, status=filed.status)


@router.post("/{mission_id}/signature", status_code=202, response_model=SignatureCreated)
async def request_signature(
    mission_id: str,
    session: DbSession,
    staff: FirmStaff,
    temporal: Temporal,
    body: SignatureIn | None = None,
) -> SignatureCreated:
    mission = firm_row(session, Mission, staff.firm, mission_id, "mission")
    ask = SignatureAsk(provider=(body or SignatureIn()).provider, by=staff.name)
    started = await gateway.update(temporal, mission.id, MissionWorkflow.request_signature, ask)
    audit_action(
        session,
        staff,
        mission,
        "signature_requested",
        {"provider": ask.provider, "signature_id": started.signature_id},
    )
    return SignatureCreated(
        signature_id=started.signature_id,
        provider_request_id=started.provider_request_id,
        status=started.status,
    )


@router.post("/{mission_id}/cancel", status_code=202, response_model=MissionOut)
async def cancel_mission(
    mission_id: str,
    session: DbSession,
    staff: FirmStaff,
    temporal: Temporal,
    body: CancelIn | None = None,
) -> MissionOut:
    mission = firm_row(session, Mission, staff.firm, mission_id, "mission")
    if mission.status in TERMINAL_STATUSES:
        raise ApiError(409, "conflict", f"the mission is already {mission.status}")
    reason = (body or CancelIn()).reason
    await gateway.signal(
        temporal, mission.id, MissionWorkflow.cancel, CancelRequest(staff.name, reason)
    )
    audit_action(session, staff, mission, "cancel_requested", {"reason": reason})
    return mission_out(session, mission)
