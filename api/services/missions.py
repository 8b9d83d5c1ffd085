"""Mission operations: each checks what the firm sent, moves the mission's workflow, audits.

The database steps are the module's plain functions taking a ``Session``: each runs as one
short session in a worker thread (``api.services.sessions``), never on the event loop; the
async operations only await them and the workflow calls. No session is open while the
workflow works: its activities write the mission's rows meanwhile.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from sqlmodel import Session, func, select
from temporalio.client import Client as TemporalClient

from api import gateway
from api.deps import Caller, firm_row
from api.errors import ApiError, invalid, not_found
from api.idempotency import once, replayed
from api.missions_view import mission_out
from api.schemas import (
    LetterCreated,
    LetterIn,
    LinePatch,
    MissionIn,
    MissionOut,
    PreviewIn,
    SignatureCreated,
    SignatureIn,
    TerminationCreated,
    TerminationIn,
)
from api.services.letter_previews import InputsChanged, preview_pdf
from api.services.sessions import in_session, reading
from contracts.messages import (
    CancelRequest,
    LetterRequest,
    LineChange,
    MissionDraft,
    MissionStart,
    RenderInput,
    SignatureAsk,
    TerminationRequest,
)
from contracts.statuses import LETTER_EDITABLE_STATUSES
from domain.audit import record
from domain.enums import TERMINAL_STATUSES, DocumentKind, MissionStatus, ServiceRequestStatus
from domain.letter_templates import has_template
from domain.missions import LineForm, MissionRuleError, build_draft
from domain.models import (
    Client,
    Document,
    Firm,
    Folder,
    Mission,
    MissionLine,
    Representative,
    ServiceRequest,
    Staff,
    new_id,
)
from domain.queries import firm_clock
from workflows.mission import MissionWorkflow


@dataclass(frozen=True)
class Answer:
    """A mission as the caller gets it back, and whether an earlier request made it."""

    mission: MissionOut
    replayed: bool = False


def _mission(session: Session, staff: Caller, mission_id: str) -> Mission:
    return firm_row(session, Mission, staff.firm, mission_id, "mission")


def _current(session: Session, mission_id: str) -> MissionOut:
    mission = session.get(Mission, mission_id)
    assert mission is not None
    return mission_out(session, mission)


def _already_created(session: Session, mission_id: str) -> bool:
    status = session.exec(select(Mission.status).where(Mission.id == mission_id)).first()
    return status is not None and status != MissionStatus.requested


def _audit(
    session: Session,
    staff: Caller,
    mission_id: str,
    client_id: str,
    action: str,
    details: dict[str, Any],
) -> None:
    record(
        session,
        staff.actor,
        f"mission.{action}",
        firm_id=staff.firm,
        target=mission_id,
        client_id=client_id,
        mission_id=mission_id,
        details=details,
    )


async def _audited(
    staff: Caller, mission_id: str, client_id: str, action: str, details: dict[str, Any]
) -> None:
    """Log what the workflow did for ``staff``: the workflow writes the mission's rows in its
    own sessions; the API logs the action."""
    step = partial(
        _audit,
        staff=staff,
        mission_id=mission_id,
        client_id=client_id,
        action=action,
        details=details,
    )
    await in_session(step)


async def _as_it_now_is(mission_id: str) -> MissionOut:
    # Read after the log's commit, not in its transaction: on SQLite the writers take turns,
    # each waiting for every write before it, so a write holds its turn only while it writes.
    return await reading(partial(_current, mission_id=mission_id))


def _check_letter_inputs(
    session: Session, staff: Caller, mission: Mission, body: PreviewIn | LetterIn
) -> None:
    """Reject a letter request naming things the firm or the client does not have."""
    firm_rep = session.get(Staff, body.firm_representative_id)
    if firm_rep is None or firm_rep.firm_id != staff.firm:
        raise not_found(f"staff member {body.firm_representative_id}")
    if not firm_rep.legal_representative:
        raise invalid(f"{firm_rep.first_name} {firm_rep.last_name} is not a legal representative")
    client_rep = session.get(Representative, body.client_representative_id)
    if client_rep is None or client_rep.client_id != mission.client_id:
        raise not_found(f"representative {body.client_representative_id}")
    if not has_template(session, staff.firm, body.template_id):
        raise not_found(f"letter template {body.template_id}")
    if isinstance(body, LetterIn):
        folder = session.get(Folder, body.folder_id)
        if folder is None or folder.client_id != mission.client_id:
            raise not_found(f"folder {body.folder_id}")


# --- creation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Creation:
    draft: MissionDraft
    start: MissionStart


def _prepare_creation(
    session: Session, staff: Caller, body: MissionIn, idempotency_key: str | None
) -> _Creation | str:
    """The workflow's input, or the id of the mission an earlier request made."""
    client = firm_row(session, Client, staff.firm, body.client_id, "client")
    earlier = replayed(session, staff, "missions.create", idempotency_key, body)
    if earlier is not None and _already_created(session, earlier.resource_id):
        return earlier.resource_id
    request = None
    if body.service_request_id is not None:
        request = session.get(ServiceRequest, body.service_request_id)
        if request is None or request.firm_id != staff.firm or request.client_id != client.id:
            raise not_found(f"service request {body.service_request_id}")
        if request.status != ServiceRequestStatus.open:
            raise ApiError(409, "conflict", "this request is already a mission")
    lines = [LineForm(line.service_id, line.price, line.frequency) for line in body.lines]
    try:
        draft = build_draft(
            session,
            staff.firm,
            name=body.name,
            period_start=body.period_start,
            period_end=body.period_end,
            frequency=body.frequency,
            lines=lines,
            by=staff.name,
        )
    except MissionRuleError as error:
        raise invalid(str(error), {"field": error.field}) from None
    draft = replace(draft, renewal=body.renewal.value, notice_months=body.notice_months)
    # Only a valid request claims its key, and the mission's id is committed with it before
    # the workflow starts: a retry after a lost answer joins that workflow, not a new one.
    mission_id = once(
        session,
        staff,
        "missions.create",
        idempotency_key,
        body,
        request.mission_id if request else new_id("mis"),
    ).resource_id
    start = MissionStart(mission_id, staff.firm, client.id, request.id if request else None)
    return _Creation(draft, start)


