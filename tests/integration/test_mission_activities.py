"""The mission activities, called as plain functions against SQLite and PostgreSQL.

Each one may be retried by Temporal, so each is run twice here and must change nothing the
second time.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlmodel import Session, col, func, select

from activities.letters import DocumentActivities, FilingActivities, new_converter_pool
from activities.missions import REQUEST_REVIEW_DAYS, record_transition, save_mission
from activities.work import create_work
from api.services.plan import mission_plan
from contracts.messages import (
    ConvertInput,
    FileLetterInput,
    LineInput,
    MissionDraft,
    RenderInput,
    SaveMissionInput,
    TransitionInput,
    WorkCreated,
)
from documents.pdf import pdf_text
from domain.db import get_engine
from domain.enums import (
    DocumentKind,
    Frequency,
    MissionStatus,
    ServiceRequestStatus,
    WorkKind,
    WorkStatus,
)
from domain.ged import blob_store
from domain.models import (
    Client,
    Document,
    Folder,
    Mission,
    MissionEvent,
    MissionLine,
    Representative,
    Service,
    ServiceRequest,
    ServiceWork,
    Staff,
    WorkItem,
    new_id,
)
from domain.settings import get_settings
from domain.work import PlanItem, PlanStatus
from tests.integration.database import counting_statements, database  # noqa: F401
from tests.integration.rows import add_firm

# Every test runs once on SQLite and once on PostgreSQL, with settings pointing there.
pytestmark = pytest.mark.usefixtures("database")

CLIENT_NAME = "Boulangerie Dupont & Fils — Éclairs"
AT = "2024-01-15T10:30:00+00:00"


@dataclass(frozen=True)
class Setup:
    firm_id: str
    staff_id: str
    client_id: str
    representative_id: str
    service_id: str
    folder_id: str
    mission_id: str


def build(session: Session) -> Setup:
    """A firm with its representative, a client with theirs and a folder, and a service that
    sets off one task and one information request; the mission itself is left to the
    activities (``mission_id`` is only its id)."""
    firm = add_firm(session)
    staff = Staff(
        firm_id=firm.id,
        email="claire@martin.example",
        first_name="Claire",
        last_name="Martin",
        title="Expert-comptable associée",
        legal_representative=True,
    )
    client = Client(
        firm_id=firm.id,
        name=CLIENT_NAME,
        legal_form="SARL",
        siren="987 654 321",
        address="3 place du Marché, 69001 Lyon",
        activity="Boulangerie-pâtisserie",
        fiscal_year_end="12-31",
    )
    service = Service(
        firm_id=firm.id,
        code="TENUE",
        name="Tenue comptable",
        description="Saisie des pièces et rapprochements bancaires.",
        price=Decimal("1234.50"),
        frequency=Frequency.monthly,
    )
    session.add_all([staff, client, service])
    session.flush()
    representative = Representative(
        client_id=client.id, first_name="Jean", last_name="Dupont", title="Gérant"
    )
    folder = Folder(firm_id=firm.id, client_id=client.id, name="Lettres de mission")
    works = [
        ServiceWork(service_id=service.id, position=0, kind=WorkKind.task, title="Saisie"),
        ServiceWork(
            service_id=service.id,
            position=1,
            kind=WorkKind.information_request,
            title="Relevés bancaires",
            due=0,
        ),
    ]
    session.add_all([representative, folder, *works])
    session.commit()
    return Setup(
        firm_id=firm.id,
        staff_id=staff.id,
        client_id=client.id,
        representative_id=representative.id,
        service_id=service.id,
        folder_id=folder.id,
        mission_id=new_id("msn"),
    )


@pytest.fixture
def setup(request: pytest.FixtureRequest) -> Setup:
    request.getfixturevalue("database")  # the migrated database, before any row
    with Session(get_engine()) as session:
        return build(session)


def session_for() -> Session:
    return Session(get_engine())


def transition(setup: Setup, seq: int, status: MissionStatus, **extra: str) -> TransitionInput:
    return TransitionInput(
        mission_id=setup.mission_id,
        firm_id=setup.firm_id,
        client_id=setup.client_id,
        seq=seq,
        status=status.value,
        by=setup.staff_id,
        reason="",
        at=extra.pop("at", AT),
        **extra,
    )


def draft_input(
    setup: Setup, line_ids: list[str], service_request_id: str | None = None
) -> SaveMissionInput:
    """Tenue comptable 1 234,50 € a month and 0,10 € a year, over the year 2024."""
    prices = [("1234.50", Frequency.monthly), ("0.10", Frequency.yearly)]
    return SaveMissionInput(
        mission_id=setup.mission_id,
        firm_id=setup.firm_id,
        client_id=setup.client_id,
        service_request_id=service_request_id,
        draft=MissionDraft(
            name="Mission comptable 2024",
            period_start="2024-01-01",
            period_end="2024-12-31",
            frequency=Frequency.monthly.value,
            lines=[
                LineInput(
                    line_id=line_id,
                    service_id=setup.service_id,
                    code="TENUE",
                    name="Tenue comptable",
                    description="Saisie des pièces et rapprochements bancaires.",
                    price=price,
                    frequency=frequency.value,
                )
                for line_id, (price, frequency) in zip(line_ids, prices, strict=False)
            ],
            by=setup.staff_id,
        ),
    )


def drafted_mission(setup: Setup, line_count: int = 2) -> list[str]:
    """Create the mission through its activities and save its draft; the lines' ids."""
    record_transition(transition(setup, 1, MissionStatus.draft))
    line_ids = [new_id("ln") for _ in range(line_count)]
    save_mission(draft_input(setup, line_ids))
    return line_ids


