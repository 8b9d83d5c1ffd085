"""What operators filter on in the Temporal Web UI: the missions' search attributes."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from tests.e2e.stack import Api, Stack


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

    async def listed(query: str, workflow_id: str) -> bool:
        # Visibility is updated asynchronously after each upsert.
        for _ in range(50):
            if workflow_id in [e.id async for e in temporal.list_workflows(query)]:
                return True
            await asyncio.sleep(0.2)
        return False

    workflow_id = f"mission-{mission['id']}"
    assert await listed(query, workflow_id)
    described = await temporal.get_workflow_handle(workflow_id).describe()
    assert await described.memo() == {
        "mission_id": mission["id"],
        "firm_id": demo["firm_id"],
        "client_id": demo["client_id"],
    }

    staff.post(f"/v1/missions/{mission['id']}/cancel", {"reason": "fin du test"}, expect=202)
    assert await listed(
        f'MissionStatus = "cancelled" AND FirmId = "{demo["firm_id"]}"', workflow_id
    )
    assert not await listed_now(temporal, query, workflow_id)


async def listed_now(temporal: Client, query: str, workflow_id: str) -> bool:
    return workflow_id in [e.id async for e in temporal.list_workflows(query)]