async def create(
    temporal: TemporalClient, staff: Caller, body: MissionIn, idempotency_key: str | None
) -> Answer:
    prepared = await in_session(
        partial(_prepare_creation, staff=staff, body=body, idempotency_key=idempotency_key),
        actor=staff.actor,
    )
    if isinstance(prepared, str):
        return Answer(await _as_it_now_is(prepared), replayed=True)
    mission_id = prepared.start.mission_id
    try:
        await gateway.update_with_start(
            temporal, MissionWorkflow.create_mission, prepared.draft, prepared.start
        )
    except ApiError as error:
        # Requests racing with one key share the mission id; the workflow makes the mission
        # for whichever update comes first and refuses the others, which answer with it.
        if (
            idempotency_key is None
            or error.status != 409
            or not await reading(partial(_already_created, mission_id=mission_id))
        ):
            raise
        return Answer(await _as_it_now_is(mission_id), replayed=True)
    await _audited(
        staff, mission_id, prepared.start.client_id, "created", body.model_dump(mode="json")
    )
    return Answer(await _as_it_now_is(mission_id))


# --- the mission's lines ------------------------------------------------------------------


def _changeable_line(
    session: Session, staff: Caller, mission_id: str, line_id: str, body: LinePatch
) -> Mission:
    mission = _mission(session, staff, mission_id)
    line = session.get(MissionLine, line_id)
    if line is None or line.mission_id != mission.id:
        raise not_found(f"line {line_id}")
    if body.price is None and body.frequency is None:
        raise invalid("give a price or a frequency to change")
    return mission


async def change_line(
    temporal: TemporalClient, staff: Caller, mission_id: str, line_id: str, body: LinePatch
) -> MissionOut:
    mission = await reading(
        partial(_changeable_line, staff=staff, mission_id=mission_id, line_id=line_id, body=body)
    )
    change = LineChange(
        line_id=line_id,
        by=staff.name,
        price=str(body.price) if body.price is not None else None,
        frequency=body.frequency.value if body.frequency is not None else None,
    )
    await gateway.update(temporal, mission.id, MissionWorkflow.change_line, change)
    details = {"line_id": line_id, **body.model_dump(mode="json", exclude_none=True)}
    await _audited(staff, mission.id, mission.client_id, "line_changed", details)
    return await _as_it_now_is(mission.id)


# --- the letter ----------------------------------------------------------------------------


def _preview_input(
    session: Session, staff: Caller, mission_id: str, body: PreviewIn, preview_id: str
) -> RenderInput:
    mission = _mission(session, staff, mission_id)
    if mission.status not in LETTER_EDITABLE_STATUSES:
        raise ApiError(409, "conflict", f"the mission is {mission.status}: no letter to preview")
    _check_letter_inputs(session, staff, mission, body)
    letters = select(func.count()).where(
        Document.mission_id == mission.id, Document.kind == DocumentKind.letter
    )
    return RenderInput(
        mission_id=mission.id,
        # The version the letter would get if generated now.
        version=session.exec(letters).one() + 1,
        template_id=body.template_id,
        firm_representative_id=body.firm_representative_id,
        client_representative_id=body.client_representative_id,
        scratch_name=f"previews/{preview_id}.docx",
        # UTC, as the workflow's clock dates the real letter.
        letter_date=datetime.now(UTC).date().isoformat(),
    )


async def preview_letter(
    temporal: TemporalClient, staff: Caller, mission_id: str, body: PreviewIn
) -> bytes:
    """The letter exactly as it would be generated now, as PDF; nothing is filed. The mission's
    last preview is kept, and served again while nothing that goes into it changes."""
    for attempt in range(2):
        request = await reading(
            partial(
                _preview_input,
                staff=staff,
                mission_id=mission_id,
                body=body,
                preview_id=uuid.uuid4().hex,
            )
        )
        try:
            return await preview_pdf(temporal, staff.firm, request)
        except InputsChanged as changed:
            if attempt == 1:
                raise ApiError(409, "conflict", f"{changed}; preview it again") from changed
    raise AssertionError("unreachable")


