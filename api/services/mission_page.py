"""What the staff's mission pages show: the mission form's choices, and the mission with its
letter panel's choices (templates, folders, representatives on both sides).

Read-only; the functions take a ``Session`` and run in a worker thread (``reading``). Another
firm's mission, client or request answers 404 exactly as a missing one (``firm_row``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select

from api.deps import firm_row
from api.missions_view import mission_out
from api.schemas import AmendmentSummary, MissionOut
from api.services.plan import mission_plan
from contracts.statuses import LETTER_EDITABLE_STATUSES
from domain.amendments import amendment_of_key
from domain.enums import DocumentKind, Frequency, MissionStatus, ServiceRequestStatus
from domain.letter_templates import DEFAULT_TEMPLATE_ID, DEFAULT_TEMPLATE_NAME
from domain.models import (
    Client,
    Document,
    Firm,
    Folder,
    LetterTemplate,
    Mission,
    Representative,
    Service,
    ServiceRequest,
    Staff,
)
from domain.period import parse_month_day
from domain.queries import firm_clock
from domain.work import PlanStatus, openings


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class MissionForm:
    client: Client
    request: ServiceRequest | None
    services: list[Service]
    chosen: set[str]
    vat_rate: str
    period_start: date
    period_end: date


def financial_year(fiscal_year_end: str, today: date) -> tuple[date, date]:
    """The client's financial year that holds ``today``: the default period of a mission."""
    month, day = (int(part) for part in parse_month_day(fiscal_year_end).split("-"))

    def end_in(year: int) -> date:
        # 02-29 ends the year on the 28th when the year has no 29 February.
        try:
            return date(year, month, day)
        except ValueError:
            return date(year, month, day - 1)

    end = end_in(today.year)
    if end < today:
        end = end_in(today.year + 1)
    start = end_in(end.year - 1) + timedelta(days=1)
    return start, end


def mission_form(
    session: Session, firm_id: str, client_id: str, request_id: str | None, today: date
) -> MissionForm:
    """The catalogue to pick lines from; a request's services already chosen."""
    client = firm_row(session, Client, firm_id, client_id, "client")
    request = None
    if request_id:
        request = firm_row(session, ServiceRequest, firm_id, request_id, "service request")
        if request.client_id != client.id:
            request = None
    services = session.exec(
        select(Service).where(Service.firm_id == firm_id).order_by(col(Service.name))
    ).all()
    firm = session.get(Firm, firm_id)
    start, end = financial_year(client.fiscal_year_end, today)
    return MissionForm(
        client=client,
        request=request if request and request.status == ServiceRequestStatus.open else None,
        services=list(services),
        chosen=set(request.service_ids) if request else set(),
        vat_rate=str(firm.vat_rate) if firm else "20",
        period_start=start,
        period_end=end,
    )


@dataclass(frozen=True)
class LetterRow:
    document: Document
    folder_name: str
    shared: bool
    # "Avenant n° N" for an amendment's document; None for the mission's own.
    amendment_number: int | None = None


@dataclass(frozen=True)
class AmendmentRow:
    """An amendment as the mission page lists it: the API's summary and its documents
    (letter, signed letter, audit trail), oldest first."""

    amendment: AmendmentSummary
    documents: list[Document]


def amendment_of_document(key: str) -> str | None:
    """The amendment a document's GED key belongs to: its letter's key
    (domain.amendments.amendment_letter_key) or the signed letter's and audit trail's,
    ``<kind>:amendment:<id>`` (activities/amendments.py); None for the mission's own."""
    parts = key.split(":")
    if len(parts) == 3 and parts[1] == "amendment":
        return parts[2]
    return amendment_of_key(key)


