"""Signature requests kept as JSON files, one a request, with documents stored as files.

Layout under the data directory::

    requests/<id>.json        the request, its documents' metadata, signers and events
    documents/<document id>   the uploaded bytes
    outputs/<id>-signed.pdf   the signed PDF, once done
    outputs/<id>-audit.pdf    the audit trail, once done
    outbox/                   webhooks not yet delivered (see webhooks.py)

Everything is loaded at start-up, so a restart keeps pending requests. Writes go to a
temporary file first and are renamed into place, so a killed provider never leaves half a
file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DRAFT = "draft"
ONGOING = "ongoing"
DONE = "done"
DECLINED = "declined"
CANCELED = "canceled"
EXPIRED = "expired"


def now_iso() -> str:
    """The current time as Yousign writes it: ``2025-01-10T16:59:20+00:00``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class Document:
    id: str
    nature: str
    filename: str
    content_type: str
    sha256: str
    size: int
    total_pages: int
    created_at: str


@dataclass
class Signer:
    id: str
    first_name: str
    last_name: str
    email: str
    phone_number: str | None
    locale: str
    signature_level: str
    signature_authentication_mode: str
    fields: list[dict[str, Any]]
    created_at: str
    status: str = "initiated"
    signed_at: str | None = None
    declined_at: str | None = None
    reminders: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Event:
    at: str
    name: str
    detail: str


@dataclass
class SignatureRequest:
    id: str
    name: str
    delivery_mode: str
    external_id: str | None
    ordered_signers: bool
    timezone: str
    created_at: str
    expiration_date: str
    status: str = DRAFT
    documents: list[Document] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    activated_at: str | None = None
    completed_at: str | None = None
    decline_information: dict[str, Any] | None = None
    cancel_information: dict[str, Any] | None = None
    expired_at: str | None = None
    reminder_settings: dict[str, int] | None = None

    def log(self, name: str, detail: str) -> None:
        self.events.append(Event(at=now_iso(), name=name, detail=detail))

    def signer(self, signer_id: str) -> Signer | None:
        return next((s for s in self.signers if s.id == signer_id), None)

    def document(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SignatureRequest:
        values = dict(raw)
        values["documents"] = [Document(**d) for d in raw.get("documents", [])]
        values["signers"] = [Signer(**s) for s in raw.get("signers", [])]
        values["events"] = [Event(**e) for e in raw.get("events", [])]
        return cls(**values)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place.

    No fsync: the rename alone means a stopped or killed provider never leaves half a file,
    and this stand-in need not survive a power cut; an fsync here blocked the provider's
    event loop on every call.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Store:
    """Requests in memory, mirrored to ``data_dir`` on every save."""

    def __init__(self, data_dir: Path) -> None:
        self.requests_dir = data_dir / "requests"
        self.documents_dir = data_dir / "documents"
        self.outputs_dir = data_dir / "outputs"
        for directory in (self.requests_dir, self.documents_dir, self.outputs_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self._requests: dict[str, SignatureRequest] = {}
        for path in sorted(self.requests_dir.glob("*.json")):
            request = SignatureRequest.from_json(json.loads(path.read_text("utf-8")))
            self._requests[request.id] = request

    def get(self, request_id: str) -> SignatureRequest | None:
        return self._requests.get(request_id)

    def all(self) -> list[SignatureRequest]:
        return sorted(self._requests.values(), key=lambda r: (r.created_at, r.id))

    def by_external_id(self, external_id: str) -> list[SignatureRequest]:
        return [r for r in self.all() if r.external_id == external_id]

    def save(self, request: SignatureRequest) -> None:
        body = json.dumps(request.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
        write_atomic(self.requests_dir / f"{request.id}.json", body)
        self._requests[request.id] = request

    def write_document(self, document_id: str, content: bytes) -> None:
        write_atomic(self.documents_dir / document_id, content)

    def read_document(self, document_id: str) -> bytes:
        return (self.documents_dir / document_id).read_bytes()

    def output_path(self, request_id: str, kind: str) -> Path:
        return self.outputs_dir / f"{request_id}-{kind}.pdf"
