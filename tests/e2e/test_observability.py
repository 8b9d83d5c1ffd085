"""What an operator reads: JSON logs with the request and mission ids, and Prometheus metrics
from the API (/metrics) and from each worker's Temporal SDK runtime."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.stack import Api, Stack, running_stack, wait_for
from tests.integration.database import fresh_database


def new_mission(staff: Api, demo: dict[str, Any], name: str) -> dict[str, Any]:
    mission: dict[str, Any] = staff.post(
        "/v1/missions",
        {
            "client_id": demo["client_id"],
            "name": name,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": demo["service_ids"]["BILAN"]}],
        },
        expect=201,
    )
    return mission


def json_lines(path: Path) -> list[dict[str, Any]]:
    entries = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries


def sample(metrics: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include the given ones."""
    total = 0.0
    for line in metrics.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and all(f'{key}="{value}"' in match.group(1) for key, value in labels.items()):
            total += float(match.group(2))
    return total


def test_metrics_count_requests_by_route_without_a_token(stack: Stack, staff: Api) -> None:
    mission = new_mission(staff, stack.demo, "Métriques")
    before = httpx.get(f"{stack.api}/metrics", timeout=10)
    route = "/v1/missions/{mission_id}"
    seen = sample(before.text, "sceau_http_requests_total", method="GET", route=route, status="200")
    staff.get(f"/v1/missions/{mission['id']}")
    staff.get("/v1/missions/mis_missing", expect=404)

    after = httpx.get(f"{stack.api}/metrics", timeout=10)
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert sample(text, "sceau_http_requests_total", method="GET", route=route, status="200") == (
        seen + 1
    )
    assert sample(text, "sceau_http_requests_total", route=route, status="404") >= 1
    assert sample(text, "sceau_http_request_duration_seconds_count", route=route) >= seen + 2
    assert "# TYPE sceau_http_server_errors_total counter" in text
    # Ids never become labels: one series per route template.
    assert mission["id"] not in text


def test_api_logs_carry_the_request_id(stack: Stack, staff: Api) -> None:
    response = staff.http.get("/v1/clients", headers={"X-Request-ID": "trace-me-42"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "trace-me-42"
    generated = staff.http.get("/v1/clients", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])

    def logged() -> dict[str, Any] | None:
        for entry in json_lines(stack.data_dir / "api.log"):
            if entry.get("request_id") == "trace-me-42":
                return entry
        return None

    entry = wait_for(logged, "the request's log line")
    assert entry["route"] == "/v1/clients"
    assert entry["status"] == 200
    assert entry["level"] == "info"


def test_worker_logs_carry_the_mission_and_workflow_ids(stack: Stack, staff: Api) -> None:
    mission = new_mission(staff, stack.demo, "Journaux")

    def logged() -> dict[str, Any] | None:
        for entry in json_lines(stack.data_dir / "worker.log"):
            if entry.get("mission_id") == mission["id"] and entry.get("status") == "draft":
                return entry
        return None

    entry = wait_for(logged, "the transition's log line")
    assert entry["workflow_id"] == f"mission-{mission['id']}"
    assert entry["activity"] == "record_transition"
    assert entry["service"] == "worker"


def test_worker_serves_temporal_sdk_metrics(stack: Stack, staff: Api) -> None:
    mission = new_mission(staff, stack.demo, "Métriques du worker")
    # The mission's database steps run as local activities; its letter's preview runs
    # activity tasks on the documents queue.
    letter = {
        "template_id": "default",
        "firm_representative_id": stack.demo["staff_id"],
        "client_representative_id": stack.demo["client_representative_id"],
    }
    staff.post(f"/v1/missions/{mission['id']}/letter/preview", letter)

    def executed() -> str | None:
        text = httpx.get(stack.worker_metrics, timeout=10).text
        steps = sample(
            text,
            "temporal_local_activity_execution_latency_count",
            activity_type="record_transition",
            task_queue="missions",
        )
        renders = sample(
            text,
            "temporal_activity_execution_latency_count",
            activity_type="render_letter",
            task_queue="documents",
        )
        return text if steps >= 1 and renders >= 1 else None

    text = wait_for(executed, "record_transition and render_letter in the worker's metrics")
    # The lag an operator watches: how long tasks wait in the queue before a worker takes them.
    assert "temporal_activity_schedule_to_start_latency_count" in text
    assert "temporal_workflow_task_schedule_to_start_latency_count" in text
    assert sample(text, "temporal_num_pollers", task_queue="documents") >= 1


# --- several workers on one machine --------------------------------------------------------


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    extra = {"SCEAU_WORKERS": "2", "SCEAU_PDF_POOL_SIZE": "1"}
    with (
        fresh_database("postgresql") as url,
        running_stack(tmp_path_factory.mktemp("two"), url, extra_env=extra) as running,
    ):
        yield running


def test_two_workers_share_the_queues(two_workers: Stack) -> None:
    staff = Api(two_workers.api, two_workers.demo["staff_token"])
    first = two_workers.worker_metrics
    port = int(first.rsplit(":", 1)[1].split("/")[0])
    endpoints = [first, first.replace(f":{port}/", f":{port + 1}/")]

    def executions(endpoint: str) -> float:
        """The mission steps the worker ran, as activity tasks or local activities."""
        text = httpx.get(endpoint, timeout=10).text
        return sum(
            sample(text, f"temporal_{kind}_execution_latency_count", task_queue="missions")
            for kind in ("activity", "local_activity")
        )

    def polls_both_queues(endpoint: str) -> bool:
        try:
            text = httpx.get(endpoint, timeout=10).text
        except httpx.HTTPError:
            return False  # the worker is still starting its LibreOffice pool
        return all(
            sample(text, "temporal_num_pollers", task_queue=queue) >= 1
            for queue in ("missions", "documents")
        )

    for number, endpoint in enumerate(endpoints, start=1):
        log = two_workers.data_dir / f"worker-{number}.log"
        try:
            wait_for(lambda e=endpoint: polls_both_queues(e), f"{endpoint} polling both queues")
        except AssertionError as timeout:
            tail = log.read_text()[-3000:] if log.exists() else "no log"
            raise AssertionError(f"{timeout}; worker-{number}.log ends with:\n{tail}") from None

    # Activity tasks go to whichever worker polls first: with a few missions both get some.
    missions = 0
    while missions < 20 and not all(executions(e) > 0 for e in endpoints):
        new_mission(staff, two_workers.demo, f"Partage {missions}")
        missions += 1
    assert all(executions(e) > 0 for e in endpoints), [executions(e) for e in endpoints]
    workers = [two_workers.data_dir / f"worker-{n}.log" for n in (1, 2)]
    assert all(path.exists() for path in workers)