@dataclass(frozen=True)
class MissionPage:
    mission: MissionOut
    client: Client
    client_representatives: list[Representative]
    firm_representatives: list[Staff]
    folders: list[Folder]
    templates: list[Choice]
    letters: list[LetterRow]
    frequencies: list[Frequency]
    amendments: list[AmendmentRow] = field(default_factory=list)
    # The day the work of an active mission's period opens, while none of it has (the
    # firm's date); None once some work exists, or when the mission is not active.
    work_opens_on: date | None = None

    @property
    def latest_letter_private(self) -> bool:
        """Whether the mission's latest letter (not an amendment's) is in a folder the client
        cannot see: the page then suggests moving it to a shared one."""
        own = [
            row
            for row in self.letters
            if row.document.kind == DocumentKind.letter and row.amendment_number is None
        ]
        return bool(own) and not own[-1].shared

    @property
    def letter_open(self) -> bool:
        """Whether the letter may still be previewed, changed and generated."""
        return self.mission.status in LETTER_EDITABLE_STATUSES

    @property
    def private_folder_id(self) -> str | None:
        """The folder a new letter goes to by default: the first one the client cannot see,
        so that the firm checks the letter before the client sees it (the seed's advice)."""
        private = [folder for folder in self.folders if not folder.shared_with_client]
        candidates = private or self.folders
        return candidates[0].id if candidates else None


def work_opens_on(session: Session, mission: Mission, now: datetime) -> date | None:
    """When an active mission's work first opens, while nothing of its plan is open yet
    (a period that has not begun): the firm's date of the next opening."""
    if mission.status != MissionStatus.active:
        return None
    plan = mission_plan(session, mission)
    if not plan or any(item.status == PlanStatus.created for item in plan):
        return None
    firm = session.get(Firm, mission.firm_id)
    assert firm is not None
    clock = firm_clock(firm)
    planned = [item.work for item in plan]
    upcoming = openings(planned, clock, now, until=mission.termination_effective_on)
    if upcoming.open or upcoming.next_opening is None:
        return None
    return clock.today(upcoming.next_opening)


def mission_page(
    session: Session, firm_id: str, mission_id: str, now: datetime | None = None
) -> MissionPage:
    mission = firm_row(session, Mission, firm_id, mission_id, "mission")
    client = session.get(Client, mission.client_id)
    assert client is not None
    representatives = session.exec(
        select(Representative)
        .where(Representative.client_id == client.id)
        .order_by(col(Representative.last_name))
    ).all()
    signers = session.exec(
        select(Staff)
        .where(Staff.firm_id == firm_id, col(Staff.legal_representative).is_(True))
        .order_by(col(Staff.last_name))
    ).all()
    folders = session.exec(
        select(Folder).where(Folder.client_id == client.id).order_by(col(Folder.name))
    ).all()
    uploaded = session.exec(
        select(LetterTemplate.id, LetterTemplate.name)
        .where(LetterTemplate.firm_id == firm_id)
        .order_by(col(LetterTemplate.created_at))
    ).all()
    by_id = {folder.id: folder for folder in folders}
    documents = session.exec(
        select(Document)
        .where(
            Document.mission_id == mission.id,
            col(Document.kind).in_(
                [DocumentKind.letter, DocumentKind.signed_letter, DocumentKind.audit_trail]
            ),
        )
        .order_by(col(Document.version), col(Document.created_at))
    ).all()
    out = mission_out(session, mission)
    numbers = {amendment.id: amendment.number for amendment in out.amendments}
    of_amendment = {document.id: amendment_of_document(document.key) for document in documents}
    return MissionPage(
        mission=out,
        client=client,
        client_representatives=list(representatives),
        firm_representatives=list(signers),
        folders=list(folders),
        templates=[Choice(DEFAULT_TEMPLATE_ID, DEFAULT_TEMPLATE_NAME)]
        + [Choice(template_id, name) for template_id, name in uploaded],
        letters=[
            LetterRow(
                document,
                by_id[document.folder_id].name if document.folder_id in by_id else "",
                by_id[document.folder_id].shared_with_client
                if document.folder_id in by_id
                else False,
                numbers.get(of_amendment[document.id] or ""),
            )
            for document in documents
        ],
        frequencies=list(Frequency),
        amendments=[
            AmendmentRow(
                amendment,
                [document for document in documents if of_amendment[document.id] == amendment.id],
            )
            for amendment in out.amendments
        ],
        work_opens_on=work_opens_on(session, mission, now or datetime.now(UTC)),
    )
