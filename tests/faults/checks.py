"""A mission driven over HTTP, and what a fault must not have done to it: read from the tables.

Every case ends with `assert_exactly_once`: the timeline holds each transition once and in order,
the GED one document per kind and version, the signature one request at Sceau and one at the
provider, and the task list exactly the planned work, each item once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client

from contracts.ids import mission_workflow_id
from domain.settings import Settings
from domain.temporal import connect
from tests.e2e.missions import open_year
from tests.e2e.stack import Api, wait_for
from tests.faults.cluster import Cluster

# TVA is quarterly (4 tasks), BILAN yearly (1 information request and 1 task).
PLANNED_WORK = 6
SIGNED_PATH = ["draft", "letter_generated", "awaiting_signature", "signed", "active"]


@dataclass
class Mission:
    cluster: Cluster
    staff: Api
    id: str

    @classmethod
    def create(cls, cluster: Cluster, name: str = "Mission 2027") -> Mission:
        demo = cluster.demo
        staff = Api(cluster.api, demo["staff_token"])
        period = open_year()
        created = staff.post(
            "/v1/missions",
            {
                "client_id": demo["client_id"],
                "name": name,
                # Every quarter has opened: signing creates all the work at once.
                "period_start": period[0].isoformat(),
                "period_end": period[1].isoformat(),
                "frequency": "quarterly",
                "lines": [
                    {"service_id": demo["service_ids"]["TVA"]},
                    {"service_id": demo["service_ids"]["BILAN"]},
                ],
            },
            expect=201,
        )
        return cls(cluster, staff, created["id"])

    @property
    def workflow_id(self) -> str:
        return mission_workflow_id(self.id)

    def letter_body(self) -> dict[str, str]:
        demo = self.cluster.demo
        folders = self.staff.get(f"/v1/clients/{demo['client_id']}/folders")
        return {
            "template_id": "default",
            "folder_id": next(f["id"] for f in folders if not f["shared_with_client"]),
            "firm_representative_id": demo["staff_id"],
            "client_representative_id": demo["client_representative_id"],
        }

    def generate_letter(self, expect: int = 201) -> Any:
        return self.staff.post(f"/v1/missions/{self.id}/letter", self.letter_body(), expect=expect)

    def send_for_signature(self) -> str:
        started = self.staff.post(f"/v1/missions/{self.id}/signature", {}, expect=202)
        provider_request_id: str = started["provider_request_id"]
        return provider_request_id

    def sign_at_provider(self, provider_request_id: str) -> None:
        response = httpx.post(f"{self.cluster.provider}/signer/{provider_request_id}/sign")
        assert response.status_code == 200, response.text
        signed = response.json()
        assert signed["signature_request"]["status"] == "done", signed

    def read(self) -> Any:
        return self.staff.get(f"/v1/missions/{self.id}")

    def wait_status(self, status: str, seconds: float = 90) -> Any:
        return wait_for(
            lambda: (mission := self.read())["status"] == status and mission,
            f"mission {self.id} to be {status}",
            seconds,
        )


# --- the tables ------------------------------------------------------------------------------


def rows(database_url: str, query: str, **params: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query), params))
    finally:
        engine.dispose()


def execute(database_url: str, statement: str, **params: Any) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


def provider_requests(cluster: Cluster, external_id: str) -> list[dict[str, Any]]:
    """The local provider's signature requests that carry `external_id`, from its state files."""
    requests = cluster.data_dir / "signature_provider" / "requests"
    found = [json.loads(path.read_text()) for path in requests.glob("*.json")]
    return [request for request in found if request.get("external_id") == external_id]


