"""The mission's plan over HTTP: the whole period `planned` before the signature, `created`
once the signed mission's work exists, item for item what `GET /v1/tasks` lists."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from tests.e2e.missions import signed_mission
from tests.e2e.stack import Api, Stack, wait_for

pytestmark = pytest.mark.e2e

PLAN_KEYS = {
    "line_id",
    "service_id",
    "kind",
    "title",
    "period_start",
    "period_end",
    "due_date",
    "status",
}


@pytest.fixture(scope="module")
def plan_client(staff: Api) -> dict[str, Any]:
    client: dict[str, Any] = staff.post(
        "/v1/clients",
        {
            "name": "Client du plan",
            "representatives": [
                {"first_name": "Paul", "last_name": "Plan", "email": "paul@plan.example"}
            ],
        },
        expect=201,
    )
    return client


def test_a_draft_missions_plan_is_its_whole_year_planned(
    stack: Stack, staff: Api, plan_client: dict[str, Any]
) -> None:
    services = stack.demo["service_ids"]
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": plan_client["id"],
            "name": "Mission planifiée",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "monthly",
            "lines": [
                {"service_id": services["TENUE"]},
                {"service_id": services["TVA"]},
                {"service_id": services["BILAN"]},
            ],
        },
        expect=201,
    )
    plan = staff.get(f"/v1/missions/{mission['id']}/plan")

    assert all(set(item) == PLAN_KEYS for item in plan)
    assert {item["status"] for item in plan} == {"planned"}
    # 12 months × 2 of bookkeeping, 4 VAT quarters, the year-end's 2.
    lines = {line["service_id"]: line["id"] for line in mission["lines"]}
    assert Counter(item["line_id"] for item in plan) == {
        lines[services["TENUE"]]: 24,
        lines[services["TVA"]]: 4,
        lines[services["BILAN"]]: 2,
    }
    assert all(lines[item["service_id"]] == item["line_id"] for item in plan)
    vat = [item for item in plan if item["service_id"] == services["TVA"]]
    assert [(item["period_start"], item["period_end"], item["due_date"]) for item in vat] == [
        ("2027-01-01", "2027-03-31", "2027-04-19"),
        ("2027-04-01", "2027-06-30", "2027-07-19"),
        ("2027-07-01", "2027-09-30", "2027-10-19"),
        ("2027-10-01", "2027-12-31", "2028-01-19"),
    ]
    assert [item["due_date"] for item in plan] == sorted(item["due_date"] for item in plan)
    assert staff.get("/v1/tasks", params={"mission_id": mission["id"]}) == []


def test_once_signed_every_planned_item_is_created(
    stack: Stack, staff: Api, plan_client: dict[str, Any]
) -> None:
    mission_id = signed_mission(
        stack,
        staff,
        plan_client,
        stack.demo["service_ids"]["TENUE"],
        stack.demo["staff_id"],
        "Mission signée planifiée",
    )
    wait_for(
        lambda: staff.get(f"/v1/missions/{mission_id}")["status"] == "active",
        "the mission to become active",
    )
    plan = staff.get(f"/v1/missions/{mission_id}/plan")
    tasks = staff.get("/v1/tasks", params={"mission_id": mission_id})

    assert len(plan) == 24
    assert {item["status"] for item in plan} == {"created"}
    assert Counter(item["kind"] for item in plan) == Counter(task["kind"] for task in tasks)
    assert sorted((item["title"], item["due_date"]) for item in plan) == sorted(
        (task["title"], task["due_date"]) for task in tasks
    )


def other_firms_mission(stack: Stack) -> str:
    """A draft mission of a firm of its own, made with that firm's admin token."""
    operator = Api(stack.api, stack.secret("operator_token"))
    firm = operator.post(
        "/v1/firms",
        {
            "name": "Cabinet Autre",
            "legal_form": "SAS",
            "siren": "912345678",
            "address": "5 rue Sainte-Catherine, 33000 Bordeaux",
            "vat_number": "FR00912345678",
            "ordre_council": "Conseil régional de Bordeaux",
        },
        expect=201,
    )
    admin = Api(stack.api, firm["admin_token"])
    service = admin.post(
        "/v1/services",
        {
            "code": "AUTRE",
            "name": "Tenue autre",
            "price": "100.00",
            "frequency": "monthly",
            "work": [{"kind": "task", "title": "Saisir"}],
        },
        expect=201,
    )
    client = admin.post("/v1/clients", {"name": "Client de l'autre cabinet"}, expect=201)
    mission = admin.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": "Mission de l'autre cabinet",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": service["id"]}],
        },
        expect=201,
    )
    assert len(admin.get(f"/v1/missions/{mission['id']}/plan")) == 12
    return str(mission["id"])


def test_another_firms_plan_answers_as_a_missing_one(stack: Stack, staff: Api) -> None:
    foreign = other_firms_mission(stack)
    missing = "mis_0000000000000000"

    answer = staff.get(f"/v1/missions/{foreign}/plan", expect=404)
    reference = staff.get(f"/v1/missions/{missing}/plan", expect=404)

    assert answer["error"]["code"] == "not_found"
    assert json.dumps(answer).replace(foreign, missing) == json.dumps(reference)
