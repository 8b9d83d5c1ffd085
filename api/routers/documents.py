"""The firm's view of clients' documents, and the client's view of its shared folders."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import col, select

from api.deps import DbSession, FirmStaff, PortalClient, firm_row
from api.errors import not_found
from api.schemas import DocumentOut, MoveIn
from api.services.portal import document_content, shared_document, shared_documents
from domain.models import Client, Document, Folder

router = APIRouter(prefix="/v1", tags=["documents"])


@router.get("/documents/{document_id}", response_model=DocumentOut)
def get_document(document_id: str, session: DbSession, staff: FirmStaff) -> DocumentOut:
    return DocumentOut(
        **firm_row(session, Document, staff.firm, document_id, "document").model_dump()
    )


@router.get("/documents/{document_id}/content")
def get_document_content(document_id: str, session: DbSession, staff: FirmStaff) -> Response:
    return document_content(firm_row(session, Document, staff.firm, document_id, "document"))


@router.post("/documents/{document_id}/move", response_model=DocumentOut)
def move_document(
    document_id: str, body: MoveIn, session: DbSession, staff: FirmStaff
) -> DocumentOut:
    """Moving changes who can see the document, never its bytes."""
    document = firm_row(session, Document, staff.firm, document_id, "document")
    folder = session.get(Folder, body.folder_id)
    if folder is None or folder.client_id != document.client_id:
        raise not_found(f"folder {body.folder_id}")
    document.folder_id = folder.id
    session.flush()
    return DocumentOut(**document.model_dump())


@router.get("/clients/{client_id}/documents", response_model=list[DocumentOut])
def list_client_documents(
    client_id: str, session: DbSession, staff: FirmStaff, folder_id: str | None = None
) -> list[DocumentOut]:
    client = firm_row(session, Client, staff.firm, client_id, "client")
    query = select(Document).where(Document.client_id == client.id)
    if folder_id is not None:
        query = query.where(Document.folder_id == folder_id)
    documents = session.exec(query.order_by(col(Document.created_at)))
    return [DocumentOut(**document.model_dump()) for document in documents]


@router.get("/portal/documents", response_model=list[DocumentOut])
def list_portal_documents(session: DbSession, client: PortalClient) -> list[DocumentOut]:
    assert client.client_id is not None
    documents = shared_documents(session, client.client_id)
    return [DocumentOut(**document.model_dump()) for document in documents]


@router.get("/portal/documents/{document_id}/content")
def get_portal_document_content(
    document_id: str, session: DbSession, client: PortalClient
) -> Response:
    assert client.client_id is not None
    document = shared_document(session, client.client_id, document_id)
    if document is None:
        raise not_found(f"document {document_id}")
    return document_content(document)
