"""Missions through their whole lifecycle, against the same Temporal server's baseline.

Starts the stack as `make run` does (`sceau run`: Temporal dev server, worker, API, local
signature provider) on a fresh PostgreSQL database, then runs N missions, C at a time, each
through: create → letter (render, convert, file) → send for signature → signed at the local
provider → active (signed letter filed, work created). It prints missions per minute and
p50/p95 per step, then runs on the same Temporal server a baseline: a workflow with as many
no-op activities as one mission ran, N of them, C at a time. The ratio compares the missions'
throughput with PDF conversion time left out (the goal: at least 0.75 of the baseline's)
to the baseline's; a step run as a local activity counts as one of the baseline's
activities. The last line is JSON.

    .venv/bin/python bench/lifecycle.py [--missions 20] [--concurrency 4] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from bench.baseline_workflow import BASELINE_QUEUE, BaselineWorkflow, noop
from tests.e2e.stack import Api, Stack, running_stack
from tests.integration.database import fresh_database

STEPS = ("create", "letter", "signature", "signed_to_active")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class MissionRun:
    mission_id: str
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.steps.values())


def one_mission(stack: Stack, staff: Api, folder: str, index: int) -> MissionRun:
    demo = stack.demo
    people = {
        "firm_representative_id": demo["staff_id"],
        "client_representative_id": demo["client_representative_id"],
    }
    started = time.perf_counter()
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": demo["client_id"],
            "name": f"Banc cycle de vie {index}",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": sid} for sid in demo["service_ids"].values()],
        },
        expect=201,
    )
    run = MissionRun(mission["id"])
    base = f"/v1/missions/{run.mission_id}"
    mark = time.perf_counter()
    run.steps["create"] = mark - started
    staff.post(f"{base}/letter", {"template_id": "default", "folder_id": folder, **people}, 201)
    run.steps["letter"] = time.perf_counter() - mark
    mark = time.perf_counter()
    signature = staff.post(f"{base}/signature", expect=202)
    run.steps["signature"] = time.perf_counter() - mark
    mark = time.perf_counter()
    signed = httpx.post(f"{stack.provider}/signer/{signature['provider_request_id']}/sign")
    assert signed.status_code == 200, signed.text
    deadline = time.monotonic() + 120
    while staff.get(base)["status"] != "active":
        if time.monotonic() > deadline:
            raise RuntimeError(f"mission {run.mission_id} did not become active")
        time.sleep(0.1)
    run.steps["signed_to_active"] = time.perf_counter() - mark
    return run


LOCAL_ACTIVITY_MARKER = "core_local_activity"


@dataclass
class MissionHistory:
    """What a mission's workflow history shows: its steps and how long each activity ran."""

    # Every step, activity tasks and local activities alike: the baseline runs as many
    # no-op activity tasks, so a step moved to a local activity still counts against it.
    activities: int
    local: int
    pdf: float
    # Seconds from an activity's start to its completion, by activity type.
    durations: dict[str, list[float]]


