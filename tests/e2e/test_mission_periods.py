"""After the signature, over HTTP on the running stack: the mission's current period and next
renewal, a consumer client, and a termination recorded (bad input refused, changing nothing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.period import add_months
from tests.e2e.missions import open_year, signed_mission
from tests.e2e.stack import Api, Stack, wait_for

pytestmark = pytest.mark.e2e


def paris_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()


@pytest.fixture(scope="module")
def consumer(staff: Api) -> dict[str, Any]:
    client: dict[str, Any] = staff.post(
        "/v1/clients",
        {
            "name": "Camille Particulier",
            "consumer": True,
            "representatives": [
                {"first_name": "Camille", "last_name": "Particulier", "email": "c@p.example"}
            ],
        },
        expect=201,
    )
    return client


@pytest.fixture(scope="module")
def active_mission(stack: Stack, staff: Api, consumer: dict[str, Any]) -> str:
    mission_id = signed_mission(
        stack,
        staff,
        consumer,
        stack.demo["service_ids"]["TENUE"],
        stack.demo["staff_id"],
        "Mission d'un particulier",
    )
    wait_for(
        lambda: staff.get(f"/v1/missions/{mission_id}")["status"] == "active",
        "the mission to become active",
    )
    return mission_id


def test_a_client_says_whether_it_is_a_consumer(staff: Api, consumer: dict[str, Any]) -> None:
    assert staff.get(f"/v1/clients/{consumer['id']}")["consumer"] is True
    staff.patch(f"/v1/clients/{consumer['id']}", {"consumer": None}, expect=422)
    assert staff.get(f"/v1/clients/{consumer['id']}")["consumer"] is True


def test_an_active_mission_shows_its_period_and_next_renewal(
    staff: Api, active_mission: str
) -> None:
    start, end = open_year()
    mission = staff.get(f"/v1/missions/{active_mission}")
    assert (mission["renewal"], mission["notice_months"]) == ("tacit", 3)
    assert mission["current_period"] == {"start": start.isoformat(), "end": end.isoformat()}
    assert mission["next_renewal_on"] == (end + timedelta(days=1)).isoformat()
    assert mission["termination"] is None
    # Every month of the period has opened: its whole plan is created.
    plan = staff.get(f"/v1/missions/{active_mission}/plan")
    assert len(plan) == 24 and {item["status"] for item in plan} == {"created"}


def test_bad_terminations_are_refused_and_change_nothing(
    stack: Stack, staff: Api, consumer: dict[str, Any], active_mission: str
) -> None:
    path = f"/v1/missions/{active_mission}/termination"
    tomorrow = (paris_today() + timedelta(days=1)).isoformat()
    yesterday = (paris_today() - timedelta(days=1)).isoformat()
    for body in (
        {"by": "nobody", "reason": "x"},
        {"by": "firm", "notice_given_on": tomorrow},
        {"by": "firm", "agreed_end": yesterday},
        {"by": "client", "notice_given_on": "2001-01-01"},
        {"by": "client", "agreed_end": "not a date"},
        {"by": "client", "unknown": 1},
    ):
        answer = staff.post(path, body, expect=422)
        assert answer["error"]["code"] in ("invalid_request", "validation_error"), answer
    draft = staff.post(
        "/v1/missions",
        {
            "client_id": consumer["id"],
            "name": "Brouillon",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": stack.demo["service_ids"]["TENUE"]}],
        },
        expect=201,
    )
    staff.post(f"/v1/missions/{draft['id']}/termination", {"by": "firm"}, expect=409)
    staff.post("/v1/missions/mis_missing/termination", {"by": "firm"}, expect=404)
    mission = staff.get(f"/v1/missions/{active_mission}")
    assert mission["termination"] is None
    assert [entry["kind"] for entry in mission["timeline"]].count("termination") == 0


def test_a_late_notice_ends_the_mission_a_period_later(staff: Api, active_mission: str) -> None:
    start, end = open_year()
    # The period ends with this month: notice was due three months before.
    answer = staff.post(
        f"/v1/missions/{active_mission}/termination",
        {"by": "client", "reason": "déménagement"},
        expect=202,
    )
    next_end = add_months(start, 24) - timedelta(days=1)
    assert answer == {"effective_on": next_end.isoformat()}
    mission = staff.get(f"/v1/missions/{active_mission}")
    assert mission["status"] == "active"
    assert mission["next_renewal_on"] is None
    assert mission["termination"] == {
        "by": "client",
        "reason": "déménagement",
        "notice_given_on": paris_today().isoformat(),
        "agreed_end": None,
        "effective_on": next_end.isoformat(),
    }
    [entry] = [entry for entry in mission["timeline"] if entry["kind"] == "termination"]
    assert entry["status"] == "active" and next_end.isoformat() in entry["reason"]
    # One termination per mission.
    staff.post(f"/v1/missions/{active_mission}/termination", {"by": "firm"}, expect=409)
    assert end < next_end
