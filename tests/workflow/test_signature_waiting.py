"""Waiting for signatures on the time-skipping server: reminders, the status poll that makes
up for lost webhooks, expiry, and continue-as-new over a long wait."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from contracts.ids import mission_workflow_id
from contracts.messages import (
    MissionStart,
    MissionState,
    MissionWorkflowState,
    ProviderStatus,
    SignatureEvent,
)
from contracts.search_attributes import LETTER_VERSION, MISSION_STATUS
from domain.payloads import data_converter
from tests.workflow.standins import Recorder
from tests.workflow.test_mission_workflow import create, finish, running, to_awaiting_signature
from workflows.mission import MissionWorkflow


async def state_after(
    env: WorkflowEnvironment,
    handle: WorkflowHandle,
    wait: timedelta,
    until: Callable[[MissionState], bool] = lambda _: True,
) -> MissionState:
    """Skip ``wait`` of workflow time, then the latest run's state once ``until`` holds
    (the activities the timers started may still be finishing)."""
    await env.sleep(wait)
    latest = env.client.get_workflow_handle(handle.id, result_type=MissionState)
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        state: MissionState = await latest.query(MissionWorkflow.snapshot)
        if until(state) or asyncio.get_running_loop().time() > deadline:
            return state
        await asyncio.sleep(0.05)


async def test_reminders_follow_the_firms_schedule_and_stop_at_the_maximum(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(
            env,
            queue,
            signature_reminder_interval_days=7,
            signature_reminder_max=3,
            signature_poll_after_hours=0,
        )
        await to_awaiting_signature(handle)
        assert (await state_after(env, handle, timedelta(days=6))).reminders_sent == 0
        day_8 = await state_after(env, handle, timedelta(days=2), lambda s: s.reminders_sent >= 1)
        assert day_8.reminders_sent == 1
        day_22 = await state_after(env, handle, timedelta(days=14), lambda s: s.reminders_sent >= 3)
        assert (day_22.reminders_sent, day_22.status) == (3, "awaiting_signature")
        day_29 = await state_after(env, handle, timedelta(days=7))
        assert day_29.reminders_sent == 3
        await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
        final = await finish(env, handle)
    assert final.status == "completed"
    assert [c for c in recorder.calls if c.startswith("remind")] == [
        "remind:1",
        "remind:2",
        "remind:3",
    ]


async def test_a_lost_webhook_is_made_up_for_by_asking_the_provider(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(
            env, queue, signature_reminder_interval_days=0, signature_poll_after_hours=24
        )
        await to_awaiting_signature(handle)
        # The client signed, but neither webhook reached Sceau.
        recorder.provider_status = ProviderStatus("ongoing", ["client@x.fr"])
        partial = await state_after(
            env, handle, timedelta(hours=25), lambda s: bool(s.signers_done)
        )
        assert (partial.status, partial.signers_done) == ("awaiting_signature", ["client@x.fr"])
        recorder.provider_status = ProviderStatus("done", ["client@x.fr", "firm@x.fr"])
        # (The shared test server's clock may already be past the period: active, then done.)
        signed = await state_after(
            env, handle, timedelta(hours=24), lambda s: s.status in ("active", "completed")
        )
        assert signed.status in ("active", "completed")
        final = await finish(env, handle)
    assert final.status == "completed"
    assert recorder.calls.count("file_signed") == 1
    # Signed: the work opens period by period from then on (tests/workflow/test_periods.py).
    assert recorder.calls.count("open_work") >= 1
    assert recorder.statuses[-4:] == ["awaiting_signature", "signed", "active", "completed"]


async def test_no_poll_while_events_keep_arriving(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(
            env, queue, signature_reminder_interval_days=0, signature_poll_after_hours=24
        )
        await to_awaiting_signature(handle)
        await env.sleep(timedelta(hours=20))
        await handle.signal(
            MissionWorkflow.signature_event,
            SignatureEvent("e1", "signer_done", signer_email="client@x.fr"),
        )
        # 30 h after sending, 10 h after the last event: nothing to ask yet.
        await state_after(env, handle, timedelta(hours=10))
        assert "poll" not in recorder.calls
        await state_after(env, handle, timedelta(hours=15))
        assert recorder.calls.count("poll") == 1
        await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e2", "done"))
        assert (await finish(env, handle)).status == "completed"


async def test_a_decline_found_by_polling_keeps_its_reason_and_sets_a_follow_up(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder(provider_status=ProviderStatus("declined", reason="trop cher"))
    async with running(env, recorder) as queue:
        handle = await create(env, queue, signature_poll_after_hours=24)
        await to_awaiting_signature(handle)
        final = await finish(env, handle)
    assert final.status == "declined"
    assert "follow_up:trop cher" in recorder.calls
    assert "open_work" not in recorder.calls


async def test_a_provider_refusing_reminders_and_polls_does_not_fail_the_mission(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder(provider_refuses=True)
    async with running(env, recorder) as queue:
        handle = await create(env, queue)
        await to_awaiting_signature(handle)
        waited = await state_after(env, handle, timedelta(days=8), lambda s: s.reminders_sent > 0)
        assert (waited.status, waited.reminders_sent) == ("awaiting_signature", 1)
        await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
        assert (await finish(env, handle)).status == "completed"
    assert "remind:1" in recorder.calls
    assert recorder.calls.count("poll") >= 7


async def test_expires_after_thirty_days_having_reminded_and_polled(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(env, queue, signature_expiry_days=30)
        await to_awaiting_signature(handle)
        day_29 = await state_after(env, handle, timedelta(days=29))
        assert day_29.status == "awaiting_signature"
        final = await finish(env, handle)
    assert final.status == "expired"
    waited = datetime.fromisoformat(recorder.times["expired"]) - datetime.fromisoformat(
        recorder.times["awaiting_signature"]
    )
    assert timedelta(days=30) <= waited < timedelta(days=30, hours=1)
    # Defaults: a reminder every 7 days (at most 3), a poll after each silent day.
    assert [c for c in recorder.calls if c.startswith("remind")] == [
        "remind:1",
        "remind:2",
        "remind:3",
    ]
    assert recorder.calls.count("poll") == 29
    assert recorder.calls[-1] == "cancel_at_provider"


async def test_a_long_wait_continues_as_new_and_keeps_the_missions_state(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    async with running(env, recorder) as queue:
        handle = await create(
            env,
            queue,
            signature_expiry_days=60,
            signature_reminder_interval_days=1,
            signature_reminder_max=10,
            signature_poll_after_hours=12,
            history_event_limit=60,
        )
        await to_awaiting_signature(handle)
        await handle.signal(
            MissionWorkflow.signature_event,
            SignatureEvent("e1", "signer_done", signer_email="client@x.fr"),
        )
        waited = await state_after(
            env, handle, timedelta(days=12), lambda s: s.reminders_sent == 10 and s.runs > 1
        )
        assert waited.runs > 1
        assert (waited.status, waited.reminders_sent) == ("awaiting_signature", 10)
        assert waited.signers_done == ["client@x.fr"]
        assert waited.letter_document_ids == ["doc-v1"]
        latest = env.client.get_workflow_handle(handle.id, result_type=MissionState)
        description = await latest.describe()
        assert description.run_id != handle.result_run_id
        assert description.typed_search_attributes.get(MISSION_STATUS) == "awaiting_signature"
        # The new run shows operators the same view as the last one.
        assert description.typed_search_attributes.get(LETTER_VERSION) == 1
        assert await description.memo() == {"status": "awaiting_signature", "letter_version": 1}
        # An event delivered again after the new run started is still recognised.
        await latest.signal(
            MissionWorkflow.signature_event,
            SignatureEvent("e1", "signer_done", signer_email="client@x.fr"),
        )
        await latest.signal(MissionWorkflow.signature_event, SignatureEvent("e2", "done"))
        final = await finish(env, latest)
    assert final.status == "completed"
    assert final.signers_done == ["client@x.fr"]
    assert final.reminders_sent == 10
    assert recorder.calls.count("signature:ongoing") == 1
    assert recorder.calls.count("open_work") >= 1
    assert recorder.statuses == [
        "draft",
        "letter_generated",
        "awaiting_signature",
        "signed",
        "active",
        "completed",
    ]


async def test_a_run_carried_with_pending_signals_handles_the_events_then_the_cancel(
    env: WorkflowEnvironment,
) -> None:
    # A state as a run continuing as new carried it before the workflow held it in one piece.
    now = await env.get_current_time()
    carried = {
        "status": "awaiting_signature",
        "seq": 3,
        "period_end": "2027-12-31",
        "letter": None,
        "letter_version": 1,
        "letter_document_ids": ["doc-v1"],
        "signature": {"signature_id": "sig-1", "provider_request_id": "p-1", "status": "ongoing"},
        "sent_at": now.isoformat(),
        "signers_done": [],
        "seen_event_ids": ["e1", "e2"],
        "pending_events": [{"event_id": "e1", "kind": "signer_done", "signer_email": "a@x.fr"}],
        "pending_cancel": {"by": "staff-1", "reason": "the client left"},
        "reminders_sent": 0,
        "last_heard_at": now.isoformat(),
        "polls": 0,
        "signature_timers": True,
        "runs": 3,
    }
    payload = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(carried).encode())
    [state] = data_converter.payload_converter.from_payloads([payload], [MissionWorkflowState])
    recorder = Recorder()
    async with running(env, recorder) as queue:
        mission_id = str(uuid.uuid4())
        handle = await env.client.start_workflow(
            MissionWorkflow.run,
            MissionStart(mission_id, "firm-1", "client-1", carried=state),
            id=mission_workflow_id(mission_id),
            task_queue=queue,
        )
        final = await finish(env, handle)
    assert recorder.calls == ["signature:ongoing", "cancel_at_provider"]
    assert recorder.statuses == ["cancelled"]
    assert (final.status, final.signers_done, final.runs) == ("cancelled", ["a@x.fr"], 3)
