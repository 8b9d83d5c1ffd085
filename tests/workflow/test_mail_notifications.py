"""The mission's e-mails on the time-skipping server, with stand-in mail activities: each
occasion mails once, a retried send sends nothing twice, and a relay out of reach never fails
nor holds up the mission."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from temporalio.client import WithStartWorkflowOperation, WorkflowHandle, WorkflowHistory
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment

from contracts.ids import signed_key
from contracts.mail import MAILS_FOR, SEND_MAIL, SEND_OCCASION_MAILS, MailKind
from contracts.messages import MissionStart, MissionState, RequestOpened, SignatureEvent
from tests.workflow.standins import CATALOGUE, SIGNING_LINKS, Recorder
from tests.workflow.test_mission_workflow import DRAFT, to_awaiting_signature
from tests.workflow.test_periods import latest, signed_mission, sleep_until, worker
from workflows.mission import MissionWorkflow
from workflows.notifications import RETRY_MAIL

# The bookkeeping service asks for the month's bank statements as well as its task.
WITH_REQUESTS = {"svc-1": [*CATALOGUE["svc-1"], ("information_request", "Relevés du mois")]}


def with_requests(**options: object) -> Recorder:
    return Recorder(catalogue=WITH_REQUESTS, **options)  # type: ignore[arg-type]


async def requested(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """A mission opened by a client's request, then created by the firm for next year."""
    year = (await env.get_current_time()).year + 1
    mission_id = str(uuid.uuid4())
    operation = WithStartWorkflowOperation(
        MissionWorkflow.run,
        MissionStart(
            mission_id,
            "firm-1",
            "client-1",
            service_request_id="req-1",
            documents_queue=f"{queue}-documents",
        ),  # type: ignore[arg-type]
        id=f"mission-{mission_id}",
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    await env.client.execute_update_with_start_workflow(
        MissionWorkflow.open_request,
        RequestOpened("client-user", "req-1"),
        start_workflow_operation=operation,
    )
    handle = await operation.workflow_handle()
    draft = replace(DRAFT, period_start=f"{year}-01-01", period_end=f"{year}-12-31")
    await handle.execute_update(MissionWorkflow.create_mission, draft)
    return handle


async def finish(env: WorkflowEnvironment, handle: WorkflowHandle) -> MissionState:
    """Past next year's end (the server's clock has moved on from test to test), then the
    result (see test_mission_workflow.finish)."""
    await env.sleep(timedelta(days=800))
    result: MissionState = await handle.result()
    return result


async def signed_through(env: WorkflowEnvironment, recorder: Recorder) -> MissionState:
    """A mission requested by the client, sent for signature, signed, run to its end."""
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle = await requested(env, queue)
        await to_awaiting_signature(handle)
        await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
        return await finish(env, handle)


async def test_each_occasion_mails_once_though_sends_are_retried(
    env: WorkflowEnvironment,
) -> None:
    # The first three sends reach the relay, then their worker dies before it reports.
    recorder = with_requests()
    recorder.mail.fail_after_sending = 3
    final = await signed_through(env, recorder)
    assert final.status == "completed"
    kinds = Counter(occasion.kind for occasion in recorder.mail.occasions)
    # The request, the letter, the signed letter shared, and each month's request.
    assert kinds == {
        MailKind.service_request: 1,
        MailKind.letter_to_sign: 1,
        MailKind.document_shared: 1,
        MailKind.information_request: 12,
    }
    [letter] = [o for o in recorder.mail.occasions if o.kind == MailKind.letter_to_sign]
    assert (letter.letter_version, letter.signing_links) == (1, SIGNING_LINKS)
    assert letter.expires_on  # the link's last day, for the message
    [shared] = [o for o in recorder.mail.occasions if o.kind == MailKind.document_shared]
    assert shared.document_key == signed_key("signed_letter", shared.mission_id, 1)
    # One message per signer for the letter, one for each other occasion: each sent once,
    # the three that failed after sending retried without sending again.
    sent = recorder.mail.sent
    assert len(sent) == len(set(sent)) == 2 + 1 + 1 + 12
    assert sorted(recorder.mail.attempts.values()) == [1] * 16
    assert len(recorder.mail.lost_reports) == 3
    assert set(recorder.mail.found_sent) == set(recorder.mail.lost_reports)


async def test_a_relay_out_of_reach_is_retried_and_sends_once(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    recorder.mail.relay_down_for = 2
    final = await signed_through(env, recorder)
    assert final.status == "completed"
    # The request, each signer's letter, the signed letter: each on its third attempt, once.
    assert sorted(recorder.mail.sent) == sorted(recorder.mail.attempts)
    assert list(recorder.mail.attempts.values()) == [3] * 4


async def test_a_refused_message_never_holds_up_nor_fails_the_mission(
    env: WorkflowEnvironment,
) -> None:
    recorder = with_requests()
    recorder.mail.relay_refuses = True
    final = await signed_through(env, recorder)
    assert final.status == "completed"
    assert recorder.statuses[-1] == "completed"
    assert recorder.mail.sent == []
    assert set(recorder.mail.attempts.values()) == {1}
    assert len(recorder.mail.attempts) == 2 + 1 + 1 + 12


def test_a_relay_out_of_reach_is_given_up_after_a_bounded_wait() -> None:
    # Ten attempts, 1 s to 256 s apart: some eight and a half minutes, then a warning.
    assert RETRY_MAIL.maximum_attempts == 10
    assert RETRY_MAIL.maximum_interval == timedelta(minutes=5)
    waits = [min(2**n, 300) for n in range(RETRY_MAIL.maximum_attempts - 1)]
    assert sum(waits) == 511


async def test_a_declined_letter_mails_the_firm_with_the_reason(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle = await requested(env, queue)
        await to_awaiting_signature(handle)
        await handle.signal(
            MissionWorkflow.signature_event,
            SignatureEvent("e1", "declined", reason="trop cher", signer_email="client@x.fr"),
        )
        final = await finish(env, handle)
    assert final.status == "declined"
    [declined] = [o for o in recorder.mail.occasions if o.kind == MailKind.letter_declined]
    assert (declined.signer_email, declined.reason, declined.letter_version) == (
        "client@x.fr",
        "trop cher",
        1,
    )


async def run_to_expiry(env: WorkflowEnvironment, recorder: Recorder) -> WorkflowHistory:
    """A mission requested by the client whose letter expires unsigned: its history."""
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle = await requested(env, queue)
        await to_awaiting_signature(handle)
        final = await finish(env, handle)  # past the 30 days
        history = await handle.fetch_history()
    assert final.status == "expired"
    return history


async def test_an_expired_letter_mails_the_firm_once(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    await run_to_expiry(env, recorder)
    expired = [o for o in recorder.mail.occasions if o.kind == MailKind.letter_expired]
    assert len(expired) == 1
    [letter] = [o for o in recorder.mail.occasions if o.kind == MailKind.letter_to_sign]
    assert expired[0].expires_on == letter.expires_on


async def test_a_consumer_is_mailed_each_renewal_notice_once(env: WorkflowEnvironment) -> None:
    recorder = Recorder(consumer=True)
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year + 3, 1, 2, tzinfo=UTC))
        await latest(env, handle).terminate("end of test")
    notices = [o for o in recorder.mail.occasions if o.kind == MailKind.renewal_notice]
    # One per renewal, naming the notice filed that year (each run sends before it continues).
    assert [o.document_id for o in notices] == ["notice-0", "notice-1", "notice-2"]
    assert len(recorder.mail.sent) == len(set(recorder.mail.sent))


async def test_a_renewed_run_keeps_the_decision_it_carries(env: WorkflowEnvironment) -> None:
    recorder = with_requests()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year + 1, 1, 2, tzinfo=UTC) + timedelta(hours=1))
        renewed = latest(env, handle)
        history = await renewed.fetch_history()
        await renewed.terminate("end of test")
    assert history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
    # No second decision in the renewed run, yet its January request was mailed.
    markers = [e for e in history.events if e.HasField("marker_recorded_event_attributes")]
    assert markers == []
    requests = [o for o in recorder.mail.occasions if o.kind == MailKind.information_request]
    assert len(requests) == 13


async def test_an_occasion_is_one_activity_task_whatever_its_messages(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    history = await run_to_expiry(env, recorder)
    scheduled = Counter(
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
    )
    # The client's request, the letter to its two signers, its expiry: three activity tasks.
    assert scheduled[SEND_OCCASION_MAILS] == 3
    assert scheduled[MAILS_FOR] == scheduled[SEND_MAIL] == 0
    assert len(recorder.mail.sent) == 1 + len(SIGNING_LINKS) + 1