async def activity_times(client: Client, workflow_id: str) -> MissionHistory:
    """How many steps the workflow ran (and how many of them locally), its PDF conversion's
    time, and each activity task's run time (where the missions' time goes, beside the
    baseline's no-ops)."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    scheduled: dict[int, str] = {}
    started_at: dict[int, float] = {}
    durations: dict[str, list[float]] = {}
    count, local, pdf = 0, 0, 0.0
    for event in history.events:
        if (
            event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and event.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
        ):
            count += 1
            local += 1
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            count += 1
            scheduled[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started = event.activity_task_started_event_attributes
            started_at[started.scheduled_event_id] = event.event_time.ToNanoseconds() / 1e9
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            completed = event.activity_task_completed_event_attributes
            name = scheduled.get(completed.scheduled_event_id, "")
            end = event.event_time.ToNanoseconds() / 1e9
            ran = end - started_at[completed.scheduled_event_id]
            durations.setdefault(name, []).append(ran)
            if name == "convert_to_pdf":
                pdf += ran
    return MissionHistory(count, local, pdf, durations)


async def baseline(
    address: str, activities: int, workflows: int, concurrency: int
) -> tuple[float, list[float]]:
    """Seconds to run the baseline workflows, `concurrency` at a time, on the same server,
    and the run time of each of their no-op activities."""
    client = await Client.connect(address)
    queue = f"{BASELINE_QUEUE}-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[BaselineWorkflow], activities=[noop]):
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int) -> None:
            async with gate:
                await client.execute_workflow(
                    BaselineWorkflow.run,
                    activities,
                    id=f"baseline-{queue}-{index}",
                    task_queue=queue,
                )

        await one(-1)  # warm the worker and the task queue
        started = time.perf_counter()
        await asyncio.gather(*(one(index) for index in range(workflows)))
        seconds = time.perf_counter() - started
    noops: list[float] = []
    for index in range(workflows):
        history = await activity_times(client, f"baseline-{queue}-{index}")
        noops.extend(history.durations.get("noop", []))
    return seconds, noops


@contextmanager
def database(sqlite: bool, data: Path) -> Iterator[str]:
    if sqlite:
        yield f"sqlite:///{data / 'sceau.db'}"
        return
    with fresh_database("postgresql") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--missions", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        with database(args.sqlite, data) as url, running_stack(data, url) as stack:
            staff = Api(stack.api, stack.demo["staff_token"])
            folders = staff.get(f"/v1/clients/{stack.demo['client_id']}/folders")
            folder = next(f["id"] for f in folders if not f["shared_with_client"])
            one_mission(stack, staff, folder, -1)  # warm the pool, the caches, the queues
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as threads:
                runs = list(
                    threads.map(
                        lambda i: one_mission(stack, staff, folder, i), range(args.missions)
                    )
                )
            wall = time.perf_counter() - started

            async def measure() -> tuple[list[MissionHistory], float, list[float]]:
                client = await Client.connect(stack.temporal)
                per_mission = [
                    await activity_times(client, f"mission-{run.mission_id}") for run in runs
                ]
                activities = max(history.activities for history in per_mission)
                seconds, noops = await baseline(
                    stack.temporal, activities, args.missions, args.concurrency
                )
                return per_mission, seconds, noops

            per_mission, baseline_wall, noops = asyncio.run(measure())
    report(args, runs, wall, per_mission, baseline_wall, noops)


def report(
    args: argparse.Namespace,
    runs: list[MissionRun],
    wall: float,
    per_mission: list[MissionHistory],
    baseline_wall: float,
    noops: list[float],
) -> None:
    activities = max(history.activities for history in per_mission)
    local = max(history.local for history in per_mission)
    pdf = [history.pdf for history in per_mission]
    busy = sum(run.total for run in runs)
    # The share of the missions' time spent converting PDFs, taken out of the wall time.
    wall_without_pdf = wall * (busy - sum(pdf)) / busy
    per_minute = args.missions / wall * 60
    per_minute_without_pdf = args.missions / wall_without_pdf * 60
    baseline_per_minute = args.missions / baseline_wall * 60
    steps: dict[str, dict[str, float]] = {}
    for step in (*STEPS, "pdf"):
        values = (
            [seconds * 1000 for seconds in pdf]
            if step == "pdf"
            else [run.steps[step] * 1000 for run in runs]
        )
        steps[step] = {
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
        }
    ran: dict[str, list[float]] = {"baseline noop": noops}
    for history in per_mission:
        for name, seconds in history.durations.items():
            ran.setdefault(name, []).extend(seconds)
    activity_ms = {
        name: {
            "count": len(values),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        }
        for name, values in sorted(ran.items())
    }
    ratio = per_minute_without_pdf / baseline_per_minute
    print(
        f"{args.missions} missions, {args.concurrency} at a time, "
        f"{activities} steps each ({local} of them local activities), {wall:.1f} s"
    )
    for step, figures in steps.items():
        print(f"  {step:17} p50 {figures['p50_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms")
    print("activities, start to completion:")
    for name, figures in activity_ms.items():
        print(
            f"  {name:22} ×{figures['count']:<4} p50 {figures['p50_ms']:8.1f} ms"
            f"   p95 {figures['p95_ms']:8.1f} ms"
        )
    print(f"missions per minute:                 {per_minute:8.1f}")
    print(f"missions per minute, PDF left out:   {per_minute_without_pdf:8.1f}")
    print(f"baseline workflows per minute:       {baseline_per_minute:8.1f}")
    print(f"ratio (PDF left out / baseline):     {ratio:8.2f}   goal ≥ 0.75")
    result: dict[str, Any] = {
        "bench": "lifecycle",
        "missions": args.missions,
        "concurrency": args.concurrency,
        "database": "sqlite" if args.sqlite else "postgresql",
        "activities_per_mission": activities,
        "local_activities_per_mission": local,
        "missions_per_minute": round(per_minute, 1),
        "missions_per_minute_without_pdf": round(per_minute_without_pdf, 1),
        "baseline_per_minute": round(baseline_per_minute, 1),
        "ratio": round(ratio, 3),
        "steps": steps,
        "activities": activity_ms,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
