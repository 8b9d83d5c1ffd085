"""The activities of an amendment (*avenant*): save it, render and file its letter (the general
conditions appended, as for the letter), record each status in the mission's timeline, file
it signed. Its signature request goes through the letter's activities (activities/signature.py).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select
from temporalio import activity

from activities.heartbeats import heartbeating
from activities.letters import (
    drop_working_files,
    render_with_conditions,
    scratch_path,
    write_scratch,
)
from activities.missions import _event_recorded, _timeline_entry
from activities.signature import _set_signature_status, _signature_record, provider_failures
from contracts.errors import invalid, not_found
from contracts.messages import (
    AmendmentActivities,
    AmendmentRenderInput,
    AmendmentStatusInput,
    FileAmendmentLetterInput,
    FileSignedAmendmentInput,
    SaveAmendmentInput,
)
from domain.amendments import (
    AMENDED_LINE_POSITION,
    NothingChanges,
    amendment_context,
    amendment_letter_key,
    amendment_template_bytes,
    changes_between,
    line_rows,
    terms_of,
)
from domain.db import session_scope
from domain.documents import file_document
from domain.enums import DocumentKind
from domain.ged import BlobStore
from domain.letter_inputs import letter_parties, parties_context
from domain.models import (
    Amendment,
    Document,
    Folder,
    Mission,
    MissionLine,
    utcnow,
)
from domain.queries import lines_in_force
from domain.settings import Settings
from esignature.yousign import YousignClient

# --- saving the draft ------------------------------------------------------------------------


@activity.defn(name=AmendmentActivities.save_amendment)
def save_amendment(request: SaveAmendmentInput) -> int:
    """The amendment's row, numbered after the mission's others, with what it changes and its
    timeline entry; a retry finds the row and answers its number."""
    draft = request.draft
    at = datetime.fromisoformat(request.at)
    with session_scope() as session:
        existing = session.get(Amendment, draft.amendment_id)
        if existing is not None:
            return existing.number
        mission = session.get(Mission, request.mission_id)
        if mission is None:
            raise not_found(f"mission {request.mission_id}")
        effective = date.fromisoformat(draft.effective_date)
        lines = [
            {
                "line_id": line.line_id,
                "service_id": line.service_id,
                "code": line.code,
                "name": line.name,
                "description": line.description,
                "price": line.price,
                "frequency": line.frequency,
            }
            for line in draft.lines
        ]
        try:
            changes = changes_between(
                terms_of(lines_in_force(session, mission.id, effective)),
                terms_of(line_rows(mission.id, lines)),
            )
        except NothingChanges as error:
            # The API checked it; an amendment signed meanwhile may have made it so.
            raise invalid(str(error)) from error
        numbers = select(func.max(Amendment.number)).where(Amendment.mission_id == mission.id)
        number = (session.exec(numbers).one() or 0) + 1
        session.add(
            Amendment(
                id=draft.amendment_id,
                mission_id=mission.id,
                number=number,
                status="draft",
                effective_date=effective,
                reason=draft.reason,
                lines=lines,
                changes=[change.as_dict() for change in changes],
                created_at=at,
                updated_at=at,
            )
        )
        if not _event_recorded(session, mission.id, request.seq):
            reason = f"avenant n° {number} en projet, effet le {effective.isoformat()}"
            _timeline_entry(session, mission, request.seq, "amendment", at, reason, draft.by)
    return number


# --- its status ----------------------------------------------------------------------------------


@activity.defn(name=AmendmentActivities.record_amendment)
def record_amendment(request: AmendmentStatusInput) -> None:
    """The amendment's status with its timeline entry, in one transaction keyed by (mission,
    seq). Signed: the services it adds become lines of the mission, so that their work can
    point at them (the lines in force are read from the signed amendments)."""
    at = datetime.fromisoformat(request.at)
    with session_scope() as session:
        amendment = session.get(Amendment, request.amendment_id)
        mission = session.get(Mission, request.mission_id)
        if amendment is None or mission is None or amendment.mission_id != mission.id:
            raise not_found(f"amendment {request.amendment_id}")
        if _event_recorded(session, mission.id, request.seq):
            return
        amendment.status = request.status
        amendment.updated_at = at
        amendment.document_id = request.document_id or amendment.document_id
        amendment.signature_id = request.signature_id or amendment.signature_id
        amendment.letter_version = max(amendment.letter_version, request.letter_version)
        if request.status == "signed":
            _add_new_lines(session, amendment)
        reason = f"avenant n° {amendment.number} : {request.reason}"
        _timeline_entry(session, mission, request.seq, "amendment", at, reason[:500], request.by)


def _add_new_lines(session: Session, amendment: Amendment) -> None:
    existing = set(
        session.exec(select(MissionLine.id).where(MissionLine.mission_id == amendment.mission_id))
    )
    for index, line in enumerate(line_rows(amendment.mission_id, amendment.lines)):
        if line.id not in existing:
            line.position = AMENDED_LINE_POSITION * amendment.number + index
            session.add(line)


# --- its letter ------------------------------------------------------------------------------


def _original_letter_date(session: Session, mission_id: str) -> date | None:
    """The day the mission's letter (its latest version) was generated."""
    statement = (
        select(Document.created_at)
        .where(
            Document.mission_id == mission_id,
            Document.kind == DocumentKind.letter,
            col(Document.key).startswith("letter:"),
        )
        .order_by(col(Document.version).desc())
    )
    created = session.exec(statement).first()
    return created.date() if created else None


