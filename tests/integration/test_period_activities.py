"""The activities of a mission's life after the signature, as plain functions on SQLite and
PostgreSQL: work opened slice by slice in the firm's time, a renewal, a termination and its
end, the consumer's renewal notice. Each runs twice, as a retry would, and must change
nothing the second time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from activities.letters import DocumentActivities, new_converter_pool
from activities.missions import record_termination, record_transition, renew_mission, save_mission
from activities.notices import NoticeActivities, render_renewal_notice
from activities.work import end_work, open_work
from api.services.plan import mission_plan
from contracts.messages import (
    ConvertInput,
    EndWorkInput,
    NoticeInput,
    OpenWorkInput,
    RenewInput,
    TerminationInput,
    TerminationRequest,
)
from documents.pdf import pdf_text
from domain.enums import DocumentKind, MissionStatus, WorkStatus
from domain.ged import blob_store
from domain.models import Client, Document, Firm, Folder, Mission, MissionEvent, WorkItem
from domain.settings import get_settings
from domain.work import PlanStatus
from tests.integration.database import database  # noqa: F401
from tests.integration.test_mission_activities import (
    Setup,
    build,
    draft_input,
    session_for,
    transition,
)

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture(name="setup")
def setup_fixture(request: pytest.FixtureRequest) -> Setup:
    request.getfixturevalue("database")  # the migrated database, before any row
    with session_for() as session:
        return build(session)


@pytest.fixture(name="documents")
def documents_fixture() -> Iterator[DocumentActivities]:
    """The documents queue's activities as the worker builds them, on a warm pool."""
    settings = get_settings()
    with new_converter_pool(settings) as pool:
        yield DocumentActivities(pool, blob_store(), settings)


# 1 April 2024 begins at 22:00 UTC the day before in Paris (summer time).
APRIL_IN_PARIS = datetime(2024, 3, 31, 22, tzinfo=UTC)


def active(setup: Setup) -> None:
    """The 2024 mission of one monthly line (a task and an information request a month)."""
    save_mission(draft_input(setup, ["line-1"]))
    record_transition(transition(setup, 1, MissionStatus.draft))
    record_transition(transition(setup, 2, MissionStatus.active))


def opening(setup: Setup, as_of: datetime, renewal: int = 0, **period: str) -> OpenWorkInput:
    return OpenWorkInput(
        mission_id=setup.mission_id,
        renewal_number=renewal,
        period_start=period.get("start", "2024-01-01"),
        period_end=period.get("end", "2024-12-31"),
        renewal="tacit",
        notice_months=3,
        as_of=as_of,
        until=period.get("until"),
    )


def work_of(setup: Setup) -> list[WorkItem]:
    with session_for() as session:
        statement = select(WorkItem).where(WorkItem.mission_id == setup.mission_id)
        return list(session.exec(statement.order_by(col(WorkItem.due_date))))


def test_work_opens_at_the_firms_midnight_once(setup: Setup) -> None:
    active(setup)
    just_before = open_work(opening(setup, APRIL_IN_PARIS.replace(minute=0, hour=21)))
    assert (just_before.tasks, just_before.information_requests) == (3, 3)
    assert just_before.next_opening == APRIL_IN_PARIS
    for _ in range(2):
        opened = open_work(opening(setup, APRIL_IN_PARIS))
    assert (opened.tasks, opened.information_requests) == (4, 4)
    assert opened.next_opening == datetime(2024, 4, 30, 22, tzinfo=UTC)
    assert opened.period_ends_at == datetime(2024, 12, 31, 23, tzinfo=UTC)
    # Not a consumer: no notice to send.
    assert opened.notice_from is None
    assert len(work_of(setup)) == 8
    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None
        plan = mission_plan(session, mission)
    assert [item.status for item in plan].count(PlanStatus.created) == 8
    assert len(plan) == 24


def test_the_firms_settings_move_the_openings(setup: Setup) -> None:
    with session_for() as session:
        firm = session.get(Firm, setup.firm_id)
        client = session.get(Client, setup.client_id)
        assert firm is not None and client is not None
        firm.time_zone, firm.openings_at, firm.work_lead_days = "Indian/Reunion", "06:00", 3
        client.consumer = True
        session.commit()
    active(setup)
    opened = open_work(opening(setup, datetime(2024, 1, 1, tzinfo=UTC)))
    # Réunion is UTC+4: January's work opened on 29 December at 06:00, February's will on
    # 29 January at 06:00, and the year ends on 1 January at 06:00 there.
    assert opened.tasks == 1
    assert opened.next_opening == datetime(2024, 1, 29, 2, tzinfo=UTC)
    assert opened.period_ends_at == datetime(2025, 1, 1, 2, tzinfo=UTC)
    # A consumer is told between 30 June and 30 August (notice due by 30 September).
    assert opened.notice_from == datetime(2024, 6, 30, 2, tzinfo=UTC)
    assert opened.notice_until == datetime(2024, 8, 31, 2, tzinfo=UTC)


