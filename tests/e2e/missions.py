"""Missions brought to a given point through the live API, for tests that start from there."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from domain.period import add_months
from tests.e2e.stack import Api, Stack


def open_year(time_zone: str = "Europe/Paris") -> tuple[date, date]:
    """The twelve months that end with the current month in the firm's time zone: each of
    their slices has opened, so a mission of that period, signed now, gets all its work at
    once (work opens period by period; tests/workflow/test_periods.py covers the timers)."""
    today = datetime.now(UTC).astimezone(ZoneInfo(time_zone)).date()
    first_of_month = today.replace(day=1)
    return add_months(first_of_month, -11), add_months(first_of_month, 1) - timedelta(days=1)


def signed_mission(
    stack: Stack, staff: Api, client: dict[str, Any], service_id: str, partner_id: str, name: str
) -> str:
    """A yearly mission of one service for ``client`` over the open year, its letter generated
    in the client's private folder and signed at the local provider; returns its id once
    signing is accepted.

    The workflow then moves on by itself (active, work created): callers wait for what they need.
    """
    start, end = open_year()
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": name,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
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
