"""The staff's home page reads what waits for the firm, in a few queries, its own firm only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from api.services.home import Home, home
from domain.enums import Frequency, MissionStatus, ServiceRequestStatus, WorkKind, WorkStatus
from domain.models import (
    Client,
    Mission,
    MissionLine,
    Service,
    ServiceRequest,
    SignatureRequest,
    WorkItem,
    new_id,
)
from tests.integration.database import counting_statements, database  # noqa: F401 - the fixture
from tests.integration.rows import add_firm
from tests.integration.test_mission_activities import (
    CLIENT_NAME,
    Setup,
    session_for,
    setup,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.usefixtures("database")

TODAY = date(2025, 3, 10)


def mission(
    session: Session, firm_id: str, client_id: str, name: str, status: MissionStatus
) -> str:
    row = Mission(id=new_id("mis"), firm_id=firm_id, client_id=client_id, name=name, status=status)
    session.add(row)
    session.flush()
    return row.id


def work(
    session: Session,
    given: Setup,
    mission_id: str,
    title: str,
    due: date,
    kind: WorkKind = WorkKind.task,
    status: WorkStatus = WorkStatus.open,
) -> None:
    session.add(
        WorkItem(
            key=new_id("key"),
            firm_id=given.firm_id,
            client_id=given.client_id,
            mission_id=mission_id,
            kind=kind,
            title=title,
            due_date=due,
            status=status,
        )
    )


def signers(reminders: int, signed: bool) -> list[dict[str, object]]:
    return [
        {"role": "client", "email": "jean@dupont.example", "status": "pending",
         "reminders": reminders},
        {"role": "firm", "email": "claire@martin.example",
         "status": "signed" if signed else "pending"},
    ]  # fmt: skip


def fill(setup: Setup) -> dict[str, str]:  # noqa: F811
    """Two open requests and a converted one; missions in four statuses; two letters out for
    signature (one sent twice); work due around TODAY. And another firm with the same."""
    ids: dict[str, str] = {}
    with session_for() as session:
        for name, status in (("Compta 2025", MissionStatus.active),
                             ("Paie", MissionStatus.active),
                             ("Juridique", MissionStatus.draft),
                             ("Social", MissionStatus.requested)):  # fmt: skip
            ids[name] = mission(session, setup.firm_id, setup.client_id, name, status)
        ids["waiting"] = mission(
            session, setup.firm_id, setup.client_id, "Fiscal", MissionStatus.awaiting_signature
        )
        ids["waiting_2"] = mission(
            session, setup.firm_id, setup.client_id, "Conseil", MissionStatus.awaiting_signature
        )
        sent = datetime(2025, 3, 1, 9, tzinfo=UTC)
        for mission_id, version, at, reminders in (
            (ids["waiting"], 1, sent - timedelta(days=20), 0),
            (ids["waiting"], 2, sent, 2),
            (ids["waiting_2"], 1, sent + timedelta(days=3), 0),
        ):
            session.add(
                SignatureRequest(
                    mission_id=mission_id,
                    letter_version=version,
                    provider="yousign",
                    provider_request_id=new_id("yr"),
                    status="ongoing",
                    signers=signers(reminders, signed=version == 2),
                    created_at=at,
                )
            )
        other_service = Service(
            firm_id=setup.firm_id, code="PAIE", name="Paie <mensuelle>",
            price=Decimal("50"), frequency=Frequency.monthly,
        )  # fmt: skip
        session.add(other_service)
        session.flush()
        for created, services, request_status in (
            (sent, [setup.service_id, other_service.id], ServiceRequestStatus.open),
            (sent - timedelta(days=1), [other_service.id], ServiceRequestStatus.open),
            (sent, [setup.service_id], ServiceRequestStatus.converted),
        ):
            session.add(
                ServiceRequest(
                    firm_id=setup.firm_id, client_id=setup.client_id, service_ids=services,
                    message="Bonjour & merci", status=request_status, mission_id=new_id("mis"),
                    created_at=created,
                )
            )  # fmt: skip
        active = ids["Compta 2025"]
        work(session, setup, active, "En retard", TODAY - timedelta(days=2))
        work(session, setup, active, "Aujourd'hui", TODAY, kind=WorkKind.information_request)
        work(session, setup, active, "Dans 7 jours", TODAY + timedelta(days=7))
        work(session, setup, active, "Dans 8 jours", TODAY + timedelta(days=8))
        work(session, setup, active, "Faite", TODAY, status=WorkStatus.done)
        work(session, setup, active, "Répondue", TODAY, status=WorkStatus.answered,
             kind=WorkKind.information_request)  # fmt: skip

        # Another firm with a client, a request, a mission out for signature and work due.
        other = add_firm(session, name="Autre cabinet")
        stranger = Client(firm_id=other.id, name="Client d'un autre cabinet")
        session.add(stranger)
        session.flush()
        theirs = mission(
            session, other.id, stranger.id, "Leur mission", MissionStatus.awaiting_signature
        )
        session.add(
            SignatureRequest(
                mission_id=theirs, letter_version=1, provider="yousign",
                provider_request_id=new_id("yr"), status="ongoing", signers=signers(0, False),
            )
        )  # fmt: skip
        session.add(
            ServiceRequest(
                firm_id=other.id, client_id=stranger.id, service_ids=[],
                status=ServiceRequestStatus.open, mission_id=new_id("mis"),
            )
        )  # fmt: skip
        session.add(
            WorkItem(
                key=new_id("key"), firm_id=other.id, client_id=stranger.id, mission_id=theirs,
                kind=WorkKind.task, title="Leur tâche", due_date=TODAY,
            )
        )  # fmt: skip
        # A line, so that the mission tables are not trivially empty joins.
        session.add(
            MissionLine(
                id=new_id("line"), mission_id=active, position=0, service_id=setup.service_id,
                code="TENUE", name="Tenue comptable", price=Decimal("10"),
                frequency=Frequency.monthly,
            )
        )  # fmt: skip
        session.commit()
    return ids


def read_home(firm_id: str) -> tuple[Home, int]:
    with session_for() as session, counting_statements() as statements:
        found = home(session, firm_id, TODAY)
    # SELECTs only: SQLite's connection set-up runs statements of its own.
    return found, sum(1 for sql in statements if sql.lstrip().upper().startswith("SELECT"))


def test_the_home_page_shows_what_waits_for_the_firm(setup: Setup) -> None:  # noqa: F811
    ids = fill(setup)
    found, queries = read_home(setup.firm_id)

    # Requests to review: the open ones, oldest first, services by name, the client named.
    assert [(r.client_name, r.services) for r in found.requests] == [
        (CLIENT_NAME, ["Paie <mensuelle>"]),
        (CLIENT_NAME, ["Tenue comptable", "Paie <mensuelle>"]),
    ]
    assert found.requests[0].message == "Bonjour & merci"

    # Missions by status, in the life cycle's order, only those the firm has.
    assert [(s.status.value, s.count) for s in found.statuses] == [
        ("requested", 1),
        ("draft", 1),
        ("awaiting_signature", 2),
        ("active", 2),
    ]

    # Letters awaiting signature: each mission once, its latest letter's request.
    assert [(a.mission_name, a.reminders, a.signed, a.signers) for a in
            found.awaiting_signature] == [("Fiscal", 2, 1, 2), ("Conseil", 0, 0, 2)]  # fmt: skip
    first = found.awaiting_signature[0]
    assert first.mission_id == ids["waiting"]
    assert first.since.replace(tzinfo=UTC) == datetime(2025, 3, 1, 9, tzinfo=UTC)

    # Work due from today to 7 days ahead, open only; the overdue counted apart.
    assert [w.title for w in found.due_work] == ["Aujourd'hui", "Dans 7 jours"]
    assert found.overdue == 1
    assert {w.mission_name for w in found.due_work} == {"Compta 2025"}
    assert found.due_work[0].kind == WorkKind.information_request

    # Requests and their service names, statuses, signatures, work due, overdue: six queries.
    assert queries <= 6


def test_an_empty_firm_has_an_empty_home(setup: Setup) -> None:  # noqa: F811
    found, queries = read_home(setup.firm_id)
    assert found == Home(requests=[], statuses=[], awaiting_signature=[], due_work=[], overdue=0)
    # No request: the service names are not read.
    assert queries == 5