def count(session: Session, model: type, *where: object) -> int:
    statement = select(func.count()).select_from(model)
    for condition in where:
        statement = statement.where(condition)  # type: ignore[arg-type]
    return session.exec(statement).one()


def test_record_transition_creates_the_mission_once_per_seq(setup: Setup) -> None:
    first = transition(setup, 1, MissionStatus.draft)
    record_transition(first)

    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None
        assert (mission.firm_id, mission.client_id) == (setup.firm_id, setup.client_id)
        assert mission.status == MissionStatus.draft
        assert mission.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
        assert mission.updated_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
        events = session.exec(select(MissionEvent)).all()
        assert [(e.mission_id, e.seq, e.status, e.by) for e in events] == [
            (setup.mission_id, 1, MissionStatus.draft, setup.staff_id)
        ]
        assert count(session, WorkItem) == 0

    # A retry of the same step, even one that would say something else, changes nothing.
    record_transition(first)
    record_transition(transition(setup, 1, MissionStatus.cancelled, at="2024-02-01T00:00:00"))
    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None
        assert mission.status == MissionStatus.draft
        assert mission.updated_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
        assert count(session, MissionEvent) == 1
        assert count(session, Mission) == 1

    # The next step is recorded.
    record_transition(
        transition(setup, 2, MissionStatus.letter_generated, at="2024-01-16T08:00:00+00:00")
    )
    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None
        assert mission.status == MissionStatus.letter_generated
        assert mission.updated_at == datetime(2024, 1, 16, 8, 0, tzinfo=UTC)
        seqs = session.exec(
            select(MissionEvent.seq, MissionEvent.status).order_by(col(MissionEvent.seq))
        ).all()
        assert [tuple(row) for row in seqs] == [
            (1, MissionStatus.draft),
            (2, MissionStatus.letter_generated),
        ]


