"""The local Yousign v3 stand-in: the API subset Sceau calls, plus the signer's side.

Differences from the real Yousign that matter to Sceau:

* ``POST /v3/signature_requests`` with an ``external_id`` already used returns that request
  (200) instead of creating a second one. Real Yousign always creates; Sceau's client
  (``activities.signature_client.YousignClient.create_request``) therefore looks the
  external id up first, which works against both.
* ``/signer/{id}/sign`` and ``/signer/{id}/decline`` stand for what a signer does in
  Yousign's signing page; ``/_admin/...`` simulates expiry and injects faults.
* No e-mails or OTPs: reminders are counted and logged in the audit trail, signature fields
  are checked (document, page) and kept but not drawn; the "signed" PDF is the original
  pages followed by a signature page; documents are only accepted as PDF.

All handlers are ``async`` and never await between reading and writing a request, so state
changes are atomic on the single event loop without locks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import (
    APIRouter,
    Body,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    Query,
    Request,
    UploadFile,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from signature_provider import pdf
from signature_provider.config import ProviderConfig
from signature_provider.store import (
    CANCELED,
    DECLINED,
    DONE,
    DRAFT,
    EXPIRED,
    ONGOING,
    Document,
    SignatureRequest,
    Signer,
    Store,
    now_iso,
    write_atomic,
)
from signature_provider.webhooks import WebhookDispatcher

log = logging.getLogger("signature_provider")

WORKSPACE_ID = "5b1c3d2e-0f4a-4b6c-9d8e-7f6a5b4c3d2e"
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error answered as Yousign does: ``{"type": ..., "detail": ...}``."""

    def __init__(self, status: int, type_: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type_
        self.detail = detail


def _not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def _error_body(type_: str, detail: str, **extra: Any) -> dict[str, Any]:
    # Yousign answers {"type", "detail"}; "message" is kept for generic clients.
    return {"type": type_, "detail": detail, "message": detail, **extra}


async def _api_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(_error_body(exc.type, exc.detail), status_code=exc.status)


async def _validation_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    params = [
        {
            "name": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
            "reason": str(err.get("msg", "invalid")).removeprefix("Value error, "),
        }
        for err in exc.errors()
    ]
    detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params) or "Invalid request."
    return JSONResponse(
        _error_body("invalid_request_error", detail, invalid_params=params), status_code=400
    )


async def _http_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_ = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(_error_body(type_, str(exc.detail)), status_code=exc.status_code)


# --------------------------------------------------------------------------- bodies


class ReminderSettings(BaseModel):
    interval_in_days: Literal[1, 2, 7, 14]
    max_occurrences: int = Field(ge=1, le=10)


class CreateRequestBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=128)
    delivery_mode: Literal["email", "none"]
    external_id: str | None = Field(default=None, max_length=255)
    ordered_signers: bool = False
    timezone: str = "Europe/Paris"
    reminder_settings: ReminderSettings | None = None
    expiration_date: date | None = None


class SignerInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    first_name: str = Field(min_length=1, max_length=255)
    last_name: str = Field(min_length=1, max_length=255)
    email: str
    phone_number: str | None = None
    locale: str = Field(min_length=2, max_length=5)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError("must be a valid email address")
        return value

    @field_validator("phone_number")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not PHONE_RE.match(value):
            raise ValueError("must be in E.164 format, e.g. +33612345678")
        return value


class AddSignerBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    info: SignerInfo
    signature_level: Literal[
        "electronic_signature",
        "advanced_electronic_signature",
        "qualified_electronic_signature",
    ]
    signature_authentication_mode: Literal["no_otp", "otp_email", "otp_sms"]
    fields: list[dict[str, Any]] = Field(default_factory=list)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reason: Literal["contractualization_aborted", "errors_in_document", "other"]
    custom_note: str | None = Field(default=None, max_length=255)


class SignBody(BaseModel):
    signer_id: str | None = None


class DeclineBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    signer_id: str | None = None


class FaultBody(BaseModel):
    status: int = Field(default=503, description="0 for no error (delay only)")
    count: int = Field(default=1, ge=1)
    delay: float = Field(default=0.0, ge=0.0, le=300.0)


@dataclass
class Fault:
    status: int
    remaining: int
    delay: float


# --------------------------------------------------------------------------- views


