"""/v3/signature_requests/{id}/documents: upload and list documents, download the results.

Only PDF documents are accepted (Yousign also takes other formats); the signed PDF and the
audit trail are the provider's receipts (see ``receipts.py``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile

from signature_provider import pdf
from signature_provider.errors import invalid_request
from signature_provider.receipts import AUDIT, SIGNED, read_receipt
from signature_provider.state import State
from signature_provider.store import DRAFT, Document, now_iso
from signature_provider.views import document_view

router = APIRouter(prefix="/signature_requests/{request_id}")

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
NATURES = ("signable_document", "attachment")


@router.post("/documents", status_code=201)
async def upload_document(
    request_id: str,
    state: State,
    file: Annotated[UploadFile, File()],
    nature: Annotated[str, Form()],
) -> dict[str, Any]:
    filename = file.filename or "document.pdf"
    content = await file.read(MAX_DOCUMENT_BYTES + 1)
    if nature not in NATURES:
        raise invalid_request("nature must be signable_document or attachment.")
    if not content or len(content) > MAX_DOCUMENT_BYTES:
        raise invalid_request("file is empty or larger than 50 MB.")
    if not content.startswith(b"%PDF"):
        raise invalid_request("Only PDF documents are accepted.")
    try:
        pages = pdf.page_count(content)
    except ValueError as exc:
        raise invalid_request(str(exc)) from exc
    # No await from here on: the request read is the request saved.
    request = state.load(request_id)
    if request.status != DRAFT:
        raise invalid_request(
            f"Documents can only be added to a draft Signature Request (it is {request.status})."
        )
    document = Document(
        id=str(uuid.uuid4()),
        nature=nature,
        filename=filename,
        content_type="application/pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        total_pages=pages,
        created_at=now_iso(),
    )
    state.store.write_document(document.id, content)
    request.documents.append(document)
    request.log("document.added", f"{filename} ({pages} pages, sha256 {document.sha256})")
    state.store.save(request)
    return document_view(request, document)


@router.get("/documents")
async def list_documents(request_id: str, state: State) -> list[dict[str, Any]]:
    request = state.load(request_id)
    return [document_view(request, d) for d in request.documents]


@router.get("/documents/download")
async def download_signed(request_id: str, state: State) -> Response:
    request = state.load(request_id)
    return pdf_attachment(read_receipt(state.store, request, SIGNED), f"{request.id}-signed.pdf")


@router.get("/audit_trails/download")
async def download_audit_trail(request_id: str, state: State) -> Response:
    request = state.load(request_id)
    content = read_receipt(state.store, request, AUDIT)
    return pdf_attachment(content, f"{request.id}-audit-trail.pdf")


def pdf_attachment(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
