"""Record MissionWorkflow histories of the main paths into tests/histories/<path>.json.

    .venv/bin/python -m tests.workflow.record_histories [path ...]

Each path runs on its own time-skipping test server (so each starts at today's date) with the
stand-in activities, and its final status is checked before the history is written. The
replay test (tests/workflow/test_replay.py) replays every file with the current workflow code.
Re-record only when docs/workflow-changes.md says so: a new history replaces the old one, and
the old one is what proves that running missions still replay.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.temporal import register_search_attributes
from tests.temporal_bins import TEMPORAL_TEST_SERVER
from tests.workflow.standins import Recorder
from tests.workflow.test_mission_workflow import DRAFT, LETTER, finish, to_awaiting_signature
from workflows.messages import (
    CancelRequest,
    LineChange,
    MissionStart,
    RequestOpened,
    SignatureAsk,
    SignatureEvent,
    mission_workflow_id,
)
from workflows.mission import MissionWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
MISSIONS = "missions"
DOCUMENTS = "documents"

Handle = WorkflowHandle[MissionWorkflow, object]


def start_operation(name: str, service_request_id: str | None = None) -> WithStartWorkflowOperation:
    mission_id = f"replay-{name}"
    return WithStartWorkflowOperation(
        MissionWorkflow.run,
        MissionStart(
            mission_id,
            "firm-1",
            "client-1",
            service_request_id=service_request_id,
            documents_queue=DOCUMENTS,
        ),
        id=mission_workflow_id(mission_id),
        task_queue=MISSIONS,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def create(env: WorkflowEnvironment, name: str) -> Handle:
    operation = start_operation(name)
    await env.client.execute_update_with_start_workflow(
        MissionWorkflow.create_mission, DRAFT, start_workflow_operation=operation
    )
    return await operation.workflow_handle()


async def signed(env: WorkflowEnvironment) -> Handle:
    handle = await create(env, "signed")
    await to_awaiting_signature(handle)
    await handle.signal(
        MissionWorkflow.signature_event,
        SignatureEvent("e1", "signer_done", signer_email="a@x.fr"),
    )
    await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e2", "done"))
    return handle


async def declined(env: WorkflowEnvironment) -> Handle:
    handle = await create(env, "declined")
    await to_awaiting_signature(handle)
    await handle.signal(
        MissionWorkflow.signature_event, SignatureEvent("e1", "declined", reason="prix")
    )
    return handle


async def expired(env: WorkflowEnvironment) -> Handle:
    handle = await create(env, "expired")
    await to_awaiting_signature(handle)
    return handle  # finish() skips the clock past the 30 days


async def cancelled(env: WorkflowEnvironment) -> Handle:
    handle = await create(env, "cancelled")
    await to_awaiting_signature(handle)
    await handle.signal(MissionWorkflow.cancel, CancelRequest("staff", "abandon"))
    return handle


async def regenerated(env: WorkflowEnvironment) -> Handle:
    handle = await create(env, "regenerated")
    await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
    await handle.execute_update(MissionWorkflow.change_line, LineChange("line-1", "s", "90.00"))
    await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
    await handle.execute_update(MissionWorkflow.request_signature, SignatureAsk("yousign", "s"))
    await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
    return handle


async def service_request(env: WorkflowEnvironment) -> Handle:
    operation = start_operation("service_request", service_request_id="req-1")
    await env.client.execute_update_with_start_workflow(
        MissionWorkflow.open_request,
        RequestOpened("client-user", "req-1"),
        start_workflow_operation=operation,
    )
    handle = await operation.workflow_handle()
    await handle.execute_update(MissionWorkflow.create_mission, DRAFT)
    await handle.signal(MissionWorkflow.cancel, CancelRequest("staff", "client changed mind"))
    return handle


# name -> (drive the mission, the status it must end in)
PATHS: dict[str, tuple[Callable[[WorkflowEnvironment], Awaitable[Handle]], str]] = {
    "signed": (signed, "completed"),
    "declined": (declined, "declined"),
    "expired": (expired, "expired"),
    "cancelled": (cancelled, "cancelled"),
    "regenerated": (regenerated, "completed"),
    "service_request": (service_request, "cancelled"),
}


async def record(name: str, directory: Path = HISTORIES) -> Path:
    drive, expected = PATHS[name]
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(TEMPORAL_TEST_SERVER),
    ) as env:
        await register_search_attributes(env.client)
        activities = Recorder().activities()
        async with (
            Worker(
                env.client, task_queue=MISSIONS, workflows=[MissionWorkflow], activities=activities
            ),
            Worker(env.client, task_queue=DOCUMENTS, activities=activities),
        ):
            handle = await drive(env)
            final = await finish(env, handle)
        if final.status != expected:
            raise RuntimeError(f"{name}: ended {final.status}, expected {expected}")
        history = await handle.fetch_history()
    path = directory / f"{name}.json"
    # One event per line: compact, and a re-recording diffs event by event.
    events = [
        json.dumps(event, separators=(",", ":")) for event in history.to_json_dict()["events"]
    ]
    path.write_text('{"events":[\n' + ",\n".join(events) + "\n]}\n")
    return path


async def main(names: list[str]) -> None:
    HISTORIES.mkdir(parents=True, exist_ok=True)
    for name in names or list(PATHS):
        path = await record(name)
        print(f"{path.relative_to(Path.cwd())}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    unknown = [name for name in sys.argv[1:] if name not in PATHS]
    if unknown:
        sys.exit(f"unknown path(s) {unknown}; known: {', '.join(PATHS)}")
    asyncio.run(main(sys.argv[1:]))
