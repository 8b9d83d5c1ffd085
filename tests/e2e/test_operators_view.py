"""What operators filter on in the Temporal Web UI: the missions' search attributes and memo."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from tests.e2e.stack import Api, Stack
from tests.e2e.test_mission_flow import letter_body


async def test_missions_are_found_by_status_firm_and_client(stack: Stack, staff: Api) -> None:
    demo = stack.demo
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": demo["client_id"],
            "name": "Vue opérateur",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": demo["service_ids"]["BILAN"]}],
        },
        expect=201,
    )
    temporal = await Client.connect(stack.temporal)
    query = (
        f'MissionStatus = "draft" AND FirmId = "{demo["firm_id"]}"'
        f' AND ClientId = "{demo["client_id"]}"'
    )

    workflow_id = f"mission-{mission['id']}"
    assert await listed(temporal, query, workflow_id)
    described = await temporal.get_workflow_handle(workflow_id).describe()
    assert await described.memo() == {
        "mission_id": mission["id"],
        "firm_id": demo["firm_id"],
        "client_id": demo["client_id"],
        "status": "draft",
        "letter_version": 0,
    }

    staff.post(f"/v1/missions/{mission['id']}/cancel", {"reason": "fin du test"}, expect=202)
    assert await listed(
        temporal, f'MissionStatus = "cancelled" AND FirmId = "{demo["firm_id"]}"', workflow_id
    )
    assert not await listed_now(temporal, query, workflow_id)


async def listed_now(temporal: Client, query: str, workflow_id: str) -> bool:
    return workflow_id in [e.id async for e in temporal.list_workflows(query)]


async def test_a_generated_letter_is_found_by_its_version(
    stack: Stack, staff: Api, firm_client: dict
) -> None:
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": firm_client["id"],
            "name": "Version de lettre",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": stack.demo["service_ids"]["BILAN"]}],
        },
        expect=201,
    )
    temporal = await Client.connect(stack.temporal)
    workflow_id = f"mission-{mission['id']}"
    generated = 'LetterVersion = 1 AND MissionStatus = "letter_generated"'
    assert await listed(temporal, 'MissionStatus = "draft"', workflow_id)
    assert not await listed_now(temporal, "LetterVersion = 1", workflow_id)

    letter = staff.post(
        f"/v1/missions/{mission['id']}/letter",
        letter_body(stack, firm_client, firm_client["private"]),
        expect=201,
    )
    assert letter["version"] == 1
    assert await listed(temporal, "LetterVersion = 1", workflow_id)
    assert await listed(temporal, f'{generated} AND ClientId = "{firm_client["id"]}"', workflow_id)
    described = await temporal.get_workflow_handle(workflow_id).describe()
    memo = await described.memo()
    assert (memo["status"], memo["letter_version"]) == ("letter_generated", 1)
    assert memo["mission_id"] == mission["id"]

    staff.post(f"/v1/missions/{mission['id']}/cancel", {"reason": "fin du test"}, expect=202)
    # The version stays once the mission is cancelled; the status moves on.
    assert await listed(temporal, 'LetterVersion = 1 AND MissionStatus = "cancelled"', workflow_id)
    assert not await listed_now(temporal, generated, workflow_id)


async def listed(temporal: Client, query: str, workflow_id: str) -> bool:
    """Whether the query finds the workflow within 10 s: visibility follows each upsert
    asynchronously."""
    for _ in range(50):
        if await listed_now(temporal, query, workflow_id):
            return True
        await asyncio.sleep(0.2)
    return False
