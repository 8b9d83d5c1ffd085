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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import WithStartWorkflowOperation, WorkflowHandle, WorkflowHistory
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.ids import mission_workflow_id
from contracts.messages import (
    AmendmentDraft,
    AmendmentLetterRequest,
    AmendmentSignatureAsk,
    CancelRequest,
    LineChange,
    LineInput,
    MissionStart,
    ProviderStatus,
    RequestOpened,
    SignatureAsk,
    SignatureEvent,
    TerminationRequest,
)
from domain.payloads import data_converter
from domain.temporal import register_search_attributes
from tests.temporal_bins import TEMPORAL_TEST_SERVER
from tests.workflow.standins import Recorder
from tests.workflow.test_mission_workflow import DRAFT, LETTER, finish, to_awaiting_signature
from workflows.mission import MissionWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
MISSIONS = "missions"
DOCUMENTS = "documents"

Handle = WorkflowHandle[MissionWorkflow, object]


def start_operation(
    name: str, service_request_id: str | None = None, **options: Any
) -> WithStartWorkflowOperation:
    mission_id = f"replay-{name}"
    return WithStartWorkflowOperation(
        MissionWorkflow.run,
        MissionStart(
            mission_id,
            "firm-1",
            "client-1",
            service_request_id=service_request_id,
            documents_queue=DOCUMENTS,
            **options,
        ),
        id=mission_workflow_id(mission_id),
        task_queue=MISSIONS,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def create(env: WorkflowEnvironment, name: str, **options: Any) -> Handle:
    operation = start_operation(name, **options)
    draft = TACIT if name in TACIT_PATHS else DRAFT
    await env.client.execute_update_with_start_workflow(
        MissionWorkflow.create_mission, draft, start_workflow_operation=operation
    )
    return await operation.workflow_handle()


# Paths whose mission renews tacitly (the others end with their period).
TACIT = replace(DRAFT, renewal="tacit")
TACIT_PATHS = {"renewed", "terminated", "amended"}


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    await env.sleep(moment - await env.get_current_time())


async def signed_tacit(env: WorkflowEnvironment, name: str) -> Handle:
    handle = await create(env, name)
    await to_awaiting_signature(handle)
    await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
    return handle


async def renewed(env: WorkflowEnvironment) -> Handle:
    """A consumer's monthly mission for 2027: its work opens month by month, the renewal
    notice goes out in June, it renews for 2028 (continuing as new), then the client gives
    notice in time and it ends with 2028."""
    handle = await signed_tacit(env, "renewed")
    await sleep_until(env, datetime(2028, 3, 1, tzinfo=UTC))
    latest = env.client.get_workflow_handle(handle.id)
    await latest.execute_update(
        MissionWorkflow.terminate,
        TerminationRequest("client", "déménagement", "2028-03-01", "staff-1"),
    )
    return handle


async def terminated(env: WorkflowEnvironment) -> Handle:
    """The firm gives notice too late in 2027: the mission renews once, ends with 2028."""
    handle = await signed_tacit(env, "terminated")
    await sleep_until(env, datetime(2027, 11, 15, tzinfo=UTC))
    await handle.execute_update(
        MissionWorkflow.terminate,
        TerminationRequest("firm", "impayés", "2027-11-15", "staff-1"),
    )
    return handle


async def amended(env: WorkflowEnvironment) -> Handle:
    """An amendment adding payroll from July 2027, signed after a reminder and a status poll
    that finds one signer; a second one declined; then notice given in time: the mission ends
    with 2027, its payroll work opened from July."""
    handle = await signed_tacit(env, "amended")
    await sleep_until(env, datetime(2027, 3, 10, tzinfo=UTC))
    first = amendment_draft("amd-1", "2027-07-01")
    await to_amendment_awaiting_signature(handle, first)
    await sleep_until(env, datetime(2027, 3, 18, 12, tzinfo=UTC))
    await handle.signal(
        MissionWorkflow.signature_event,
        SignatureEvent("amd-e1", "done", signature_id="sig-amd-1"),
    )
    await env.sleep(timedelta(hours=1))  # the main loop files it before the next draft
    second = amendment_draft("amd-2", "2027-09-01")
    await to_amendment_awaiting_signature(handle, second)
    await handle.signal(
        MissionWorkflow.signature_event,
        SignatureEvent("amd-e2", "declined", reason="trop cher", signature_id="sig-amd-2"),
    )
    await sleep_until(env, datetime(2027, 4, 1, tzinfo=UTC))
    await handle.execute_update(
        MissionWorkflow.terminate,
        TerminationRequest("client", "cession", "2027-04-01", "staff-1"),
    )
    return handle


def amendment_draft(amendment_id: str, effective: str) -> AmendmentDraft:
    return AmendmentDraft(
        amendment_id,
        effective,
        "embauche",
        [*DRAFT.lines, LineInput("line-2", "svc-2", "PAIE", "Paie", "", "45.00", "monthly")],
        "staff-1",
    )


async def to_amendment_awaiting_signature(handle: Handle, draft: AmendmentDraft) -> None:
    await handle.execute_update(MissionWorkflow.draft_amendment, draft)
    letter = AmendmentLetterRequest(
        draft.amendment_id, "default", "folder-1", "staff-1", "rep-1", "staff-1"
    )
    await handle.execute_update(MissionWorkflow.generate_amendment_letter, letter)
    await handle.execute_update(
        MissionWorkflow.request_amendment_signature,
        AmendmentSignatureAsk(draft.amendment_id, "yousign", "staff-1"),
    )


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


async def reminded_polled(env: WorkflowEnvironment) -> Handle:
    """Two reminders, then the webhooks are lost: a poll finds the client's signature."""
    handle = await create(
        env, "reminded_polled", signature_reminder_interval_days=2, signature_poll_after_hours=100
    )
    await to_awaiting_signature(handle)
    await env.sleep(timedelta(days=4, hours=5))
    return handle  # the stand-in provider answers "done" to the poll at 100 h


async def continued_as_new(env: WorkflowEnvironment) -> Handle:
    """Daily reminders overflow a small history bound: the mission continues as new."""
    handle = await create(
        env,
        "continued_as_new",
        signature_reminder_interval_days=1,
        signature_reminder_max=10,
        signature_poll_after_hours=0,
        history_event_limit=60,
    )
    await to_awaiting_signature(handle)
    await env.sleep(timedelta(days=12))
    latest = env.client.get_workflow_handle(handle.id)
    await latest.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
    return handle  # the first run's history, which ends in continue-as-new


# name -> (drive the mission, the status it must end in)
PATHS: dict[str, tuple[Callable[[WorkflowEnvironment], Awaitable[Handle]], str]] = {
    "signed": (signed, "completed"),
    "declined": (declined, "declined"),
    "expired": (expired, "expired"),
    "cancelled": (cancelled, "cancelled"),
    "regenerated": (regenerated, "completed"),
    "service_request": (service_request, "cancelled"),
    "reminded_polled": (reminded_polled, "completed"),
    "continued_as_new": (continued_as_new, "completed"),
    "renewed": (renewed, "terminated"),
    "terminated": (terminated, "terminated"),
    "amended": (amended, "terminated"),
}
# Paths whose client is a consumer (renewal notices).
CONSUMER_PATHS = {"renewed"}
# The stand-in provider's answer to a status poll, per path (default: still ongoing).
PROVIDER_STATUS = {
    "reminded_polled": ProviderStatus("done", ["client@x.fr", "firm@x.fr"]),
    "amended": ProviderStatus("ongoing", ["client@x.fr"]),
}


async def record(name: str, directory: Path = HISTORIES) -> Path:
    drive, expected = PATHS[name]
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        test_server_existing_path=str(TEMPORAL_TEST_SERVER),
    ) as env:
        await register_search_attributes(env.client)
        recorder = Recorder()
        if name in PROVIDER_STATUS:
            recorder.provider_status = PROVIDER_STATUS[name]
        recorder.consumer = name in CONSUMER_PATHS
        activities = recorder.activities()
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
        first_run = handle.first_execution_run_id or handle.result_run_id
        history = await env.client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()
        latest = env.client.get_workflow_handle(handle.id)
        last_run_id = (await latest.describe()).run_id
        last_run = await latest.fetch_history()
    path = directory / f"{name}.json"
    write_history(path, history)
    if last_run_id != first_run:
        # A path that continued as new: its last run replays from the carried state.
        write_history(directory / f"{name}.last-run.json", last_run)
    return path


def write_history(path: Path, history: WorkflowHistory) -> None:
    # One event per line: compact, and a re-recording diffs event by event.
    events = [
        json.dumps(event, separators=(",", ":")) for event in history.to_json_dict()["events"]
    ]
    path.write_text('{"events":[\n' + ",\n".join(events) + "\n]}\n")


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
