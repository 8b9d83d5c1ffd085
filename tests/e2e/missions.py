"""Missions brought to a given point through the live API, for tests that start from there."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.stack import Api, Stack


def signed_mission(
    stack: Stack, staff: Api, client: dict[str, Any], service_id: str, partner_id: str, name: str
) -> str:
    """A yearly mission of one service for ``client``, its letter generated in the client's
    private folder and signed at the local provider; returns its id once signing is accepted.

    The workflow then moves on by itself (active, work created): callers wait for what they need.
    """
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": name,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": service_id}],
        },
        expect=201,
    )
    folders = staff.get(f"/v1/clients/{client['id']}/folders")
    staff.post(
        f"/v1/missions/{mission['id']}/letter",
        {
            "template_id": "default",
            "folder_id": next(f["id"] for f in folders if not f["shared_with_client"]),
            "firm_representative_id": partner_id,
            "client_representative_id": client["representatives"][0]["id"],
        },
        expect=201,
    )
    started = staff.post(f"/v1/missions/{mission['id']}/signature", {}, expect=202)
    signing = httpx.post(f"{stack.provider}/signer/{started['provider_request_id']}/sign")
    assert signing.is_success, signing.text
    return str(mission["id"])