def document_view(request: SignatureRequest, document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "filename": document.filename,
        "nature": document.nature,
        "content_type": document.content_type,
        "sha256": document.sha256,
        "is_protected": False,
        "is_signed": request.status == DONE,
        "created_at": document.created_at,
        "total_pages": document.total_pages,
        "is_locked": request.status != DRAFT,
        "initials": None,
        "total_anchors": 0,
    }


def signer_link(base_url: str | None, request: SignatureRequest, signer: Signer) -> str | None:
    if base_url is None or request.status != ONGOING or signer.status != "notified":
        return None
    return f"{base_url.rstrip('/')}/signer/{request.id}?signer_id={signer.id}"


def signer_view(
    request: SignatureRequest, signer: Signer, base_url: str | None = None
) -> dict[str, Any]:
    link = signer_link(base_url, request, signer)
    return {
        "id": signer.id,
        "info": {
            "first_name": signer.first_name,
            "last_name": signer.last_name,
            "email": signer.email,
            "phone_number": signer.phone_number,
            "locale": signer.locale,
        },
        "status": signer.status,
        "signature_link": link,
        "signature_link_expiration_date": request.expiration_date if link else None,
        "signature_image_preview": None,
        "signature_level": signer.signature_level,
        "signature_authentication_mode": signer.signature_authentication_mode,
        "delivery_mode": None,
        "fields": signer.fields,
    }


def request_view(request: SignatureRequest, base_url: str | None = None) -> dict[str, Any]:
    signers: list[dict[str, Any]] = []
    for signer in request.signers:
        item: dict[str, Any] = {"id": signer.id, "status": signer.status}
        link = signer_link(base_url, request, signer)
        if link:
            item["signature_link"] = link
        signers.append(item)
    return {
        "id": request.id,
        "status": request.status,
        "name": request.name,
        "delivery_mode": request.delivery_mode,
        "created_at": request.created_at,
        "ordered_signers": request.ordered_signers,
        "reminder_settings": request.reminder_settings,
        "timezone": request.timezone,
        "email_custom_note": None,
        "expiration_date": request.expiration_date,
        "source": "public_api",
        "signers": signers,
        "approvers": [],
        "labels": [],
        "documents": [{"id": d.id, "nature": d.nature} for d in request.documents],
        "external_id": request.external_id,
        "branding_id": None,
        "custom_experience_id": None,
        "sender": None,
        "workspace_id": WORKSPACE_ID,
        "audit_trail_locale": "fr",
        "signers_allowed_to_decline": True,
        "decline_information": request.decline_information,
    }


# --------------------------------------------------------------------------- documents


def _local_time(request: SignatureRequest, iso: str | None) -> str:
    if not iso:
        return "-"
    moment = datetime.fromisoformat(iso)
    try:
        zone: Any = ZoneInfo(request.timezone)
        label = request.timezone
    except (ZoneInfoNotFoundError, ValueError):
        zone, label = UTC, "UTC"
    local = moment.astimezone(zone)
    return f"{local:%d/%m/%Y} à {local:%H:%M:%S} ({label})"


def signature_page_lines(request: SignatureRequest) -> list[pdf.Line]:
    lines = [
        pdf.Line("Page de signature électronique", size=16, bold=True),
        pdf.Line(f"Document : {request.name}", space_before=8),
        pdf.Line(f"Demande de signature : {request.id}"),
    ]
    if request.external_id:
        lines.append(pdf.Line(f"Référence externe : {request.external_id}"))
    lines.append(pdf.Line(f"Terminée le : {_local_time(request, request.completed_at)}"))
    for signer in request.signers:
        lines += [
            pdf.Line(
                f"Signé électroniquement par {signer.full_name}",
                size=12,
                bold=True,
                space_before=14,
            ),
            pdf.Line(f"Adresse e-mail : {signer.email}"),
            pdf.Line(f"Date de signature : {_local_time(request, signer.signed_at)}"),
            pdf.Line(
                f"Niveau : {signer.signature_level}, "
                f"authentification : {signer.signature_authentication_mode}"
            ),
        ]
    lines.append(pdf.Line("Documents signés (empreintes SHA-256) :", bold=True, space_before=14))
    for document in request.documents:
        lines.append(pdf.Line(f"{document.filename} : {document.sha256}", size=8))
    lines.append(
        pdf.Line(
            "Signature simulée par le fournisseur de signature local de Sceau "
            "(environnement de développement, sans valeur juridique).",
            size=8,
            space_before=14,
        )
    )
    return lines


