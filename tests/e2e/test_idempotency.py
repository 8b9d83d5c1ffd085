"""Idempotency-Key on the create endpoints: a retry returns the first result, never a second."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.e2e.stack import Api, Stack, wait_for


def new_key() -> str:
    return f"retry-{uuid.uuid4()}"


def mission_body(stack: Stack, client_id: str, name: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "name": name,
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "frequency": "monthly",
        "lines": [{"service_id": stack.demo["service_ids"]["TENUE"]}],
    }


def missions_named(staff: Api, client_id: str, name: str) -> list[dict[str, Any]]:
    found = staff.get("/v1/missions", params={"client_id": client_id})
    return [mission for mission in found if mission["name"] == name]


def test_a_retried_service_request_is_one_request_with_one_task(
    stack: Stack, staff: Api, firm_client: dict[str, Any]
) -> None:
    portal: Api = firm_client["portal"]
    body = {"service_ids": [stack.demo["service_ids"]["TVA"]], "message": "Retry after timeout"}
    key = new_key()
    first = portal.http.post(
        "/v1/portal/service-requests", json=body, headers={"Idempotency-Key": key}
    )
    again = portal.http.post(
        "/v1/portal/service-requests", json=body, headers={"Idempotency-Key": key}
    )
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers

    requests = [r for r in staff.get("/v1/service-requests") if r["message"] == body["message"]]
    assert [r["id"] for r in requests] == [first.json()["id"]]
    mission_id = first.json()["mission_id"]
    tasks = wait_for(
        lambda: staff.get("/v1/tasks", params={"mission_id": mission_id}), "the review task"
    )
    assert len(tasks) == 1


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(
    stack: Stack, staff: Api, firm_client: dict[str, Any]
) -> None:
    portal: Api = firm_client["portal"]
    key = new_key()
    services = stack.demo["service_ids"]
    portal.post(
        "/v1/portal/service-requests",
        {"service_ids": [services["TVA"]], "message": "Key reused, first"},
        expect=201,
        headers={"Idempotency-Key": key},
    )
    refused = portal.post(
        "/v1/portal/service-requests",
        {"service_ids": [services["BILAN"]], "message": "Key reused, second"},
        expect=422,
        headers={"Idempotency-Key": key},
    )
    assert "another request body" in refused["error"]["message"]
    messages = [r["message"] for r in staff.get("/v1/service-requests")]
    assert "Key reused, second" not in messages


def test_a_malformed_key_is_a_422_and_creates_nothing(
    stack: Stack, staff: Api, firm_client: dict[str, Any]
) -> None:
    name = f"Clé invalide {uuid.uuid4().hex[:6]}"
    for key in ("has a space", "x" * 101, "é"):
        staff.post(
            "/v1/missions",
            mission_body(stack, firm_client["id"], name),
            expect=422,
            headers={"Idempotency-Key": key.encode()},
        )
    assert missions_named(staff, firm_client["id"], name) == []


def test_concurrent_retries_of_a_mission_make_one_mission(
    stack: Stack, staff: Api, firm_client: dict[str, Any]
) -> None:
    name = f"Création répétée {uuid.uuid4().hex[:6]}"
    body = mission_body(stack, firm_client["id"], name)
    key = new_key()

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=stack.api, timeout=120) as http:
            return http.post(
                "/v1/missions",
                json=body,
                headers={
                    "Authorization": f"Bearer {stack.demo['staff_token']}",
                    "Idempotency-Key": key,
                },
            )

    with ThreadPoolExecutor(max_workers=6) as threads:
        answers = list(threads.map(post, range(6)))
    # Retries that arrive while the first is still creating wait for it and answer with it.
    assert [answer.status_code for answer in answers] == [201] * 6, [a.text for a in answers]
    created = {answer.json()["id"] for answer in answers}
    assert len(created) == 1
    assert sum("Idempotent-Replayed" not in answer.headers for answer in answers) == 1

    later = staff.post("/v1/missions", body, expect=201, headers={"Idempotency-Key": key})
    assert {later["id"]} == created
    assert later["status"] == "draft"
    assert [m["id"] for m in missions_named(staff, firm_client["id"], name)] == [later["id"]]
    # One "draft" transition: the workflow created the mission once.
    assert [entry["status"] for entry in later["timeline"]] == ["draft"]


def test_another_key_is_another_mission(
    stack: Stack, staff: Api, firm_client: dict[str, Any]
) -> None:
    name = f"Deux clés {uuid.uuid4().hex[:6]}"
    body = mission_body(stack, firm_client["id"], name)
    first = staff.post("/v1/missions", body, expect=201, headers={"Idempotency-Key": new_key()})
    second = staff.post("/v1/missions", body, expect=201, headers={"Idempotency-Key": new_key()})
    assert first["id"] != second["id"]
    assert len(missions_named(staff, firm_client["id"], name)) == 2


def test_a_refused_request_does_not_use_up_its_key(
    stack: Stack, staff: Api, firm_client: dict[str, Any]
) -> None:
    name = f"Clé après refus {uuid.uuid4().hex[:6]}"
    key = new_key()
    wrong = {**mission_body(stack, firm_client["id"], name), "period_end": "2026-06-30"}
    staff.post("/v1/missions", wrong, expect=422, headers={"Idempotency-Key": key})
    fixed = staff.post(
        "/v1/missions",
        mission_body(stack, firm_client["id"], name),
        expect=201,
        headers={"Idempotency-Key": key},
    )
    assert [m["id"] for m in missions_named(staff, firm_client["id"], name)] == [fixed["id"]]
