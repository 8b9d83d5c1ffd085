"""Amendment operations: each checks what the firm sent against the mission as it stands, moves
the mission's workflow (workflows/amendments.py), audits, and answers from the database the
workflow keeps. Database steps run in a worker thread (``api.services.sessions``)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial

from sqlmodel import Session, col, select
from temporalio.client import Client as TemporalClient

from api import gateway
from api.deps import Caller, firm_row
from api.errors import ApiError, invalid, not_found
from api.missions_view import line_out
from api.schemas import (
    AmendmentIn,
    AmendmentOut,
    LetterCreated,
    LetterIn,
    PreviewIn,
    SignatureCreated,
    SignatureIn,
)
from api.services.letter_previews import run_preview
from api.services.missions import _audited, _check_letter_inputs
from api.services.sessions import reading
from contracts.messages import (
    AmendmentCancel,
    AmendmentDraft,
    AmendmentLetterRequest,
    AmendmentRenderInput,
    AmendmentSignatureAsk,
)
from domain.amendments import (
    NothingChanges,
    changes_between,
    line_rows,
    paired_line_ids,
    terms_of,
    validate_effective_date,
)
from domain.enums import Frequency, MissionStatus
from domain.missions import LineForm, MissionRuleError, catalogue_lines
from domain.models import Amendment, Mission, new_id
from domain.queries import lines_in_force
from workflows.amendment_preview import AmendmentPreviewWorkflow
from workflows.mission import MissionWorkflow

# An amendment in one of these holds the mission: no second one until it ends.
IN_PROGRESS = ("draft", "letter_generated", "awaiting_signature")


def _mission(session: Session, staff: Caller, mission_id: str) -> Mission:
    return firm_row(session, Mission, staff.firm, mission_id, "mission")


def _amendment(session: Session, staff: Caller, mission_id: str, amendment_id: str) -> Amendment:
    """The firm's mission's amendment, else 404 (another firm's answers as a missing one)."""
    mission = _mission(session, staff, mission_id)
    amendment = session.get(Amendment, amendment_id)
    if amendment is None or amendment.mission_id != mission.id:
        raise not_found(f"amendment {amendment_id}")
    return amendment


def amendment_out(amendment: Amendment) -> AmendmentOut:
    return AmendmentOut(
        id=amendment.id,
        mission_id=amendment.mission_id,
        number=amendment.number,
        status=amendment.status,
        effective_date=amendment.effective_date,
        reason=amendment.reason,
        lines=[line_out(line) for line in line_rows(amendment.mission_id, amendment.lines)],
        changes=amendment.changes,
        letter_version=amendment.letter_version,
        document_id=amendment.document_id,
        signature_id=amendment.signature_id,
        created_at=amendment.created_at,
    )


def _read(session: Session, staff: Caller, mission_id: str, amendment_id: str) -> AmendmentOut:
    return amendment_out(_amendment(session, staff, mission_id, amendment_id))


async def get(staff: Caller, mission_id: str, amendment_id: str) -> AmendmentOut:
    return await reading(
        partial(_read, staff=staff, mission_id=mission_id, amendment_id=amendment_id)
    )


# --- drafting ----------------------------------------------------------------------------------


def _draft(session: Session, staff: Caller, mission_id: str, body: AmendmentIn) -> AmendmentDraft:
    """The workflow's draft, once the mission may take it and the lines change something."""
    mission = _mission(session, staff, mission_id)
    if mission.status != MissionStatus.active:
        raise ApiError(
            409, "conflict", f"only an active mission can be amended; it is {mission.status}"
        )
    in_progress = session.exec(
        select(Amendment).where(
            Amendment.mission_id == mission.id, col(Amendment.status).in_(IN_PROGRESS)
        )
    ).first()
    if in_progress is not None:
        raise ApiError(
            409,
            "conflict",
            f"amendment n° {in_progress.number} is in progress ({in_progress.status})",
        )
    assert mission.period_start is not None and mission.period_end is not None
    try:
        validate_effective_date(
            body.effective_date, period_start=mission.period_start, period_end=mission.period_end
        )
    except ValueError as error:
        raise invalid(str(error), {"field": "effective_date"}) from None
    forms = [LineForm(line.service_id, line.price, line.frequency) for line in body.lines]
    try:
        lines = catalogue_lines(
            session, staff.firm, forms, Frequency(mission.frequency or Frequency.monthly)
        )
    except MissionRuleError as error:
        raise invalid(str(error), {"field": error.field}) from None
    current = lines_in_force(session, mission.id, body.effective_date)
    # A line that stays keeps its id, so that its work keeps its keys.
    ids = paired_line_ids(current, [line.service_id for line in lines], lambda: new_id("line"))
    for line, line_id in zip(lines, ids, strict=True):
        line.line_id = line_id
    proposed = line_rows(mission.id, [asdict(line) for line in lines])
    try:
        changes_between(terms_of(current), terms_of(proposed))
    except NothingChanges as error:
        raise invalid(str(error), {"field": "lines"}) from None
    return AmendmentDraft(
        amendment_id=new_id("amd"),
        effective_date=body.effective_date.isoformat(),
        reason=body.reason,
        lines=lines,
        by=staff.name,
    )


async def draft(
    temporal: TemporalClient, staff: Caller, mission_id: str, body: AmendmentIn
) -> AmendmentOut:
    prepared = await reading(partial(_draft, staff=staff, mission_id=mission_id, body=body))
    answer = await gateway.update(temporal, mission_id, MissionWorkflow.draft_amendment, prepared)
    await _audit(staff, mission_id, "amendment_drafted", answer.amendment_id, {})
    return await get(staff, mission_id, answer.amendment_id)


async def _audit(
    staff: Caller, mission_id: str, action: str, amendment_id: str, details: dict[str, object]
) -> None:
    """The API's audit entry for what the workflow did at ``staff``'s request."""
    mission = await reading(partial(_mission, staff=staff, mission_id=mission_id))
    await _audited(
        staff, mission.id, mission.client_id, action, {"amendment_id": amendment_id, **details}
    )


# --- its letter -------------------------------------------------------------------------------


def _letter_inputs(
    session: Session,
    staff: Caller,
    mission_id: str,
    amendment_id: str,
    body: PreviewIn | LetterIn,
) -> Amendment:
    amendment = _amendment(session, staff, mission_id, amendment_id)
    if amendment.status not in ("draft", "letter_generated"):
        raise ApiError(409, "conflict", f"the amendment is {amendment.status}: no new letter")
    mission = session.get(Mission, amendment.mission_id)
    assert mission is not None
    _check_letter_inputs(session, staff, mission, body)
    return amendment


async def _checked_letter_inputs(
    staff: Caller, mission_id: str, amendment_id: str, body: PreviewIn | LetterIn
) -> Amendment:
    step = partial(
        _letter_inputs, staff=staff, mission_id=mission_id, amendment_id=amendment_id, body=body
    )
    return await reading(step)


async def preview_letter(
    temporal: TemporalClient, staff: Caller, mission_id: str, amendment_id: str, body: PreviewIn
) -> bytes:
    """The amendment's letter as it would be generated now, as PDF; nothing filed or kept."""
    amendment = await _checked_letter_inputs(staff, mission_id, amendment_id, body)
    preview_id = uuid.uuid4().hex
    request = AmendmentRenderInput(
        amendment_id=amendment.id,
        version=amendment.letter_version + 1,
        template_id=body.template_id,
        firm_representative_id=body.firm_representative_id,
        client_representative_id=body.client_representative_id,
        scratch_name=f"previews/{preview_id}.docx",
        # UTC, as the workflow's clock dates the real letter.
        letter_date=datetime.now(UTC).date().isoformat(),
    )
    return await run_preview(temporal, AmendmentPreviewWorkflow.run, request)


async def generate_letter(
    temporal: TemporalClient, staff: Caller, mission_id: str, amendment_id: str, body: LetterIn
) -> LetterCreated:
    amendment = await _checked_letter_inputs(staff, mission_id, amendment_id, body)
    request = AmendmentLetterRequest(
        amendment_id=amendment.id,
        template_id=body.template_id,
        folder_id=body.folder_id,
        firm_representative_id=body.firm_representative_id,
        client_representative_id=body.client_representative_id,
        by=staff.name,
    )
    answer = await gateway.update(
        temporal, amendment.mission_id, MissionWorkflow.generate_amendment_letter, request
    )
    details = {**body.model_dump(mode="json"), "document_id": answer.document_id}
    await _audit(staff, mission_id, "amendment_letter_generated", amendment.id, details)
    return LetterCreated(
        document_id=answer.document_id, version=answer.version, status=answer.status
    )


# --- signature and cancellation ---------------------------------------------------------------


async def request_signature(
    temporal: TemporalClient, staff: Caller, mission_id: str, amendment_id: str, body: SignatureIn
) -> SignatureCreated:
    amendment = await reading(
        partial(_amendment, staff=staff, mission_id=mission_id, amendment_id=amendment_id)
    )
    if amendment.status != "letter_generated":
        raise ApiError(
            409, "conflict", f"only a generated letter can be sent; it is {amendment.status}"
        )
    ask = AmendmentSignatureAsk(amendment_id=amendment.id, provider=body.provider, by=staff.name)
    answer = await gateway.update(
        temporal, amendment.mission_id, MissionWorkflow.request_amendment_signature, ask
    )
    assert answer.signature is not None
    details = {"provider": body.provider, "signature_id": answer.signature.signature_id}
    await _audit(staff, mission_id, "amendment_signature_requested", amendment.id, details)
    return SignatureCreated(
        signature_id=answer.signature.signature_id,
        provider_request_id=answer.signature.provider_request_id,
        status=answer.signature.status,
    )


async def cancel(
    temporal: TemporalClient, staff: Caller, mission_id: str, amendment_id: str, reason: str
) -> AmendmentOut:
    amendment = await reading(
        partial(_amendment, staff=staff, mission_id=mission_id, amendment_id=amendment_id)
    )
    if amendment.status not in IN_PROGRESS:
        raise ApiError(409, "conflict", f"the amendment is already {amendment.status}")
    request = AmendmentCancel(amendment_id=amendment.id, by=staff.name, reason=reason)
    await gateway.update(temporal, amendment.mission_id, MissionWorkflow.cancel_amendment, request)
    await _audit(staff, mission_id, "amendment_cancelled", amendment.id, {"reason": reason})
    return await get(staff, mission_id, amendment.id)
