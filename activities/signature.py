"""Activities that talk to the e-signature provider and file what it returns."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select
from temporalio import activity

from contracts.errors import ErrorType, failure, invalid, not_found
from contracts.ids import letter_key, signature_external_id, signed_key
from contracts.messages import (
    Activities,
    CancelSignatureInput,
    FileSignedInput,
    ProviderStatus,
    RemindInput,
    SendForSignatureInput,
    SignatureStarted,
    SignatureStatusInput,
)
from domain.db import session_scope
from domain.documents import file_document
from domain.enums import DocumentKind
from domain.ged import BlobStore
from domain.models import Document, Mission, Representative, SignatureRequest, Staff
from domain.settings import Settings
from esignature.places import letter_pages, signature_places
from esignature.yousign import (
    ProviderRejected,
    ProviderUnavailable,
    SignatureField,
    YousignClient,
    reminder_settings,
)

SUPPORTED_PROVIDERS = ("yousign",)
# Where the boxes go on the last page when a template does not print the signers' names
# (see signature_places.py), in PDF points from the top left of an A4 page: the firm's
# representative on the left, the client's on the right, as the default letter has them.
FIRM_FIELD_X, CLIENT_FIELD_X, FIELDS_Y = 60, 300, 640


@contextlib.contextmanager
def provider_failures() -> Iterator[None]:
    """A provider's 4xx cannot be fixed by retrying; its 5xx and time-outs can."""
    try:
        yield
    except ProviderRejected as error:
        raise failure(str(error), ErrorType.provider_rejected) from error
    except ProviderUnavailable as error:
        raise failure(str(error), ErrorType.provider_unavailable, retryable=True) from error


def _signature_fields(pdf: bytes, names: list[str], total_pages: int) -> list[SignatureField]:
    """A box under each signer's name in the letter; else side by side at the foot of the
    letter's last page (the general conditions follow it, unsigned on). Reads the PDF: in a
    thread, off the event loop."""
    places = signature_places(pdf, names)
    if places:
        return places
    page = letter_pages(pdf) or total_pages
    return [SignatureField(page=page, x=x, y=FIELDS_Y) for x in (CLIENT_FIELD_X, FIRM_FIELD_X)]


def _signature_inputs(request: SendForSignatureInput, blobs: BlobStore) -> dict[str, Any]:
    with session_scope(write=False) as session:
        mission = session.get(Mission, request.mission_id)
        document = session.get(Document, request.document_id)
        firm_rep = session.get(Staff, request.firm_representative_id)
        client_rep = session.get(Representative, request.client_representative_id)
        if mission is None or document is None or firm_rep is None or client_rep is None:
            raise not_found("the mission, its letter or a representative")
        existing = session.exec(
            select(SignatureRequest).where(
                SignatureRequest.mission_id == mission.id,
                SignatureRequest.letter_version == request.version,
            )
        ).first()
        signers = [
            {
                "role": "client",
                "first_name": client_rep.first_name,
                "last_name": client_rep.last_name,
                "email": client_rep.email,
                "phone": client_rep.phone or None,
            },
            {
                "role": "firm",
                "first_name": firm_rep.first_name,
                "last_name": firm_rep.last_name,
                "email": firm_rep.email,
                "phone": None,
            },
        ]
        return {
            "name": f"Lettre de mission - {mission.name}",
            "filename": document.name,
            "pdf": blobs.get(document.sha256),
            "signers": signers,
            "existing": existing,
        }


def _save_signature(
    request: SendForSignatureInput, provider_request_id: str, signers: list[dict[str, Any]]
) -> SignatureStarted:
    with session_scope() as session:
        existing = session.exec(
            select(SignatureRequest).where(
                SignatureRequest.mission_id == request.mission_id,
                SignatureRequest.letter_version == request.version,
            )
        ).first()
        record = existing or SignatureRequest(
            mission_id=request.mission_id,
            letter_version=request.version,
            provider=request.provider,
            provider_request_id=provider_request_id,
            status="ongoing",
            signers=[{**signer, "status": "pending"} for signer in signers],
        )
        session.add(record)
        session.flush()
        return SignatureStarted(record.id, record.provider_request_id, record.status)


def _signature_record(signature_id: str) -> SignatureRequest:
    with session_scope(write=False) as session:
        record = session.get(SignatureRequest, signature_id)
        if record is None:
            raise not_found(f"signature request {signature_id}")
        return record


