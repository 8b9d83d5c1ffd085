"""The work a signed mission set off: firm tasks, and information requests the client answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from api.deps import DbSession, FirmStaff, PortalClient
from api.errors import ApiError, not_found
from api.schemas import AnswerIn, WorkOut
from domain.enums import WorkKind, WorkStatus
from domain.models import WorkItem, utcnow

router = APIRouter(prefix="/v1", tags=["work"])


@router.get("/tasks", response_model=list[WorkOut])
def list_tasks(
    session: DbSession,
    staff: FirmStaff,
    mission_id: str | None = None,
    kind: WorkKind | None = None,
    status: WorkStatus | None = None,
) -> list[WorkOut]:
    query = select(WorkItem).where(WorkItem.firm_id == staff.firm)
    if mission_id is not None:
        query = query.where(WorkItem.mission_id == mission_id)
    if kind is not None:
        query = query.where(WorkItem.kind == kind)
    if status is not None:
        query = query.where(WorkItem.status == status)
    items = session.exec(query.order_by(col(WorkItem.due_date), col(WorkItem.key)))
    return [WorkOut(**item.model_dump()) for item in items]


@router.get("/portal/information-requests", response_model=list[WorkOut])
def list_information_requests(session: DbSession, client: PortalClient) -> list[WorkOut]:
    items = session.exec(
        select(WorkItem)
        .where(
            WorkItem.client_id == client.client_id,
            WorkItem.kind == WorkKind.information_request,
        )
        .order_by(col(WorkItem.due_date), col(WorkItem.key))
    )
    return [WorkOut(**item.model_dump()) for item in items]


@router.post("/portal/information-requests/{item_id}/answer", response_model=WorkOut)
def answer_information_request(
    item_id: str, body: AnswerIn, session: DbSession, client: PortalClient
) -> WorkOut:
    item = session.get(WorkItem, item_id)
    if (
        item is None
        or item.client_id != client.client_id
        or item.kind != WorkKind.information_request
    ):
        raise not_found(f"information request {item_id}")
    if item.status != WorkStatus.open:
        raise ApiError(409, "conflict", "this request has already been answered")
    item.status, item.answer, item.answered_at = WorkStatus.answered, body.answer, utcnow()
    session.flush()
    return WorkOut(**item.model_dump())
