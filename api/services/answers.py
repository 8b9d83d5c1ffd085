"""Clients' answers to information requests: a message, and files filed in their shared
folder. The API's portal endpoints and the client's pages both answer through here."""

from __future__ import annotations

import hashlib
from functools import partial

from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from api.deps import Caller
from api.errors import ApiError, conflict, invalid, not_found
from api.schemas import DocumentOut, WorkOut
from api.services.sessions import in_session, reading
from domain.documents import file_document
from domain.enums import DocumentKind, WorkKind, WorkStatus
from domain.folders import client_files_folder
from domain.ged import blob_store
from domain.models import WorkItem, utcnow
from domain.uploads import FileKind, UploadRefused, safe_name, sniff


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


def record_answer(session: Session, client: Caller, item_id: str, answer: str) -> WorkOut:
    """The client's message answering its request (once: 409 when already answered)."""
    item = own_information_request(session, client, item_id)
    if item.status != WorkStatus.open:
        raise ApiError(409, "conflict", "this request has already been answered")
    item.status, item.answer, item.answered_at = WorkStatus.answered, answer, utcnow()
    session.flush()
    return WorkOut(**item.model_dump())


async def file_answer(client: Caller, item_id: str, filename: str, data: bytes) -> DocumentOut:
    """A file answering the request, filed in the client's shared folder for the firm.

    Stored by content: the same bytes sent twice for one request are one document.
    """
    await reading(partial(answerable, client=client, item_id=item_id))
    try:
        kind = await run_in_threadpool(sniff, data, filename)
        name = safe_name(filename, kind)
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