def _set_signature_status(signature_id: str, status: str, signer_email: str = "") -> None:
    """The request's status, and each signer's: all signed when done, else the one named."""
    with session_scope() as session:
        record = session.get(SignatureRequest, signature_id)
        if record is None:
            return
        if status != "ongoing":
            record.status = status
        record.signers = [
            {**signer, "status": "signed"}
            if status == "done" or signer.get("email") == signer_email
            else signer
            for signer in record.signers
        ]


@activity.defn(name=Activities.record_signature_status)
def record_signature_status(update: SignatureStatusInput) -> None:
    _set_signature_status(update.signature_id, update.status, update.signer_email)


def _file_signed(
    record: SignatureRequest, signed: bytes, audit_trail: bytes, blobs: BlobStore
) -> None:
    with session_scope() as session:
        mission = session.get(Mission, record.mission_id)
        letter = session.exec(
            select(Document).where(
                Document.key == letter_key(record.mission_id, record.letter_version)
            )
        ).first()
        if mission is None or letter is None:
            raise not_found("the signed letter's mission")
        for kind, label, data in (
            (DocumentKind.signed_letter, "signée", signed),
            (DocumentKind.audit_trail, "dossier de preuve", audit_trail),
        ):
            file_document(
                session,
                blobs,
                key=signed_key(kind.value, mission.id, record.letter_version),
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                folder_id=letter.folder_id,
                mission_id=mission.id,
                kind=kind,
                name=f"Lettre de mission - {mission.name} - v{record.letter_version} - {label}.pdf",
                version=record.letter_version,
                data=data,
            )
    _set_signature_status(record.id, "done")


def _count_reminder(signature_id: str, email: str, number: int) -> None:
    with session_scope() as session:
        record = session.get(SignatureRequest, signature_id)
        if record is None:
            return
        record.signers = [
            {**signer, "reminders": number, "reminded_at": datetime.now(UTC).isoformat()}
            if signer.get("email") == email
            else signer
            for signer in record.signers
        ]


