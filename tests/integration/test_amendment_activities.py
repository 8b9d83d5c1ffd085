"""An amendment's activities on SQLite and PostgreSQL: saved and signed once however often
retried; signed, its lines are in force from its effective date, for the work opened, the
plan and the fees the mission shows, while the work already created stays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from activities.amendments import record_amendment, save_amendment
from activities.work import open_work
from api.missions_view import mission_out
from api.services.plan import mission_plan
from contracts.messages import (
    AmendmentDraft,
    AmendmentStatusInput,
    LineInput,
    SaveAmendmentInput,
)
from domain.enums import Frequency, WorkKind
from domain.models import Amendment, Mission, MissionEvent, MissionLine, Service, ServiceWork
from domain.queries import lines_in_force, mission_lines
from tests.integration.database import database  # noqa: F401
from tests.integration.test_mission_activities import Setup, build, session_for
from tests.integration.test_period_activities import active, opening, work_of

pytestmark = pytest.mark.usefixtures("database")

# 1 August 2024 begins at 22:00 UTC the day before in Paris (summer time).
AUGUST_IN_PARIS = datetime(2024, 7, 31, 22, tzinfo=UTC)
AT = "2024-03-15T10:00:00+00:00"


@pytest.fixture(name="setup")
def setup_fixture(request: pytest.FixtureRequest) -> Setup:
    request.getfixturevalue("database")
    with session_for() as session:
        return build(session)


def payroll_service(setup: Setup) -> str:
    """A second service of the firm: one task a month."""
    with session_for() as session:
        service = Service(
            firm_id=setup.firm_id,
            code="PAIE",
            name="Bulletins de paie",
            price=Decimal("45.00"),
            frequency=Frequency.monthly,
        )
        session.add(service)
        session.flush()
        session.add(
            ServiceWork(service_id=service.id, position=0, kind=WorkKind.task, title="Paie")
        )
        session.commit()
        return service.id


def amendment_draft(setup: Setup, payroll_id: str) -> AmendmentDraft:
    """From 1 July 2024: bookkeeping at 1 000,00 € instead of 1 234,50 €, and payroll."""
    return AmendmentDraft(
        amendment_id="amd-1",
        effective_date="2024-07-01",
        reason="embauche",
        lines=[
            LineInput(
                "line-1", setup.service_id, "TENUE", "Tenue comptable", "", "1000.00", "monthly"
            ),
            LineInput("line-paie", payroll_id, "PAIE", "Bulletins de paie", "", "45.00", "monthly"),
        ],
        by="Claire Martin",
    )


def signed(setup: Setup, seq: int) -> AmendmentStatusInput:
    return AmendmentStatusInput(
        mission_id=setup.mission_id,
        amendment_id="amd-1",
        seq=seq,
        status="signed",
        by="signers",
        reason="signé",
        at="2024-03-20T10:00:00+00:00",
        signature_id="",
    )


def test_a_signed_amendment_changes_the_lines_from_its_date_once(setup: Setup) -> None:
    active(setup)
    payroll_id = payroll_service(setup)
    open_work(opening(setup, datetime(2024, 3, 15, tzinfo=UTC)))
    assert len(work_of(setup)) == 6  # January to March, a task and a request each

    draft = SaveAmendmentInput(setup.mission_id, 3, amendment_draft(setup, payroll_id), AT)
    assert save_amendment(draft) == save_amendment(draft) == 1
    assert record_amendment(signed(setup, 4)) is None
    record_amendment(signed(setup, 4))  # a retry

    with session_for() as session:
        (amendment,) = session.exec(select(Amendment)).all()
        assert (amendment.number, amendment.status) == (1, "signed")
        assert [change["kind"] for change in amendment.changes] == ["changed", "added"]
        # The payroll line is the mission's, after its letter's lines, which stay as signed.
        assert [line.id for line in mission_lines(session, setup.mission_id)] == ["line-1"]
        added = session.get(MissionLine, "line-paie")
        assert added is not None and added.position >= 1000
        june = lines_in_force(session, setup.mission_id, date(2024, 6, 30))
        july = lines_in_force(session, setup.mission_id, date(2024, 7, 1))
        assert [(line.id, line.price) for line in june] == [("line-1", Decimal("1234.50"))]
        assert [(line.id, line.price) for line in july] == [
            ("line-1", Decimal("1000.00")),
            ("line-paie", Decimal("45.00")),
        ]
        timeline = session.exec(
            select(MissionEvent)
            .where(MissionEvent.mission_id == setup.mission_id, MissionEvent.kind == "amendment")
            .order_by(col(MissionEvent.seq))
        ).all()
        assert [event.seq for event in timeline] == [3, 4]
        assert all(event.status == "active" for event in timeline)

    open_work(opening(setup, AUGUST_IN_PARIS))
    open_work(opening(setup, AUGUST_IN_PARIS))
    items = work_of(setup)
    payroll = sorted(item.due_date.month for item in items if item.line_id == "line-paie")
    bookkeeping = [item for item in items if item.line_id == "line-1"]
    # Payroll from July only; bookkeeping every month, once, the same line going on.
    assert payroll == [7, 8]
    assert len(bookkeeping) == 16 and len({item.key for item in bookkeeping}) == 16

    with session_for() as session:
        mission = session.get(Mission, setup.mission_id)
        assert mission is not None
        plan = mission_plan(session, mission)
        planned_payroll = [item.work for item in plan if item.work.line_id == "line-paie"]
        assert [work.period_start.month for work in planned_payroll] == list(range(7, 13))
        assert sum(1 for item in plan if item.work.line_id == "line-1") == 24
        shown = mission_out(session, mission)
    # Today is after 1 July 2024: the mission shows the amendment's lines and fees.
    assert [(line.id, line.price) for line in shown.lines] == [
        ("line-1", Decimal("1000.00")),
        ("line-paie", Decimal("45.00")),
    ]
    assert shown.totals.excl_vat == Decimal("12540.00")
    assert [(a.number, a.status) for a in shown.amendments] == [(1, "signed")]
    assert [entry.kind for entry in shown.timeline][-2:] == ["amendment", "amendment"]