def test_a_service_request_sets_off_one_review_task(setup: Setup) -> None:
    request_id = new_id("req")
    with session_for() as session:
        session.add(
            ServiceRequest(
                id=request_id,
                firm_id=setup.firm_id,
                client_id=setup.client_id,
                service_ids=[setup.service_id],
                message="Pouvez-vous tenir notre comptabilité ?",
                mission_id=setup.mission_id,
            )
        )
        session.commit()

    requested = transition(setup, 1, MissionStatus.requested, service_request_id=request_id)
    record_transition(requested)
    record_transition(requested)
    record_transition(transition(setup, 2, MissionStatus.draft, service_request_id=request_id))

    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None and mission.service_request_id == request_id
        items = session.exec(select(WorkItem)).all()
        assert len(items) == 1
        (task,) = items
        assert task.key == f"request:{request_id}"
        assert task.kind == WorkKind.task
        assert task.status == WorkStatus.open
        assert (task.firm_id, task.client_id, task.mission_id) == (
            setup.firm_id,
            setup.client_id,
            setup.mission_id,
        )
        assert task.line_id is None
        assert task.due_date == date(2024, 1, 15 + REQUEST_REVIEW_DAYS)
        assert count(session, MissionEvent) == 2

    # Formalising the mission converts the request and closes the review task.
    save_mission(draft_input(setup, [new_id("ln")], service_request_id=request_id))
    with session_for() as session:
        service_request = session.get(ServiceRequest, request_id)
        assert service_request is not None
        assert service_request.status == ServiceRequestStatus.converted
        statuses = session.exec(select(WorkItem.status)).all()
        assert statuses == [WorkStatus.done]


def test_save_mission_writes_its_lines_once(setup: Setup) -> None:
    record_transition(transition(setup, 1, MissionStatus.draft))
    line_ids = [new_id("ln"), new_id("ln")]
    request = draft_input(setup, line_ids)
    save_mission(request)
    save_mission(request)

    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None
        assert mission.name == "Mission comptable 2024"
        assert (mission.period_start, mission.period_end) == (date(2024, 1, 1), date(2024, 12, 31))
        assert mission.frequency == Frequency.monthly
        lines = session.exec(
            select(MissionLine)
            .where(MissionLine.mission_id == setup.mission_id)
            .order_by(col(MissionLine.position))
        ).all()
        assert [(line.id, line.position) for line in lines] == [(line_ids[0], 0), (line_ids[1], 1)]
        assert [line.price for line in lines] == [Decimal("1234.50"), Decimal("0.10")]
        assert [str(line.price) for line in lines] == ["1234.50", "0.10"]
        assert [line.frequency for line in lines] == [Frequency.monthly, Frequency.yearly]
        assert count(session, MissionLine) == 2


def month_ends(year: int) -> list[date]:
    return [date(year, month, calendar.monthrange(year, month)[1]) for month in range(1, 13)]


def test_create_work_creates_each_period_s_items_once(setup: Setup) -> None:
    drafted_mission(setup, line_count=1)  # the monthly line over 2024

    assert create_work(setup.mission_id) == WorkCreated(tasks=12, information_requests=12)
    assert create_work(setup.mission_id) == WorkCreated(tasks=12, information_requests=12)

    with session_for() as session:
        items = session.exec(select(WorkItem).order_by(col(WorkItem.due_date))).all()
        assert len(items) == 24
        assert len({item.key for item in items}) == 24
        tasks = [item for item in items if item.kind == WorkKind.task]
        requests = [item for item in items if item.kind == WorkKind.information_request]
        expected = month_ends(2024)  # 2024 is a leap year: 29 February
        assert [item.due_date for item in tasks] == expected
        assert [item.due_date for item in requests] == expected
        assert tasks[0].title == "Saisie (01/2024)"
        assert requests[1].title == "Relevés bancaires (02/2024)"
        assert all(item.status == WorkStatus.open for item in items)
        assert {(item.firm_id, item.client_id, item.service_id) for item in items} == {
            (setup.firm_id, setup.client_id, setup.service_id)
        }


def plan_of(mission_id: str) -> tuple[list[PlanItem], int]:
    """The mission's plan as the API reads it, and how many statements that took."""
    with session_for() as session:
        mission = session.get(Mission, mission_id)
        assert mission is not None
        with counting_statements() as statements:
            plan = mission_plan(session, mission)
    return plan, len(statements)


