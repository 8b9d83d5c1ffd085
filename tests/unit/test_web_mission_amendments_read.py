"""The staff pages read a mission's amendments from the database: the mission page's
"Avenants" panel with each amendment's documents, and the home page's letters awaiting
signature, an amendment's included (in the same query as the missions')."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.services.home import awaiting_signature
from api.services.mission_page import mission_page
from domain.amendments import amendment_letter_key
from domain.enums import DocumentKind, MissionStatus
from domain.models import Amendment, Mission, SignatureRequest, new_id
from tests.integration.database import database  # noqa: F401 - the fixture
from tests.integration.test_mission_activities import (
    Setup,
    session_for,
    setup,  # noqa: F401 - the fixture
)
from tests.unit.test_web_amendments import Visitor, pdf_document
from web.staff.labels import LABELS
from web.templating import environment

pytestmark = pytest.mark.usefixtures("database")

SENT = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _document(given: Setup, mission_id: str, key: str, kind: DocumentKind, name: str) -> str:
    document = pdf_document(
        key,
        kind,
        name,
        firm_id=given.firm_id,
        client_id=given.client_id,
        folder_id=given.folder_id,
        mission_id=mission_id,
    )
    with session_for() as session:
        session.add(document)
        session.commit()
        return document.id


def _active_mission_with_amendments(given: Setup) -> dict[str, str]:
    """An active mission with amendment 1 out for signature (its letter filed) and
    amendment 2 a draft; the mission's own letter filed too."""
    ids: dict[str, str] = {}
    with session_for() as session:
        mission = Mission(
            id=new_id("mis"),
            firm_id=given.firm_id,
            client_id=given.client_id,
            name="Tenue 2026",
            status=MissionStatus.active,
        )
        session.add(mission)
        session.flush()
        signature = SignatureRequest(
            mission_id=mission.id,
            letter_version=1001,
            provider="yousign",
            provider_request_id=new_id("yr"),
            status="ongoing",
            signers=[
                {
                    "role": "client",
                    "first_name": "Léa",
                    "last_name": "Roux",
                    "status": "signed",
                    "reminders": 1,
                    "reminded_at": None,
                },
                {
                    "role": "firm",
                    "first_name": "Anne",
                    "last_name": "Martin",
                    "status": "pending",
                    "reminded_at": None,
                },
            ],
            created_at=SENT,
        )
        session.add(signature)
        session.flush()
        for number, status, signature_id in (
            (1, "awaiting_signature", signature.id),
            (2, "draft", None),
        ):
            amendment = Amendment(
                id=new_id("amd"),
                mission_id=mission.id,
                number=number,
                status=status,
                effective_date=date(2026, 12, number),
                signature_id=signature_id,
            )
            session.add(amendment)
            ids[f"amendment_{number}"] = amendment.id
        ids["mission"] = mission.id
        session.commit()
    ids["own_letter"] = _document(
        given, ids["mission"], new_id("letter"), DocumentKind.letter, "Lettre de mission.pdf"
    )
    ids["amendment_letter"] = _document(
        given,
        ids["mission"],
        amendment_letter_key(ids["amendment_1"], 1),
        DocumentKind.letter,
        "Avenant n° 1 - Tenue 2026 - v1.pdf",
    )
    return ids


def test_the_mission_page_lists_the_amendments_with_their_letters(setup: Setup) -> None:  # noqa: F811
    ids = _active_mission_with_amendments(setup)
    with session_for() as session:
        found = mission_page(session, setup.firm_id, ids["mission"])
    assert [
        (row.amendment.number, row.amendment.status, row.amendment.effective_date)
        for row in found.amendments
    ] == [(1, "awaiting_signature", date(2026, 12, 1)), (2, "draft", date(2026, 12, 2))]
    assert [document.id for document in found.amendments[0].documents] == [ids["amendment_letter"]]
    assert found.amendments[1].documents == []
    numbers = {row.document.id: row.amendment_number for row in found.letters}
    assert numbers == {ids["own_letter"]: None, ids["amendment_letter"]: 1}


def test_home_lists_an_amendment_awaiting_signature(setup: Setup) -> None:  # noqa: F811
    ids = _active_mission_with_amendments(setup)
    with session_for() as session:
        found = awaiting_signature(session, setup.firm_id)
    assert [
        (item.mission_id, item.amendment_number, item.signed, item.signers, item.reminders)
        for item in found
    ] == [(ids["mission"], 1, 1, 2, 1)]


def test_the_whole_mission_page_renders_the_amendments(setup: Setup) -> None:  # noqa: F811
    ids = _active_mission_with_amendments(setup)
    with session_for() as session:
        found = mission_page(session, setup.firm_id, ids["mission"])
    html = environment.get_template("staff/mission.html").render(
        view=found, m=found.mission, people={}, live=False, done=None, can_send=False,
        work_opens_on=found.work_opens_on,
        can_cancel=False, visitor=Visitor(), csrf_token="t", static="/static",
        path=f"/app/missions/{ids['mission']}", **LABELS,
    )  # fmt: skip
    assert 'aria-labelledby="avenants"' in html
    assert "En attente de signature · prend effet le 01/12/2026" in html
    assert f'href="/app/documents/{ids["amendment_letter"]}"' in html
    assert "Avenant n° 1 · Lettre de mission" in html
