"""The work a signed mission set off: firm tasks, and information requests the client answers."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from sqlmodel import col, select

from api.deps import DbSession, FirmStaff, PortalClient
from api.limits import read_capped
from api.schemas import AnswerIn, DocumentOut, ErrorOut, WorkOut
from api.services import answers
from api.services.portal import information_requests
from api.services.sessions import reading
from domain.enums import WorkKind, WorkStatus
from domain.models import WorkItem
from domain.settings import get_settings

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
    assert client.client_id is not None
    items = information_requests(session, client.client_id)
    return [WorkOut(**item.model_dump()) for item in items]


@router.post("/portal/information-requests/{item_id}/answer", response_model=WorkOut)
def answer_information_request(
    item_id: str, body: AnswerIn, session: DbSession, client: PortalClient
) -> WorkOut:
    return answers.record_answer(session, client, item_id, body.answer)


@router.post(
    "/portal/information-requests/{item_id}/files",
    status_code=201,
    response_model=DocumentOut,
    responses={413: {"model": ErrorOut, "description": "The file is too large"}},
)
async def send_file(
    item_id: str, client: PortalClient, file: Annotated[UploadFile, File()]
) -> DocumentOut:
    """A file answering the request, filed in the client's shared folder for the firm.

    Stored by content: the same bytes sent twice for one request are one document.
    """
    await reading(partial(answers.answerable, client=client, item_id=item_id))
    data = await read_capped(file, get_settings().upload_max_bytes, "a file")
    return await answers.file_answer(client, item_id, file.filename or "", data)