def _amendment_and_mission(session: Session, amendment_id: str) -> tuple[Amendment, Mission]:
    amendment = session.get(Amendment, amendment_id)
    mission = session.get(Mission, amendment.mission_id) if amendment else None
    if amendment is None or mission is None:
        raise not_found(f"amendment {amendment_id}")
    return amendment, mission


def load_amendment_context(
    request: AmendmentRenderInput, blobs: BlobStore
) -> tuple[bytes, dict[str, Any], str]:
    """The template's bytes, the values to merge, and the mission's id, read in one session."""
    with session_scope(write=False) as session:
        amendment, mission = _amendment_and_mission(session, request.amendment_id)
        parties = letter_parties(
            session, mission, request.firm_representative_id, request.client_representative_id
        )
        template = amendment_template_bytes(session, blobs, parties.firm.id, request.template_id)
        if template is None:
            raise not_found(f"letter template {request.template_id}")
        before = lines_in_force(session, mission.id, amendment.effective_date)
        after = line_rows(mission.id, amendment.lines)

        def context_with(lines: list[MissionLine]) -> dict[str, Any]:
            return parties_context(
                parties,
                mission,
                lines,
                letter_date=date.fromisoformat(request.letter_date),
                version=request.version,
            )

        context = amendment_context(
            context_with(after),
            number=amendment.number,
            effective_date=amendment.effective_date,
            reason=amendment.reason,
            original_letter_date=_original_letter_date(session, mission.id),
            changes=changes_between(terms_of(before), terms_of(after)),
            previous_totals=context_with(before)["totals"],
        )
        return template, context, mission.id


class AmendmentDocumentActivities:
    """The documents queue's amendment activity; the conversion is the letter's."""

    def __init__(self, blobs: BlobStore, settings: Settings) -> None:
        self.blobs = blobs
        self.settings = settings

    @activity.defn(name=AmendmentActivities.render_amendment_letter)
    def render_amendment_letter(self, request: AmendmentRenderInput) -> str:
        """The amendment's letter with the general conditions after it, as one .docx."""
        with heartbeating():
            template, context, mission_id = load_amendment_context(request, self.blobs)
            docx = render_with_conditions(template, context, mission_id, self.blobs, self.settings)
        write_scratch(request.scratch_name, docx)
        return request.scratch_name


# --- filing -----------------------------------------------------------------------------------


class AmendmentFilingActivities:
    """Files the amendment's letter, and the signed amendment with its proof (missions queue)."""

    def __init__(self, blobs: BlobStore, yousign: YousignClient) -> None:
        self.blobs = blobs
        self.yousign = yousign

    @activity.defn(name=AmendmentActivities.file_amendment_letter)
    def file_amendment_letter(self, request: FileAmendmentLetterInput) -> str:
        """File the PDF in the chosen folder, as one of the mission's letters, once."""
        pdf_path = scratch_path(request.pdf_name)
        with session_scope() as session:
            amendment, mission = _amendment_and_mission(session, request.amendment_id)
            folder = session.get(Folder, request.folder_id)
            if folder is None or folder.client_id != mission.client_id:
                raise not_found(f"folder {request.folder_id}")
            document = file_document(
                session,
                self.blobs,
                key=amendment_letter_key(amendment.id, request.version),
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                folder_id=folder.id,
                mission_id=mission.id,
                kind=DocumentKind.letter,
                name=(f"Avenant n° {amendment.number} - {mission.name} - v{request.version}.pdf"),
                version=request.version,
                data=pdf_path.read_bytes,
            )
            document_id = document.id
        drop_working_files(pdf_path)
        return document_id

    @activity.defn(name=AmendmentActivities.file_signed_amendment)
    async def file_signed_amendment(self, request: FileSignedAmendmentInput) -> None:
        """Download the signed amendment and its audit trail and file them beside its letter."""
        record = await asyncio.to_thread(_signature_record, request.signature_id)
        with provider_failures():
            signed = await self.yousign.download_signed(record.provider_request_id)
            audit_trail = await self.yousign.download_audit_trail(record.provider_request_id)
        await asyncio.to_thread(self._file_signed, request, signed, audit_trail)
        await asyncio.to_thread(_set_signature_status, request.signature_id, "done")

    def _file_signed(
        self, request: FileSignedAmendmentInput, signed: bytes, audit_trail: bytes
    ) -> None:
        with session_scope() as session:
            amendment, mission = _amendment_and_mission(session, request.amendment_id)
            letter = session.get(Document, amendment.document_id) if amendment.document_id else None
            if letter is None:
                raise not_found(f"the letter of amendment {amendment.id}")
            for kind, label, data in (
                (DocumentKind.signed_letter, "signé", signed),
                (DocumentKind.audit_trail, "dossier de preuve", audit_trail),
            ):
                file_document(
                    session,
                    self.blobs,
                    key=f"{kind.value}:amendment:{amendment.id}",
                    firm_id=mission.firm_id,
                    client_id=mission.client_id,
                    folder_id=letter.folder_id,
                    mission_id=mission.id,
                    kind=kind,
                    name=f"Avenant n° {amendment.number} - {mission.name} - {label}.pdf",
                    version=letter.version,
                    data=data,
                )
            amendment.updated_at = utcnow()
