"""The firms, clients and missions a load run starts from, and what it measures per route.

Set up through the API as the operator and each firm's staff would (not timed); see load.py.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from domain.demo import CLIENT, FIRM, PARTNER, REPRESENTATIVE, SERVICES

REQUEST_TIMEOUT = 60.0


# --- what was measured ---------------------------------------------------------------------


@dataclass
class RouteStats:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    server_errors: int = 0


@dataclass
class Recorder:
    routes: dict[str, RouteStats] = field(default_factory=dict)
    # (route, status, error code or exception) → how many: what went wrong, in short.
    causes: Counter[tuple[str, int, str]] = field(default_factory=Counter)

    def add(self, route: str, seconds: float, status: int, cause: str = "") -> None:
        stats = self.routes.setdefault(route, RouteStats())
        stats.seconds.append(seconds)
        if cause:
            stats.errors += 1
            stats.server_errors += status >= 500
            self.causes[(route, status, cause)] += 1

    @property
    def requests(self) -> int:
        return sum(len(stats.seconds) for stats in self.routes.values())


def error_cause(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['code']}: {error['message'][:80]}"
    except (ValueError, KeyError, TypeError):
        return response.text[:80]


class Caller:
    """One token's view of the API; each call is timed under its route template."""

    def __init__(self, http: httpx.AsyncClient, token: str, recorder: Recorder | None) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}
        self.recorder = recorder

    async def call(
        self, method: str, template: str, expect: int = 200, body: Any = None, **params: str
    ) -> Any:
        """The answer's JSON (or bytes), or None when the status was not ``expect``.

        ``params`` fill the template's {placeholders}; the rest become the query string.
        """
        names = {name for name in params if "{" + name + "}" in template}
        path = template.format(**{name: params[name] for name in names})
        query = {name: value for name, value in params.items() if name not in names}
        route = f"{method} {template}"
        started = time.perf_counter()
        try:
            response = await self.http.request(
                method, path, json=body, params=query, headers=self.headers
            )
        except httpx.HTTPError as error:
            self.record(route, started, 0, type(error).__name__)
            return None
        if response.status_code != expect:
            self.record(route, started, response.status_code, error_cause(response))
            return None
        self.record(route, started, response.status_code)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    def record(self, route: str, started: float, status: int, cause: str = "") -> None:
        if self.recorder is not None:
            self.recorder.add(route, time.perf_counter() - started, status, cause)
        elif cause:
            raise RuntimeError(f"setting up: {route} → {status}: {cause}")


# --- the firms the users work in -----------------------------------------------------------


@dataclass
class FirmClient:
    id: str
    representative_id: str
    private_folder: str
    portal_token: str


@dataclass
class MissionRef:
    id: str
    client: FirmClient
    line_ids: list[str]


@dataclass
class Firm:
    staff_token: str
    partner_id: str
    service_ids: list[str]
    clients: list[FirmClient]
    missions: list[MissionRef] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    # Portal requests not yet made into missions: (request id, client, service ids).
    open_requests: list[tuple[str, FirmClient, list[str]]] = field(default_factory=list)


def mission_body(client: FirmClient, service_ids: list[str], name: str) -> dict[str, Any]:
    return {
        "client_id": client.id,
        "name": name,
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "frequency": "monthly",
        "lines": [{"service_id": service_id} for service_id in service_ids],
    }


def letter_body(firm: Firm, mission: MissionRef, folder: bool) -> dict[str, Any]:
    body = {
        "template_id": "default",
        "firm_representative_id": firm.partner_id,
        "client_representative_id": mission.client.representative_id,
    }
    return {**body, "folder_id": mission.client.private_folder} if folder else body


async def private_folder(staff: Caller, client_id: str) -> str:
    folders = await staff.call("GET", "/v1/clients/{id}/folders", id=client_id)
    return str(next(folder["id"] for folder in folders if not folder["shared_with_client"]))


async def new_client(staff: Caller, name: str) -> FirmClient:
    """A client with one representative, its portal user, and its private folder."""
    body = {**CLIENT, "name": name}
    client = await staff.call("POST", "/v1/clients", 201, body)
    portal = await staff.call(
        "POST",
        "/v1/clients/{id}/portal-users",
        201,
        {"email": REPRESENTATIVE["email"], "first_name": "Jean", "last_name": "Dupont"},
        id=client["id"],
    )
    return FirmClient(
        id=client["id"],
        representative_id=client["representatives"][0]["id"],
        private_folder=await private_folder(staff, client["id"]),
        portal_token=portal["token"],
    )


async def demo_firm(http: httpx.AsyncClient, demo: dict[str, Any]) -> Firm:
    """The firm `make run` seeded, from its demo.json."""
    staff = Caller(http, demo["staff_token"], None)
    client = FirmClient(
        id=demo["client_id"],
        representative_id=demo["client_representative_id"],
        private_folder=await private_folder(staff, demo["client_id"]),
        portal_token=demo["portal_token"],
    )
    return Firm(demo["staff_token"], demo["staff_id"], list(demo["service_ids"].values()), [client])


async def extra_firm(
    http: httpx.AsyncClient, operator_token: str, index: int, clients: int
) -> Firm:
    """A firm created as operator: its partner, the demo catalogue, and ``clients`` clients."""
    operator = Caller(http, operator_token, None)
    body = {**FIRM, "name": f"Cabinet de charge {index}", "siren": f"{900000000 + index}"}
    created = await operator.call("POST", "/v1/firms", 201, body)
    admin = Caller(http, created["admin_token"], None)
    partner = await admin.call(
        "POST", "/v1/staff", 201, {**PARTNER, "email": f"associe{index}@charge.example"}
    )
    services = [await admin.call("POST", "/v1/services", 201, service) for service in SERVICES]
    staff = Caller(http, partner["token"], None)
    firm_clients = [
        await new_client(staff, f"Client {index}-{number}") for number in range(clients)
    ]
    return Firm(partner["token"], partner["id"], [s["id"] for s in services], firm_clients)


async def seed_work(http: httpx.AsyncClient, firm: Firm) -> None:
    """A mission per client and one letter, so that readers find missions and documents."""
    staff = Caller(http, firm.staff_token, None)
    for client in firm.clients:
        body = mission_body(client, firm.service_ids, "Mission de départ")
        mission = await staff.call("POST", "/v1/missions", 201, body)
        firm.missions.append(
            MissionRef(mission["id"], client, [line["id"] for line in mission["lines"]])
        )
    first = firm.missions[0]
    letter = await staff.call(
        "POST", "/v1/missions/{id}/letter", 201, letter_body(firm, first, True), id=first.id
    )
    firm.documents.append(letter["document_id"])


async def set_up(
    http: httpx.AsyncClient, demo: dict[str, Any], operator_token: str, args: argparse.Namespace
) -> list[Firm]:
    extra = [
        extra_firm(http, operator_token, index, args.clients) for index in range(1, args.firms)
    ]
    firms = [await demo_firm(http, demo), *await asyncio.gather(*extra)]
    await asyncio.gather(*(seed_work(http, firm) for firm in firms))
    return firms