def _letter_mission(session: Session, staff: Caller, mission_id: str, body: LetterIn) -> Mission:
    mission = _mission(session, staff, mission_id)
    _check_letter_inputs(session, staff, mission, body)
    return mission


async def generate_letter(
    temporal: TemporalClient, staff: Caller, mission_id: str, body: LetterIn
) -> LetterCreated:
    mission = await reading(partial(_letter_mission, staff=staff, mission_id=mission_id, body=body))
    request = LetterRequest(
        template_id=body.template_id,
        folder_id=body.folder_id,
        firm_representative_id=body.firm_representative_id,
        client_representative_id=body.client_representative_id,
        by=staff.name,
    )
    filed = await gateway.update(temporal, mission.id, MissionWorkflow.generate_letter, request)
    details = {
        **body.model_dump(mode="json"),
        "document_id": filed.document_id,
        "version": filed.version,
    }
    await _audited(staff, mission.id, mission.client_id, "letter_generated", details)
    return LetterCreated(document_id=filed.document_id, version=filed.version, status=filed.status)


# --- signature and cancellation ------------------------------------------------------------


async def request_signature(
    temporal: TemporalClient, staff: Caller, mission_id: str, body: SignatureIn
) -> SignatureCreated:
    mission = await reading(partial(_mission, staff=staff, mission_id=mission_id))
    ask = SignatureAsk(provider=body.provider, by=staff.name)
    started = await gateway.update(temporal, mission.id, MissionWorkflow.request_signature, ask)
    details = {"provider": ask.provider, "signature_id": started.signature_id}
    await _audited(staff, mission.id, mission.client_id, "signature_requested", details)
    return SignatureCreated(
        signature_id=started.signature_id,
        provider_request_id=started.provider_request_id,
        status=started.status,
    )


def _cancellable(session: Session, staff: Caller, mission_id: str) -> tuple[Mission, MissionOut]:
    mission = _mission(session, staff, mission_id)
    if mission.status in TERMINAL_STATUSES:
        raise ApiError(409, "conflict", f"the mission is already {mission.status}")
    return mission, mission_out(session, mission)


async def cancel(
    temporal: TemporalClient, staff: Caller, mission_id: str, reason: str
) -> MissionOut:
    mission, seen = await reading(partial(_cancellable, staff=staff, mission_id=mission_id))
    await gateway.signal(
        temporal, mission.id, MissionWorkflow.cancel, CancelRequest(staff.name, reason)
    )
    await _audited(staff, mission.id, mission.client_id, "cancel_requested", {"reason": reason})
    # The workflow cancels in its own time: the answer is the mission as it was asked.
    return seen


# --- termination ---------------------------------------------------------------------------


def _termination_request(
    session: Session, staff: Caller, mission_id: str, body: TerminationIn
) -> tuple[Mission, TerminationRequest]:
    """What the workflow records, once the dates make sense in the firm's own calendar."""
    mission = _mission(session, staff, mission_id)
    if mission.status != MissionStatus.active:
        raise ApiError(
            409, "conflict", f"only an active mission can be terminated; it is {mission.status}"
        )
    if mission.termination is not None:
        effective_on = mission.termination.get("effective_on")
        raise ApiError(409, "conflict", f"the mission is already terminated from {effective_on}")
    firm = session.get(Firm, mission.firm_id)
    assert firm is not None and mission.period_start is not None
    today = firm_clock(firm).today(datetime.now(UTC))
    given = body.notice_given_on or today
    if given > today:
        raise invalid("notice cannot be given in the future", {"field": "notice_given_on"})
    if given < mission.period_start:
        raise invalid(
            f"notice given before the current period, which starts {mission.period_start}",
            {"field": "notice_given_on"},
        )
    if body.agreed_end is not None and body.agreed_end < max(given, today):
        raise invalid(
            "the agreed end cannot come before today or the notice",
            {"field": "agreed_end"},
        )
    request = TerminationRequest(
        party=body.by,
        reason=body.reason,
        notice_given_on=given.isoformat(),
        by=staff.name,
        agreed_end=body.agreed_end.isoformat() if body.agreed_end else None,
    )
    return mission, request


async def terminate(
    temporal: TemporalClient, staff: Caller, mission_id: str, body: TerminationIn
) -> TerminationCreated:
    """Record a termination; the mission's workflow ends it on the day it takes effect."""
    mission, request = await reading(
        partial(_termination_request, staff=staff, mission_id=mission_id, body=body)
    )
    recorded = await gateway.update(temporal, mission.id, MissionWorkflow.terminate, request)
    details = {**body.model_dump(mode="json"), "effective_on": recorded.effective_on}
    await _audited(staff, mission.id, mission.client_id, "termination_recorded", details)
    return TerminationCreated(effective_on=date.fromisoformat(recorded.effective_on))
