"""MissionWorkflow on the time-skipping server, with stand-in activities."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.client import (
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.messages import (
    CancelRequest,
    LetterRequest,
    LineChange,
    LineInput,
    MissionDraft,
    MissionStart,
    MissionState,
    RequestOpened,
    SignatureAsk,
    SignatureEvent,
)
from contracts.search_attributes import CLIENT_ID, FIRM_ID, LETTER_VERSION, MISSION_STATUS
from tests.workflow.standins import Recorder
from workflows.mission import MissionWorkflow

DRAFT = MissionDraft(
    name="Tenue comptable 2027",
    period_start="2027-01-01",
    period_end="2027-12-31",
    frequency="monthly",
    lines=[LineInput("line-1", "svc-1", "TC", "Tenue", "", "100.00", "monthly")],
    by="staff-1",
    # Ends with its period, so that these paths finish; renewals are in test_periods.py.
    renewal="none",
)
LETTER = LetterRequest("default", "folder-1", "staff-1", "rep-1", "staff-1")


@asynccontextmanager
async def running(env: WorkflowEnvironment, recorder: Recorder) -> AsyncIterator[str]:
    queue = f"missions-{uuid.uuid4()}"
    activities = recorder.activities()
    async with (
        Worker(env.client, task_queue=queue, workflows=[MissionWorkflow], activities=activities),
        Worker(env.client, task_queue=f"{queue}-documents", activities=activities),
    ):
        yield queue


async def create(env: WorkflowEnvironment, queue: str, **options: Any) -> WorkflowHandle:
    """A draft mission; ``options`` override MissionStart's fields (timers, history bound)."""
    mission_id = str(uuid.uuid4())
    start = MissionStart(
        mission_id, "firm-1", "client-1", documents_queue=f"{queue}-documents", **options
    )
    operation = WithStartWorkflowOperation(
        MissionWorkflow.run,
        start,  # type: ignore[arg-type]
        id=f"mission-{mission_id}",
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    state = await env.client.execute_update_with_start_workflow(
        MissionWorkflow.create_mission, DRAFT, start_workflow_operation=operation
    )
    assert state.status == "draft"
    return await operation.workflow_handle()


async def finish(env: WorkflowEnvironment, handle: WorkflowHandle) -> MissionState:
    # The test server answers a result() poll that spans a skipped timer with no close
    # event, so skip the clock past any deadline first, then read the result.
    await env.sleep(timedelta(days=500))
    return await handle.result()


async def to_awaiting_signature(handle: WorkflowHandle) -> None:
    await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
    await handle.execute_update(MissionWorkflow.request_signature, SignatureAsk("yousign", "s"))


async def test_signed_path_runs_to_completion(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        first = await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
        await handle.execute_update(MissionWorkflow.change_line, LineChange("line-1", "s", "90.00"))
        second = await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
        assert (first.version, second.version) == (1, 2)
        started = await handle.execute_update(
            MissionWorkflow.request_signature, SignatureAsk("yousign", "s")
        )
        assert started.provider_request_id == "provider-1"
        await handle.signal(
            MissionWorkflow.signature_event,
            SignatureEvent("e1", "signer_done", signer_email="a@x.fr"),
        )
        await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e2", "done"))
        final = await finish(env, handle)
    assert final.status == "completed"
    assert recorder.statuses == [
        "draft",
        "letter_generated",
        "letter_generated",
        "awaiting_signature",
        "signed",
        "active",
        "completed",
    ]
    assert final.signers_done == ["a@x.fr"]
    assert final.signature is not None and final.signature.status == "done"
    # The work opens period by period: on signature, then at each month's opening.
    assert recorder.calls.count("create_work") == 0
    assert recorder.calls.count("open_work") >= 1
    assert "send:v2" in recorder.calls


async def test_request_opens_the_mission_then_the_firm_creates_it(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        mission_id = str(uuid.uuid4())
        operation = WithStartWorkflowOperation(
            MissionWorkflow.run,
            MissionStart(mission_id, "f", "c", service_request_id="req-1"),
            id=f"mission-{mission_id}",
            task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        opened = await env.client.execute_update_with_start_workflow(
            MissionWorkflow.open_request,
            RequestOpened("client-user", "req-1"),
            start_workflow_operation=operation,
        )
        assert opened.status == "requested"
        handle = await operation.workflow_handle()
        state = await handle.execute_update(MissionWorkflow.create_mission, DRAFT)
        assert state.status == "draft"
        await handle.signal(MissionWorkflow.cancel, CancelRequest("staff", "client changed mind"))
        assert (await finish(env, handle)).status == "cancelled"
    assert recorder.statuses == ["requested", "draft", "cancelled"]


async def test_declined(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        await to_awaiting_signature(handle)
        await handle.signal(
            MissionWorkflow.signature_event, SignatureEvent("e1", "declined", reason="prix")
        )
        assert (await finish(env, handle)).status == "declined"
    assert recorder.statuses[-1] == "declined"
    assert "signature:declined" in recorder.calls
    assert "open_work" not in recorder.calls
    # The firm gets one task to follow the refusal up, with the signer's reason.
    assert [c for c in recorder.calls if c.startswith("follow_up")] == ["follow_up:prix"]


async def test_expires_after_thirty_days_without_signature(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        await to_awaiting_signature(handle)
        final = await finish(env, handle)
    assert final.status == "expired"
    waited = datetime.fromisoformat(recorder.times["expired"]) - datetime.fromisoformat(
        recorder.times["awaiting_signature"]
    )
    assert timedelta(days=30) <= waited < timedelta(days=31)
    assert "cancel_at_provider" in recorder.calls


async def test_cancel_while_waiting_cancels_at_the_provider(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        await to_awaiting_signature(handle)
        await handle.signal(MissionWorkflow.cancel, CancelRequest("staff", "abandon"))
        assert (await finish(env, handle)).status == "cancelled"
    assert recorder.calls[-1] == "cancel_at_provider"


async def test_rejected_updates_change_nothing(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        calls_before, statuses_before = list(recorder.calls), list(recorder.statuses)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                MissionWorkflow.request_signature, SignatureAsk("yousign", "s")
            )
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(MissionWorkflow.create_mission, DRAFT)
        assert (recorder.calls, recorder.statuses) == (calls_before, statuses_before)
        await to_awaiting_signature(handle)
        frozen_calls = list(recorder.calls)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                MissionWorkflow.change_line, LineChange("line-1", "s", "1.00")
            )
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
        assert recorder.calls == frozen_calls
        assert (await handle.query(MissionWorkflow.snapshot)).status == "awaiting_signature"
        await handle.signal(MissionWorkflow.cancel, CancelRequest("staff"))
        await finish(env, handle)


async def test_a_redelivered_event_is_applied_once(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        await to_awaiting_signature(handle)
        for _ in range(3):
            await handle.signal(MissionWorkflow.signature_event, SignatureEvent("same", "done"))
        await handle.signal(MissionWorkflow.cancel, CancelRequest("staff", "stop"))
        final = await finish(env, handle)
    assert recorder.calls.count("open_work") == 1
    assert recorder.statuses.count("signed") == 1
    assert final.status == "cancelled"


async def test_a_broken_template_fails_the_update_and_keeps_the_draft(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder(fail_render_with="unknown variable")
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
        assert (await handle.query(MissionWorkflow.snapshot)).status == "draft"
        await handle.signal(MissionWorkflow.cancel, CancelRequest("staff"))
        await finish(env, handle)
    assert recorder.statuses == ["draft", "cancelled"]


async def test_operators_see_the_status_and_letter_version(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
        await handle.execute_update(MissionWorkflow.generate_letter, LETTER)
        described = await handle.describe()
        attributes = described.typed_search_attributes
        assert attributes.get(MISSION_STATUS) == "letter_generated"
        assert attributes.get(LETTER_VERSION) == 2
        assert (attributes.get(FIRM_ID), attributes.get(CLIENT_ID)) == ("firm-1", "client-1")
        assert await described.memo() == {"status": "letter_generated", "letter_version": 2}
        await handle.signal(MissionWorkflow.cancel, CancelRequest("staff"))
        await finish(env, handle)
        ended = await handle.describe()
    assert ended.typed_search_attributes.get(MISSION_STATUS) == "cancelled"
    assert await ended.memo() == {"status": "cancelled", "letter_version": 2}