def assert_exactly_once(
    mission: Mission, statuses: list[str] = SIGNED_PATH, letters: int = 1
) -> None:
    """The mission went through `statuses`, each once, and left each record once."""
    url = mission.cluster.database_url
    events = rows(
        url, "SELECT seq, status FROM missionevent WHERE mission_id = :m ORDER BY seq", m=mission.id
    )
    assert [status for _, status in events] == statuses
    assert [seq for seq, _ in events] == list(range(1, len(statuses) + 1))
    (current,) = rows(url, "SELECT status FROM mission WHERE id = :m", m=mission.id)
    assert current[0] == statuses[-1]

    documents = rows(
        url, "SELECT kind, version, sha256 FROM document WHERE mission_id = :m", m=mission.id
    )
    per_version = Counter((kind, version) for kind, version, _ in documents)
    assert all(count == 1 for count in per_version.values()), per_version
    assert sorted(v for kind, v in per_version if kind == "letter") == list(range(1, letters + 1))
    signed = "signed" in statuses
    for kind in ("signed_letter", "audit_trail"):
        assert sum(1 for k, _ in per_version if k == kind) == (1 if signed else 0), per_version
    for _, _, sha in documents:  # each filed document's bytes are in the GED
        assert (mission.cluster.data_dir / "ged" / sha[:2] / sha).is_file()

    signatures = rows(
        url, "SELECT letter_version FROM signaturerequest WHERE mission_id = :m", m=mission.id
    )
    assert len(signatures) == (1 if "awaiting_signature" in statuses else 0)
    if signatures:
        at_provider = provider_requests(
            mission.cluster, f"mission-{mission.id}-v{signatures[0][0]}"
        )
        assert len(at_provider) == 1, at_provider

    work = rows(
        url,
        "SELECT key, line_id, title, due_date FROM workitem WHERE mission_id = :m",
        m=mission.id,
    )
    assert len(work) == (PLANNED_WORK if "active" in statuses else 0), work
    assert len({(line, title, due) for _, line, title, due in work}) == len(work)


# --- Temporal, as an operator sees it ----------------------------------------------------------


def temporal(cluster: Cluster, probe: Any) -> Any:
    """Run `probe(client)` against the cluster's Temporal server."""

    async def run() -> Any:
        client: Client = await connect(
            Settings(temporal_address=cluster.temporal, temporal_namespace="default")
        )
        return await probe(client)

    return asyncio.run(run())


def pending_activities(cluster: Cluster, workflow_id: str) -> list[PendingActivityInfo]:
    async def probe(client: Client) -> list[PendingActivityInfo]:
        description = await client.get_workflow_handle(workflow_id).describe()
        return list(description.raw_description.pending_activities)

    found: list[PendingActivityInfo] = temporal(cluster, probe)
    return found


def pending_activity(cluster: Cluster, workflow_id: str, name: str) -> PendingActivityInfo | None:
    for pending in pending_activities(cluster, workflow_id):
        if pending.activity_type.name == name:
            return pending
    return None


def wait_activity_running(cluster: Cluster, workflow_id: str, name: str) -> PendingActivityInfo:
    def running() -> PendingActivityInfo | None:
        pending = pending_activity(cluster, workflow_id, name)
        started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        return pending if pending is not None and pending.state == started else None

    found: PendingActivityInfo = wait_for(running, f"{name} to be running", 60)
    return found


def worker_identities(cluster: Cluster, workflow_id: str) -> list[str]:
    """Who ran each workflow task and activity of the history, in order."""

    async def probe(client: Client) -> list[str]:
        identities = []
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            for attributes in (
                event.workflow_task_started_event_attributes,
                event.activity_task_started_event_attributes,
            ):
                if attributes.identity:
                    identities.append(attributes.identity)
        return identities

    found: list[str] = temporal(cluster, probe)
    return found


def activity_attempts(cluster: Cluster, workflow_id: str, name: str) -> list[int]:
    """The attempt that completed each run of activity `name` (1 when it needed no retry)."""

    async def probe(client: Client) -> list[int]:
        names: dict[int, str] = {}
        attempts = []
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            scheduled = event.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name:
                names[event.event_id] = scheduled.activity_type.name
            started = event.activity_task_started_event_attributes
            if started.scheduled_event_id and names.get(started.scheduled_event_id) == name:
                attempts.append(started.attempt)
        return attempts

    found: list[int] = temporal(cluster, probe)
    return found


def pid_of(identity: str) -> int:
    return int(identity.split("@", 1)[0])