def audit_trail_lines(request: SignatureRequest) -> list[pdf.Line]:
    lines = [
        pdf.Line("Journal d'audit de la signature", size=16, bold=True),
        pdf.Line(f"Document : {request.name}", space_before=8),
        pdf.Line(f"Demande de signature : {request.id}"),
        pdf.Line(f"Statut : {request.status}"),
    ]
    if request.external_id:
        lines.append(pdf.Line(f"Référence externe : {request.external_id}"))
    lines.append(pdf.Line("Signataires :", bold=True, space_before=10))
    for signer in request.signers:
        lines.append(pdf.Line(f"{signer.full_name} <{signer.email}> — {signer.status}"))
    lines.append(pdf.Line("Événements :", bold=True, space_before=10))
    for event in request.events:
        lines.append(
            pdf.Line(f"{_local_time(request, event.at)} — {event.name} — {event.detail}", size=9)
        )
    return lines


# --------------------------------------------------------------------------- the app


def create_app(config: ProviderConfig) -> FastAPI:
    """The provider's ASGI app, keeping its state under ``config.data_dir``."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(config.data_dir)
    dispatcher = WebhookDispatcher(config)
    faults: list[Fault] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await dispatcher.start()
        try:
            yield
        finally:
            await dispatcher.stop()

    app = FastAPI(
        title="Sceau local signature provider (Yousign v3 subset)",
        version="1.0",
        lifespan=lifespan,
    )
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)

    async def authenticate(
        authorization: Annotated[str | None, Header()] = None,
    ) -> None:
        if faults:
            fault = faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.pop(0)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                raise ApiError(fault.status, "server_error", "Injected fault.")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode("utf-8"), config.api_key.encode("utf-8")
        ):
            raise ApiError(401, "unauthorized", "Missing or invalid API key.")

    def load(request_id: str) -> SignatureRequest:
        request = store.get(request_id)
        if request is None:
            raise _not_found("Signature Request")
        return request

    def base(http: Request) -> str:
        return str(http.base_url)

    def build_outputs(request: SignatureRequest) -> None:
        originals = [
            store.read_document(d.id) for d in request.documents if d.nature == "signable_document"
        ]
        signed = pdf.append_pages(originals, signature_page_lines(request))
        write_atomic(store.output_path(request.id, "signed"), signed)
        audit = pdf.text_pdf(audit_trail_lines(request), title=f"Audit trail {request.id}")
        write_atomic(store.output_path(request.id, "audit"), audit)

    def output(request: SignatureRequest, kind: str) -> bytes:
        if request.status != DONE:
            raise ApiError(
                400,
                "invalid_request_error",
                f"Signature Request is {request.status}; documents are available once done.",
            )
        path = store.output_path(request.id, kind)
        if not path.exists():
            build_outputs(request)
        return path.read_bytes()

    def pdf_response(content: bytes, filename: str) -> Response:
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    # ----------------------------------------------------------------- Yousign v3 subset

    v3 = APIRouter(prefix="/v3", dependencies=[Depends(authenticate)])

    @v3.post("/signature_requests", status_code=201)
    async def create_signature_request(
        body: CreateRequestBody, http: Request, response: Response
    ) -> dict[str, Any]:
        if body.external_id:
            existing = store.by_external_id(body.external_id)
            if existing:
                response.status_code = 200
                return request_view(existing[0], base(http))
        created = datetime.now(UTC).replace(microsecond=0)
        expires = created + timedelta(days=180)
        if body.expiration_date is not None:
            if not created.date() < body.expiration_date <= (created + timedelta(days=365)).date():
                raise ApiError(
                    400,
                    "invalid_request_error",
                    "expiration_date must be after today and within a year.",
                )
            expires = datetime.combine(body.expiration_date, datetime.max.time(), UTC).replace(
                microsecond=0
            )
        request = SignatureRequest(
            id=str(uuid.uuid4()),
            name=body.name,
            delivery_mode=body.delivery_mode,
            external_id=body.external_id,
            ordered_signers=body.ordered_signers,
            timezone=body.timezone,
            created_at=created.isoformat(),
            expiration_date=expires.isoformat(),
            reminder_settings=(
                body.reminder_settings.model_dump() if body.reminder_settings else None
            ),
        )
        request.log("signature_request.created", f"Création de « {request.name} »")
        store.save(request)
        return request_view(request, base(http))

    @v3.get("/signature_requests")
    async def list_signature_requests(
        http: Request,
        external_id: str | None = None,
        status: Annotated[list[str] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 100,
        after: str | None = None,
    ) -> dict[str, Any]:
        found = store.by_external_id(external_id) if external_id else store.all()
        if status:
            found = [r for r in found if r.status in status]
        if after:
            ids = [r.id for r in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        page = found[:limit]
        next_cursor = page[-1].id if len(found) > limit else None
        return {
            "meta": {"next_cursor": next_cursor},
            "data": [request_view(r, base(http)) for r in page],
        }

    @v3.get("/signature_requests/{request_id}")
    async def get_signature_request(request_id: str, http: Request) -> dict[str, Any]:
        return request_view(load(request_id), base(http))

    @v3.post("/signature_requests/{request_id}/documents", status_code=201)
    async def upload_document(
        request_id: str,
        file: Annotated[UploadFile, File()],
        nature: Annotated[str, Form()],
    ) -> dict[str, Any]:
        filename = file.filename or "document.pdf"
        content = await file.read(MAX_DOCUMENT_BYTES + 1)
        if nature not in ("signable_document", "attachment"):
            raise ApiError(
                400, "invalid_request_error", "nature must be signable_document or attachment."
            )
        if not content or len(content) > MAX_DOCUMENT_BYTES:
            raise ApiError(400, "invalid_request_error", "file is empty or larger than 50 MB.")
        if not content.startswith(b"%PDF"):
            raise ApiError(400, "invalid_request_error", "Only PDF documents are accepted.")
        try:
            pages = pdf.page_count(content)
        except ValueError as exc:
            raise ApiError(400, "invalid_request_error", str(exc)) from exc
        request = load(request_id)
        if request.status != DRAFT:
            raise ApiError(
                400,
                "invalid_request_error",
                "Documents can only be added to a draft Signature Request "
                f"(it is {request.status}).",
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
        store.write_document(document.id, content)
        request.documents.append(document)
        request.log("document.added", f"{filename} ({pages} pages, sha256 {document.sha256})")
        store.save(request)
        return document_view(request, document)

    @v3.get("/signature_requests/{request_id}/documents")
    async def list_documents(request_id: str) -> list[dict[str, Any]]:
        request = load(request_id)
        return [document_view(request, d) for d in request.documents]

    @v3.post("/signature_requests/{request_id}/signers", status_code=201)
    async def add_signer(request_id: str, body: AddSignerBody, http: Request) -> dict[str, Any]:
        request = load(request_id)
        if request.status != DRAFT:
            raise ApiError(
                400,
                "invalid_request_error",
                f"Signers can only be added to a draft Signature Request (it is {request.status}).",
            )
        if body.signature_authentication_mode == "otp_sms" and not body.info.phone_number:
            raise ApiError(400, "invalid_request_error", "otp_sms needs info.phone_number.")
        for field in body.fields:
            document = request.document(str(field.get("document_id")))
            if document is None:
                raise ApiError(
                    400,
                    "invalid_request_error",
                    f"fields: unknown document_id {field.get('document_id')}.",
                )
            page = field.get("page")
            if not isinstance(page, int) or not 1 <= page <= document.total_pages:
                raise ApiError(
                    400,
                    "invalid_request_error",
                    f"fields: page must be between 1 and {document.total_pages}.",
                )
        signer = Signer(
            id=str(uuid.uuid4()),
            first_name=body.info.first_name,
            last_name=body.info.last_name,
            email=body.info.email,
            phone_number=body.info.phone_number,
            locale=body.info.locale,
            signature_level=body.signature_level,
            signature_authentication_mode=body.signature_authentication_mode,
            fields=[dict(f, id=str(uuid.uuid4())) for f in body.fields],
            created_at=now_iso(),
        )
        request.signers.append(signer)
        request.log("signer.added", f"{signer.full_name} <{signer.email}>")
        store.save(request)
        return signer_view(request, signer, base(http))

    @v3.get("/signature_requests/{request_id}/signers")
    async def list_signers(request_id: str, http: Request) -> list[dict[str, Any]]:
        request = load(request_id)
        return [signer_view(request, s, base(http)) for s in request.signers]

    @v3.post("/signature_requests/{request_id}/signers/{signer_id}/send_reminder", status_code=201)
    async def send_reminder(request_id: str, signer_id: str) -> Response:
        request = load(request_id)
        signer = request.signer(signer_id)
        if signer is None:
            raise _not_found("Signer")
        if request.status != ONGOING or signer.status != "notified":
            raise ApiError(
                400,
                "invalid_request_error",
                "Reminders go only to a signer still to sign an ongoing Signature Request.",
            )
        signer.reminders += 1
        request.log("signer.reminded", f"Relance n° {signer.reminders} à {signer.email}")
        store.save(request)
        return Response(status_code=201)

    @v3.post("/signature_requests/{request_id}/activate", status_code=201)
    async def activate(request_id: str, http: Request) -> dict[str, Any]:
        request = load(request_id)
        if request.status != DRAFT:
            raise ApiError(
                400,
                "invalid_request_error",
                f"Only a draft Signature Request can be activated (it is {request.status}).",
            )
        if not any(d.nature == "signable_document" for d in request.documents):
            raise ApiError(
                400, "invalid_request_error", "The Signature Request has no signable document."
            )
        if not request.signers:
            raise ApiError(400, "invalid_request_error", "The Signature Request has no signer.")
        request.status = ONGOING
        request.activated_at = now_iso()
        for signer in request.signers:
            signer.status = "notified"
        request.log("signature_request.activated", f"{len(request.signers)} signataire(s)")
        store.save(request)
        return request_view(request, base(http))

    @v3.post("/signature_requests/{request_id}/cancel", status_code=201)
    async def cancel(request_id: str, body: CancelBody, http: Request) -> dict[str, Any]:
        request = load(request_id)
        if request.status != ONGOING:
            raise ApiError(
                400,
                "invalid_request_error",
                f"Only an ongoing Signature Request can be canceled (it is {request.status}).",
            )
        request.status = CANCELED
        request.cancel_information = {
            "reason": body.reason,
            "custom_note": body.custom_note,
            "canceled_at": now_iso(),
        }
        reason = body.custom_note or body.reason
        request.log("signature_request.canceled", reason)
        store.save(request)
        dispatcher.enqueue(
            "signature_request.canceled",
            {"signature_request": request_view(request), "reason": reason},
        )
        return request_view(request, base(http))

    @v3.get("/signature_requests/{request_id}/documents/download")
    async def download_signed(request_id: str) -> Response:
        request = load(request_id)
        content = output(request, "signed")
        return pdf_response(content, f"{request.id}-signed.pdf")

    @v3.get("/signature_requests/{request_id}/audit_trails/download")
    async def download_audit_trail(request_id: str) -> Response:
        request = load(request_id)
        content = output(request, "audit")
        return pdf_response(content, f"{request.id}-audit-trail.pdf")

    app.include_router(v3)

    # ----------------------------------------------------------------- the signer's side

    @app.get("/signer/{request_id}", response_class=HTMLResponse)
    async def signer_page(request_id: str, signer_id: str | None = None) -> str:
        request = load(request_id)
        rows = "".join(
            f"<li>{html.escape(s.full_name)} &lt;{html.escape(s.email)}&gt; — "
            f"{html.escape(s.status)}</li>"
            for s in request.signers
        )
        target = html.escape(signer_id or "")
        actions = ""
        if request.status == ONGOING:
            actions = """
