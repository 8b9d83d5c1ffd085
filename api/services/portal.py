"""What a client sees of its firm's work: the documents of its shared folders, its
information requests. The API's portal endpoints and the client's pages read through here."""

from __future__ import annotations

from fastapi import Response
from sqlmodel import Session, col, select

from domain.enums import DocumentKind, WorkKind
from domain.ged import blob_store
from domain.models import Document, Folder, WorkItem
from domain.uploads import content_disposition


def shared_folder_ids(session: Session, client_id: str) -> list[str]:
    return list(
        session.exec(
            select(Folder.id).where(
                Folder.client_id == client_id, col(Folder.shared_with_client).is_(True)
            )
        )
    )


def shared_documents(session: Session, client_id: str) -> list[Document]:
    """The documents of the client's shared folders, oldest first."""
    folders = shared_folder_ids(session, client_id)
    return list(
        session.exec(
            select(Document)
            .where(col(Document.folder_id).in_(folders))
            .order_by(col(Document.created_at))
        )
    )


def shared_document(session: Session, client_id: str, document_id: str) -> Document | None:
    """The document if it lies in one of the client's shared folders (else None: another
    client's, a private folder's and a missing one look the same)."""
    document = session.get(Document, document_id)
    if document is None or document.folder_id not in shared_folder_ids(session, client_id):
        return None
    return document


def document_content(document: Document, *, download: bool = False) -> Response:
    """The document's bytes. A client's own upload is always downloaded, never shown in
    Sceau's origin, and never re-sniffed; the firm's PDFs may be shown inline."""
    attachment = download or document.kind == DocumentKind.upload
    return Response(
        blob_store().get(document.sha256),
        media_type=document.content_type,
        headers={
            "Content-Disposition": content_disposition(
                "attachment" if attachment else "inline", document.name
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )


def information_requests(session: Session, client_id: str) -> list[WorkItem]:
    """The client's information requests, by due date."""
    return list(
        session.exec(
            select(WorkItem)
            .where(
                WorkItem.client_id == client_id,
                WorkItem.kind == WorkKind.information_request,
            )
            .order_by(col(WorkItem.due_date), col(WorkItem.key))
        )
    )
