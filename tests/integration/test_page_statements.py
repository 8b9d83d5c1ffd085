"""What the staff's mission page and the client's requests page say, read as HTML (no
browser): each sentence true of the mission or request as it stands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from domain.db import session_scope
from domain.enums import DocumentKind, Frequency, MissionStatus, WorkKind, WorkStatus
from domain.folders import create_client_folders
from domain.models import (
    Client,
    Document,
    Firm,
    Mission,
    MissionLine,
    PortalUser,
    Service,
    ServiceWork,
    Staff,
    WorkItem,
    new_id,
)
from domain.queries import firm_clock
from tests.integration.database import database  # noqa: F401
from tests.integration.rows import add_firm
from web.sessions import COOKIE, open_session

pytestmark = pytest.mark.usefixtures("database")

MOVE_HINT = "déplacez la lettre dans un dossier partagé"


@dataclass
class Office:
    firm_id: str
    client_id: str
    service_id: str
    private: str
    shared: str
    staff_cookie: str
    client_cookie: str


def office(**firm: Any) -> Office:
    with session_scope() as session:
        row = add_firm(session, **firm)
        staff = Staff(
            firm_id=row.id,
            email="claire@cabinet.example",
            first_name="Claire",
            last_name="Martin",
            legal_representative=True,
        )
        client = Client(firm_id=row.id, name="Boulangerie Dupont")
        session.add_all([staff, client])
        session.flush()
        service = Service(
            firm_id=row.id,
            code="TENUE",
            name="Tenue de la comptabilité",
            price=Decimal("100"),
            frequency=Frequency.monthly,
        )
        person = PortalUser(firm_id=row.id, client_id=client.id, email="jean@dupont.example")
        session.add_all([service, person])
        session.flush()
        session.add(
            ServiceWork(
                service_id=service.id,
                position=0,
                kind=WorkKind.information_request,
                title="Relevés bancaires",
                due=10,
            )
        )
        folders = create_client_folders(session, row.id, client.id)
        session.flush()
        return Office(
            firm_id=row.id,
            client_id=client.id,
            service_id=service.id,
            private=next(f.id for f in folders if not f.shared_with_client),
            shared=next(f.id for f in folders if f.shared_with_client),
            staff_cookie=open_session(session, firm_id=row.id, hours=1, staff_id=staff.id),
            client_cookie=open_session(session, firm_id=row.id, hours=1, portal_user_id=person.id),
        )


def add_mission(
    session: Session, place: Office, status: MissionStatus, start: date, end: date
) -> Mission:
    mission = Mission(
        id=new_id("mis"),
        firm_id=place.firm_id,
        client_id=place.client_id,
        name="Tenue 2027",
        period_start=start,
        period_end=end,
        frequency=Frequency.monthly,
        status=status,
    )
    session.add(mission)
    session.flush()
    session.add(
        MissionLine(
            id=new_id("line"),
            mission_id=mission.id,
            position=0,
            service_id=place.service_id,
            code="TENUE",
            name="Tenue de la comptabilité",
            price=Decimal("100"),
            frequency=Frequency.monthly,
        )
    )
    session.flush()
    return mission


def add_letter(session: Session, place: Office, mission: Mission, version: int, folder: str) -> str:
    document = Document(
        key=f"letter:{mission.id}:v{version}",
        firm_id=place.firm_id,
        client_id=place.client_id,
        folder_id=folder,
        mission_id=mission.id,
        kind=DocumentKind.letter,
        version=version,
        name=f"Lettre de mission - v{version}.pdf",
        sha256="0" * 64,
        size=1000,
        content_type="application/pdf",
    )
    session.add(document)
    session.flush()
    return document.id


def browser(cookie: str) -> TestClient:
    # No lifespan: reading a page needs neither Temporal nor the signature provider.
    return TestClient(create_app(), cookies={COOKIE: cookie})


def test_the_move_hint_shows_only_while_the_latest_letter_is_private() -> None:
    place = office()
    with session_scope() as session:
        mission = add_mission(
            session, place, MissionStatus.letter_generated, date(2027, 1, 1), date(2027, 12, 31)
        )
        first = add_letter(session, place, mission, 1, place.private)
        mission_id = mission.id
    staff = browser(place.staff_cookie)

    def hint_shown() -> bool:
        answer = staff.get(f"/app/missions/{mission_id}")
        assert answer.status_code == 200, answer.text[:500]
        return MOVE_HINT in answer.text

    assert hint_shown()
    with session_scope() as session:
        letter = session.get(Document, first)
        assert letter is not None
        letter.folder_id = place.shared
    assert not hint_shown()
    # A new version filed in the private folder: the hint is back for it.
    with session_scope() as session:
        add_letter(session, place, session.get(Mission, mission_id) or mission, 2, place.private)
    assert hint_shown()


def test_an_active_mission_before_its_period_says_when_its_work_opens() -> None:
    place = office(work_lead_days=5)
    today = datetime.now(UTC).date()
    later = today + timedelta(days=62)
    start = date(later.year, later.month, 1)  # a period that begins in a month or two
    with session_scope() as session:
        coming = add_mission(
            session, place, MissionStatus.active, start, start + timedelta(days=364)
        ).id
        begun = add_mission(
            session,
            place,
            MissionStatus.active,
            today - timedelta(days=40),
            today + timedelta(days=300),
        ).id
    staff = browser(place.staff_cookie)
    # Five days ahead of the period, as the firm opens its work.
    opens = (start - timedelta(days=5)).strftime("%d/%m/%Y")

    page = staff.get(f"/app/missions/{coming}")
    assert page.status_code == 200, page.text[:500]
    assert f"Le travail de la période s'ouvre le {opens}." in page.text
    live = staff.get(f"/app/missions/{coming}/live")
    assert f"Le travail de la période s'ouvre le {opens}." in live.text
    # A period under way: its work has opened, nothing to announce.
    assert "s'ouvre le" not in staff.get(f"/app/missions/{begun}").text


def test_after_cancelling_the_banner_agrees_with_the_status() -> None:
    place = office()
    with session_scope() as session:
        cancelled = add_mission(
            session, place, MissionStatus.cancelled, date(2027, 1, 1), date(2027, 12, 31)
        ).id
        moving = add_mission(
            session, place, MissionStatus.draft, date(2027, 1, 1), date(2027, 12, 31)
        ).id
    staff = browser(place.staff_cookie)

    done = staff.get(f"/app/missions/{cancelled}?ok=cancel").text
    assert "La mission est annulée." in done
    assert "dans un instant" not in done
    # Not cancelled yet (the workflow has not answered): the banner says it is coming.
    asked = staff.get(f"/app/missions/{moving}?ok=cancel").text
    assert "la mission sera annulée dans un instant" in asked


def test_an_open_request_past_its_due_date_is_late_for_the_client() -> None:
    # Far east of UTC: the firm's today is not the server's (UTC) one for half of the day.
    place = office(time_zone="Pacific/Kiritimati")
    with session_scope() as session:
        mission = add_mission(
            session, place, MissionStatus.active, date(2026, 1, 1), date(2026, 12, 31)
        )
        firm = session.get(Firm, place.firm_id)
        assert firm is not None
        today = firm_clock(firm).today(datetime.now(UTC))
        for title, due, status in (
            ("Relevés de mars", today - timedelta(days=1), WorkStatus.open),
            ("Relevés d'avril", today, WorkStatus.open),
            ("Relevés de février", today - timedelta(days=30), WorkStatus.answered),
        ):
            session.add(
                WorkItem(
                    key=f"{mission.id}:{title}",
                    firm_id=place.firm_id,
                    client_id=place.client_id,
                    mission_id=mission.id,
                    kind=WorkKind.information_request,
                    title=title,
                    due_date=due,
                    status=status,
                )
            )
    page = browser(place.client_cookie).get("/client/information-requests")
    assert page.status_code == 200, page.text[:500]
    # Each row's title and state, as text (the state is words, not a colour alone).
    states = dict(
        (title, re.sub(r"<[^>]+>", "", state))
        for title, state in re.findall(
            r"<td>([^<]+)</td>\s*<td>[^<]*</td>\s*<td>(.*?)</td>", page.text
        )
    )
    assert states == {
        "Relevés de mars": "En retard",
        "Relevés d&#39;avril": "En attente",
        "Relevés de février": "Répondue",
    }