<button onclick="act('sign', {})">Signer</button>
<button onclick="const r = prompt('Motif du refus ?'); if (r) act('decline', {reason: r})">
Refuser</button>"""
        return f"""<!doctype html><html lang="fr"><meta charset="utf-8">
<title>Signature — {html.escape(request.name)}</title>
<h1>{html.escape(request.name)}</h1>
<p>Statut : <b>{html.escape(request.status)}</b></p>
<p><a href="/signer/{request.id}/document">Voir le document</a></p>
<ul>{rows}</ul>{actions}
<script>
async function act(kind, body) {{
  if ("{target}") body.signer_id = "{target}";
  const r = await fetch("/signer/{request.id}/" + kind, {{method: "POST",
    headers: {{"Content-Type": "application/json"}}, body: JSON.stringify(body)}});
  if (!r.ok) alert((await r.json()).detail);
  location.reload();
}}
</script></html>"""

    @app.get("/signer/{request_id}/document")
    async def signer_document(request_id: str) -> Response:
        request = load(request_id)
        signable = [d for d in request.documents if d.nature == "signable_document"]
        if not signable:
            raise _not_found("Document")
        return Response(store.read_document(signable[0].id), media_type="application/pdf")

    def require_ongoing(request: SignatureRequest) -> None:
        if request.status != ONGOING:
            raise ApiError(
                409, "conflict", f"The Signature Request is {request.status}, not ongoing."
            )

    @app.post("/signer/{request_id}/sign")
    async def sign(
        request_id: str, http: Request, body: Annotated[SignBody | None, Body()] = None
    ) -> dict[str, Any]:
        request = load(request_id)
        require_ongoing(request)
        pending = [s for s in request.signers if s.status != "signed"]
        if body is not None and body.signer_id:
            signer = request.signer(body.signer_id)
            if signer is None:
                raise _not_found("Signer")
            if signer.status == "signed":
                raise ApiError(409, "conflict", "This signer has already signed.")
            if request.ordered_signers and pending[0].id != signer.id:
                raise ApiError(409, "conflict", "Signers sign in order; it is not their turn.")
            targets = [signer]
        else:
            targets = pending
        events: list[tuple[str, dict[str, Any]]] = []
        for signer in targets:
            signer.status = "signed"
            signer.signed_at = now_iso()
            request.log("signer.done", f"{signer.full_name} <{signer.email}> a signé")
            events.append(
                (
                    "signer.done",
                    {
                        "signature_request": request_view(request),
                        "signer": signer_view(request, signer),
                    },
                )
            )
        if all(s.status == "signed" for s in request.signers):
            request.status = DONE
            request.completed_at = now_iso()
            request.log("signature_request.done", "Tous les signataires ont signé")
            build_outputs(request)
            events.append(("signature_request.done", {"signature_request": request_view(request)}))
        store.save(request)
        for name, data in events:
            dispatcher.enqueue(name, data)
        return {
            "signature_request": request_view(request, base(http)),
            "signed": [s.id for s in targets],
        }

    @app.post("/signer/{request_id}/decline")
    async def decline(request_id: str, body: DeclineBody, http: Request) -> dict[str, Any]:
        request = load(request_id)
        require_ongoing(request)
        if body.signer_id:
            signer = request.signer(body.signer_id)
            if signer is None:
                raise _not_found("Signer")
            if signer.status == "signed":
                raise ApiError(409, "conflict", "This signer has already signed.")
        else:
            first_pending = next((s for s in request.signers if s.status != "signed"), None)
            if first_pending is None:
                raise ApiError(409, "conflict", "Every signer has already signed.")
            signer = first_pending
        at = now_iso()
        signer.status = "declined"
        signer.declined_at = at
        request.status = DECLINED
        request.decline_information = {
            "reason": body.reason,
            "declined_at": at,
            "signer_id": signer.id,
        }
        request.log("signature_request.declined", f"{signer.full_name} a refusé : {body.reason}")
        store.save(request)
        dispatcher.enqueue(
            "signature_request.declined",
            {
                "signature_request": request_view(request),
                "signer": signer_view(request, signer),
                "reason": body.reason,
            },
        )
        return {"signature_request": request_view(request, base(http))}

    # ----------------------------------------------------------------- admin and health

    @app.post("/_admin/signature_requests/{request_id}/expire")
    async def expire(request_id: str, http: Request) -> dict[str, Any]:
        request = load(request_id)
        require_ongoing(request)
        request.status = EXPIRED
        request.expired_at = now_iso()
        request.log("signature_request.expired", "Date d'expiration dépassée (simulée)")
        store.save(request)
        dispatcher.enqueue(
            "signature_request.expired", {"signature_request": request_view(request)}
        )
        return {"signature_request": request_view(request, base(http))}

    @app.post("/_admin/faults")
    async def inject_fault(body: FaultBody) -> dict[str, Any]:
        """The next ``count`` calls to /v3 wait ``delay`` s, then answer ``status`` (0: normal)."""
        if body.status and not 400 <= body.status <= 599:
            raise ApiError(400, "invalid_request_error", "status must be 0 or 400-599.")
        faults.append(Fault(status=body.status, remaining=body.count, delay=body.delay))
        return {"pending_faults": sum(f.remaining for f in faults)}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