def test_the_plan_is_planned_until_create_work_then_created(setup: Setup) -> None:
    line_id = drafted_mission(setup, line_count=1)[0]

    before, reads = plan_of(setup.mission_id)
    assert len(before) == 24 and {item.status for item in before} == {PlanStatus.planned}
    # The lines, the signed amendments, the catalogue's work, the existing keys: whatever the
    # number of items.
    assert reads == 4
    first = before[0].work
    assert (first.line_id, first.service_id) == (line_id, setup.service_id)
    assert (first.period_start, first.period_end, first.due_date) == (
        date(2024, 1, 1),
        date(2024, 1, 31),
        date(2024, 1, 31),
    )

    create_work(setup.mission_id)
    after, reads = plan_of(setup.mission_id)
    assert reads == 4
    assert [item.work for item in after] == [item.work for item in before]
    assert {item.status for item in after} == {PlanStatus.created}
    with session_for() as session:
        keys = set(session.exec(select(WorkItem.key)))
    assert {item.work.key for item in after} == keys


def small_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blob_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_file_letter_files_one_document(setup: Setup) -> None:
    drafted_mission(setup)
    settings = get_settings()
    pdf = small_pdf()
    scratch = settings.scratch_dir / "m" / "v1.pdf"
    scratch.parent.mkdir(parents=True)
    scratch.write_bytes(pdf)
    request = FileLetterInput(
        mission_id=setup.mission_id, version=1, folder_id=setup.folder_id, pdf_name="m/v1.pdf"
    )

    filing = FilingActivities(blob_store())
    document_id = filing.file_letter(request)
    assert filing.file_letter(request) == document_id

    sha256 = hashlib.sha256(pdf).hexdigest()
    with session_for() as session:
        documents = session.exec(select(Document)).all()
        assert [document.id for document in documents] == [document_id]
        (document,) = documents
        assert document.key == f"letter:{setup.mission_id}:v1"
        assert (document.firm_id, document.client_id) == (setup.firm_id, setup.client_id)
        assert (document.folder_id, document.mission_id) == (setup.folder_id, setup.mission_id)
        assert document.kind == DocumentKind.letter
        assert document.version == 1
        assert document.name == "Lettre de mission - Mission comptable 2024 - v1.pdf"
        assert (document.sha256, document.size) == (sha256, len(pdf))
        assert document.content_type == "application/pdf"
    blobs = blob_files(settings.ged_dir)
    assert blobs == [settings.ged_dir / sha256[:2] / sha256]
    assert blobs[0].read_bytes() == pdf


def normalise(text: str) -> str:
    """PDF text as comparable words: whitespace runs (line wraps, no-break spaces) become one
    space and the ligatures LibreOffice's fonts draw come back as letters."""
    ligatures = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl"})
    return re.sub(r"\s+", " ", text.translate(ligatures)).strip()


@pytest.fixture
def documents(setup: Setup) -> Iterator[DocumentActivities]:
    """The documents queue's activities as the worker builds them, on a warm pool."""
    settings = get_settings()
    with new_converter_pool(settings) as pool:
        yield DocumentActivities(pool, blob_store(), settings)


def test_render_and_convert_make_the_letter(setup: Setup, documents: DocumentActivities) -> None:
    drafted_mission(setup)
    # By hand: 1 234,50 € x 12 + 0,10 € x 1 = 14 814,10 € excl. VAT; VAT at 20 % is
    # 2 962,82 €; so 17 776,92 € incl. VAT.
    request = RenderInput(
        mission_id=setup.mission_id,
        version=1,
        template_id="default",
        firm_representative_id=setup.staff_id,
        client_representative_id=setup.representative_id,
        scratch_name=f"{setup.mission_id}/v1.docx",
        letter_date="2024-01-15",
    )

    docx_name = documents.render_letter(request)
    assert docx_name == f"{setup.mission_id}/v1.docx"
    pdf_name = documents.convert_to_pdf(ConvertInput(docx_name=docx_name))
    assert pdf_name == f"{setup.mission_id}/v1.pdf"

    pdf = (get_settings().scratch_dir / pdf_name).read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = normalise(pdf_text(pdf))
    assert CLIENT_NAME in text
    assert "17 776,92 €" in text
    assert "14 814,10 €" in text
    assert "2 962,82 €" in text