class SignatureActivities:
    """The activities that talk to the e-signature provider, and file what it returns.

    Built by the worker with the provider's client, which keeps its connection open between
    calls and which the worker closes on its way out.
    """

    def __init__(self, yousign: YousignClient, blobs: BlobStore, settings: Settings) -> None:
        self.yousign = yousign
        self.blobs = blobs
        self.settings = settings

    def _provider(self, name: str) -> YousignClient:
        if name not in SUPPORTED_PROVIDERS:
            raise invalid(f"unknown signature provider {name!r}")
        return self.yousign

    @activity.defn(name=Activities.send_for_signature)
    async def send_for_signature(self, request: SendForSignatureInput) -> SignatureStarted:
        """Create, fill and activate the provider's request; its external id makes it once."""
        inputs = await asyncio.to_thread(_signature_inputs, request, self.blobs)
        existing: SignatureRequest | None = inputs["existing"]
        if existing is not None:
            started = SignatureStarted(existing.id, existing.provider_request_id, existing.status)
            return await self._with_links(started, existing.provider)
        settings = self.settings
        reminders = None
        if settings.signature_reminders_by == "provider":
            reminders = reminder_settings(request.reminder_interval_days, request.reminder_max)
        expiration_day = request.expires_at[:10] or None
        client = self._provider(request.provider)
        links: dict[str, str] = {}
        with provider_failures():
            created = await client.create_request(
                inputs["name"],
                external_id=signature_external_id(request.mission_id, request.version),
                expiration_date=expiration_day,
                reminders=reminders,
            )
            if created.get("status") == "draft":
                links = await self._fill_and_activate(client, created, inputs)
        started = await asyncio.to_thread(
            _save_signature, request, created["id"], inputs["signers"]
        )
        if not links:  # a request filled before, or an activation that answered no link
            return await self._with_links(started, request.provider)
        started.signing_links = links
        return started

    async def _fill_and_activate(
        self, client: YousignClient, draft: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, str]:
        """Upload the letter into ``draft``, add its signers, activate it; each signer's
        signing link, by e-mail (a signer whose turn has not come yet has none).

        A draft with nothing in it yet (made by this call, as a rule) gets each piece without
        a look for it first, and the links come with the activation: four calls to the
        provider instead of nine. A retry after a partial attempt looks, and finds each piece
        already there."""
        settings = self.settings
        look_first = bool(draft.get("documents") or draft.get("signers"))
        document = await client.upload_document(
            draft["id"], inputs["filename"], inputs["pdf"], look_first=look_first
        )
        fields = await asyncio.to_thread(
            _signature_fields,
            inputs["pdf"],
            [f"{s['first_name']} {s['last_name']}".strip() for s in inputs["signers"]],
            int(document.get("total_pages") or 1),
        )
        emails: dict[str, str] = {}
        for signer, field in zip(inputs["signers"], fields, strict=True):
            added = await client.add_signer(
                draft["id"],
                signer["first_name"],
                signer["last_name"],
                signer["email"],
                signer["phone"],
                document_id=document["id"],
                field=field,
                signature_level=settings.yousign_signature_level,
                authentication_mode=settings.yousign_authentication_mode,
                look_first=look_first,
            )
            emails[str(added["id"])] = signer["email"]
        activated = await client.activate(draft["id"], look_first=look_first)
        return {
            emails[str(signer["id"])]: str(signer["signature_link"])
            for signer in activated.get("signers") or []
            if signer.get("signature_link") and str(signer.get("id")) in emails
        }

    async def _with_links(self, started: SignatureStarted, provider: str) -> SignatureStarted:
        """``started`` with each signer's signing link, by e-mail, for the workflow to mail
        (a signer whose turn has not come yet has none)."""
        with provider_failures():
            signers = await self._provider(provider).signers(started.provider_request_id)
        started.signing_links = {
            str((signer.get("info") or {}).get("email", "")): str(signer["signature_link"])
            for signer in signers
            if signer.get("signature_link")
        }
        return started

    @activity.defn(name=Activities.cancel_signature)
    async def cancel_signature(self, request: CancelSignatureInput) -> None:
        record = await asyncio.to_thread(_signature_record, request.signature_id)
        client = self._provider(record.provider)
        with provider_failures():
            state = await client.get(record.provider_request_id)
            if state.get("status") in ("draft", "ongoing"):
                await client.cancel(record.provider_request_id, request.reason)
        await asyncio.to_thread(_set_signature_status, request.signature_id, "canceled")

    @activity.defn(name=Activities.file_signed_letter)
    async def file_signed_letter(self, request: FileSignedInput) -> None:
        """Download the signed PDF and the audit trail and file them next to the letter, once."""
        record = await asyncio.to_thread(_signature_record, request.signature_id)
        client = self._provider(record.provider)
        with provider_failures():
            signed = await client.download_signed(record.provider_request_id)
            audit_trail = await client.download_audit_trail(record.provider_request_id)
        await asyncio.to_thread(_file_signed, record, signed, audit_trail, self.blobs)

    @activity.defn(name=Activities.remind_signers)
    async def remind_signers(self, request: RemindInput) -> int:
        """Send reminder number ``request.number`` to each signer who has not signed yet; a retry
        skips the signers it already reached. Returns how many were reminded."""
        if self.settings.signature_reminders_by == "provider":
            return 0  # the provider reminds on the schedule given at creation
        record = await asyncio.to_thread(_signature_record, request.signature_id)
        done_before = {
            str(signer.get("email", "")).casefold()
            for signer in record.signers
            if int(signer.get("reminders", 0)) >= request.number
        }
        reminded = 0
        client = self._provider(record.provider)
        with provider_failures():
            for signer in await client.signers(record.provider_request_id):
                email = str((signer.get("info") or {}).get("email", ""))
                if signer.get("status") != "notified" or email.casefold() in done_before:
                    continue
                await client.send_reminder(record.provider_request_id, str(signer["id"]))
                await asyncio.to_thread(_count_reminder, record.id, email, request.number)
                reminded += 1
        return reminded

    @activity.defn(name=Activities.fetch_signature_status)
    async def fetch_signature_status(self, signature_id: str) -> ProviderStatus:
        """Where the provider says the request stands: the fallback when webhooks are lost."""
        record = await asyncio.to_thread(_signature_record, signature_id)
        client = self._provider(record.provider)
        with provider_failures():
            state = await client.get(record.provider_request_id)
            signers = await client.signers(record.provider_request_id)
        decline = state.get("decline_information")
        reason = decline.get("reason") if isinstance(decline, dict) else None
        return ProviderStatus(
            status=str(state.get("status", "")),
            signed_emails=[
                str((signer.get("info") or {}).get("email", ""))
                for signer in signers
                if signer.get("status") == "signed"
            ],
            reason=reason if isinstance(reason, str) else "",
        )
