"""The work a signed mission set off: firm tasks, and information requests the client answers."""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session, col, select

from api.deps import Caller, DbSession, FirmStaff, PortalClient
from api.errors import ApiError, conflict, invalid, not_found
from api.limits import read_capped
from api.schemas import AnswerIn, DocumentOut, ErrorOut, WorkOut
from api.services.sessions import in_session, reading
from domain.documents import file_document
from domain.enums import DocumentKind, WorkKind, WorkStatus
from domain.folders import client_files_folder
from domain.ged import blob_store
from domain.models import WorkItem, utcnow
from domain.settings import get_settings
from domain.uploads import FileKind, UploadRefused, safe_name, sniff

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


def own_information_request(session: Session, client: Caller, item_id: str) -> WorkItem:
    """The client's own information request, else 404 (another client's answers the same)."""
    item = session.get(WorkItem, item_id)
    if (
        item is None
        or item.client_id != client.client_id
        or item.kind != WorkKind.information_request
    ):
        raise not_found(f"information request {item_id}")
    return item


@router.post("/portal/information-requests/{item_id}/answer", response_model=WorkOut)
def answer_information_request(
    item_id: str, body: AnswerIn, session: DbSession, client: PortalClient
) -> WorkOut:
    item = own_information_request(session, client, item_id)
    if item.status != WorkStatus.open:
        raise ApiError(409, "conflict", "this request has already been answered")
    item.status, item.answer, item.answered_at = WorkStatus.answered, body.answer, utcnow()
    session.flush()
    return WorkOut(**item.model_dump())


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
    await reading(partial(answerable, client=client, item_id=item_id))
    data = await read_capped(file, get_settings().upload_max_bytes, "a file")
    try:
        kind = await run_in_threadpool(sniff, data, file.filename or "")
        name = safe_name(file.filename, kind)
    except UploadRefused as error:
        raise invalid(f"this file cannot be accepted: {error}") from None
    filing = partial(_file_answer, client=client, item_id=item_id, name=name, data=data, kind=kind)
    return await in_session(filing, actor=client.actor)


def _file_answer(
    session: Session, client: Caller, item_id: str, name: str, data: bytes, kind: FileKind
) -> DocumentOut:
    """File the client's answer in its shared folder (in a worker thread)."""
    # Checked again in the writing transaction: the firm may have closed it meanwhile.
    item = answerable(session, client, item_id)
    folder = client_files_folder(session, item.client_id)
    if folder is None:
        raise conflict("the client has no shared folder to receive files")
    document = file_document(
        session,
        blob_store(),
        key=f"upload:{item.id}:{hashlib.sha256(data).hexdigest()}",
        firm_id=item.firm_id,
        client_id=item.client_id,
        folder_id=folder.id,
        mission_id=item.mission_id,
        kind=DocumentKind.upload,
        name=name,
        version=1,
        data=data,
        content_type=kind.content_type,
        work_item_id=item.id,
    )
    return DocumentOut(**document.model_dump())


def answerable(session: Session, client: Caller, item_id: str) -> WorkItem:
    """The client's information request, if it still takes files."""
    item = own_information_request(session, client, item_id)
    if item.status == WorkStatus.done:
        raise conflict("this request is closed")
    return item
