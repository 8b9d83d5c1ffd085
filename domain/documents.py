"""Filing documents in a client's GED: bytes in the blob store, one record per key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlmodel import Session, select

from domain.enums import DocumentKind
from domain.ged import BlobStore
from domain.models import Document


def file_document(
    session: Session,
    blobs: BlobStore,
    *,
    key: str,
    firm_id: str,
    client_id: str,
    folder_id: str,
    mission_id: str | None,
    kind: DocumentKind,
    name: str,
    version: int,
    data: bytes | Callable[[], bytes],
    content_type: str = "application/pdf",
    work_item_id: str | None = None,
) -> Document:
    """Store ``data`` under ``key``; a second call with the same key returns the first record.

    ``data`` may be a function: it is called only when the key is new, so a retry need not
    find the bytes again (a letter's working file is gone once it is filed).
    """
    existing = session.exec(select(Document).where(Document.key == key)).first()
    if existing is not None:
        return existing
    if callable(data):
        data = data()
    sha256 = blobs.put(data)
    assert sha256 == hashlib.sha256(data).hexdigest()
    document = Document(
        key=key,
        firm_id=firm_id,
        client_id=client_id,
        folder_id=folder_id,
        mission_id=mission_id,
        kind=kind,
        name=name,
        version=version,
        sha256=sha256,
        size=len(data),
        content_type=content_type,
        work_item_id=work_item_id,
    )
    session.add(document)
    session.flush()
    return document