def test_a_renewal_moves_the_period_on_once(setup: Setup) -> None:
    active(setup)
    open_work(opening(setup, datetime(2024, 12, 31, 23, tzinfo=UTC)))
    renewal = RenewInput(
        setup.mission_id, 3, 1, "2024-01-01", "2024-12-31", "2024-12-31T23:00:00+00:00"
    )
    for _ in range(2):
        renewed = renew_mission(renewal)
    assert (renewed.period_start, renewed.period_end) == ("2025-01-01", "2025-12-31")
    for _ in range(2):
        open_work(opening(setup, datetime(2024, 12, 31, 23, tzinfo=UTC), 1, start="2025-01-01",
                          end="2025-12-31"))  # fmt: skip
    items = work_of(setup)
    assert len(items) == 24 + 2
    assert len({item.key for item in items}) == len(items)
    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None
        assert (mission.period_start, mission.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
        assert (mission.renewals, mission.status) == (1, MissionStatus.active)
        plan = mission_plan(session, mission)
        events = session.exec(
            select(MissionEvent).where(MissionEvent.mission_id == setup.mission_id)
        ).all()
    # The plan is the new period's: January created, the rest planned.
    assert {item.work.period_start.year for item in plan} == {2025}
    assert [item.status for item in plan].count(PlanStatus.created) == 2
    assert [(event.kind, event.status) for event in events][-1] == ("renewed", "active")


def test_a_termination_is_recorded_once_and_ends_the_open_work(setup: Setup) -> None:
    active(setup)
    open_work(opening(setup, datetime(2024, 12, 1, tzinfo=UTC)))
    request = TerminationRequest("client", "cession", "2024-10-15", "Claire", "2024-06-30")
    termination = TerminationInput(
        setup.mission_id,
        3,
        request,
        "2024-01-01",
        "2024-12-31",
        3,
        True,
        "2024-05-01T08:00:00+00:00",
    )
    for _ in range(2):
        recorded = record_termination(termination)
    assert recorded.effective_on == "2024-06-30"
    assert recorded.ends_at == datetime(2024, 6, 30, 22, tzinfo=UTC)
    for _ in range(2):
        end_work(EndWorkInput(setup.mission_id, recorded.effective_on))
    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None and mission.termination is not None
        assert mission.termination["effective_on"] == "2024-06-30"
        kinds = session.exec(
            select(MissionEvent.kind).where(MissionEvent.mission_id == setup.mission_id)
        ).all()
    assert list(kinds).count("termination") == 1
    statuses = [(item.due_date.month, item.status) for item in work_of(setup)]
    assert {status for month, status in statuses if month <= 6} == {WorkStatus.open}
    assert {status for month, status in statuses if month > 6} == {WorkStatus.cancelled}


def test_the_consumers_notice_is_filed_once_in_a_shared_folder(
    setup: Setup, documents: DocumentActivities
) -> None:
    active(setup)
    with session_for() as session:
        shared = Folder(
            firm_id=setup.firm_id,
            client_id=setup.client_id,
            name="Lettres de mission",
            shared_with_client=True,
        )
        session.add(shared)
        session.commit()
        shared_id = shared.id
    notice = NoticeInput(
        mission_id=setup.mission_id,
        renewal_number=0,
        period_start="2024-01-01",
        period_end="2024-12-31",
        notice_months=3,
        scratch_name=f"{setup.mission_id}/renewal-notice-0.docx",
        notice_date="2024-06-30",
    )
    docx_name = render_renewal_notice(notice)
    pdf_name = documents.convert_to_pdf(ConvertInput(docx_name=docx_name))
    filing = NoticeActivities(blob_store())
    notice.scratch_name = pdf_name
    first = filing.file_renewal_notice(notice)
    assert filing.file_renewal_notice(notice) == first
    with session_for() as session:
        [filed] = session.exec(select(Document).where(Document.mission_id == setup.mission_id))
    assert (filed.id, filed.folder_id, filed.kind) == (
        first,
        shared_id,
        DocumentKind.renewal_notice,
    )
    text = " ".join(pdf_text(blob_store().get(filed.sha256)).split())
    assert "31 décembre 2024" in text
    assert "1er janvier 2025 au 31 décembre 2025" in text
    assert "au plus tard le 30 septembre 2024" in text
    assert "L215-1" in text
