"""After the signature, on the time-skipping server: work opened period by period, tacit
renewal, termination, the consumer's renewal notice, and each period's work created once
whatever a worker does."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

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
    MissionDraft,
    MissionStart,
    MissionWorkflowState,
    SignatureEvent,
    TerminationRequest,
)
from contracts.search_attributes import RENEWAL_DATE
from domain.period import FirmClock, consumer_notice_window
from tests.workflow.standins import Recorder
from tests.workflow.test_mission_workflow import DRAFT, to_awaiting_signature
from workflows.mission import MissionWorkflow

PARIS = FirmClock()
# A monthly bookkeeping mission for one calendar year, renewed tacitly (the default).
TACIT = replace(DRAFT, renewal="tacit")


@asynccontextmanager
async def worker(
    env: WorkflowEnvironment, recorder: Recorder, queue: str, cached: bool = True
) -> AsyncIterator[None]:
    """The mission's workers; ``cached=False``: no copy of the workflow kept between tasks, so
    that another worker can take it over at once (the test server has no sticky timeout)."""
    activities = recorder.activities()
    async with (
        Worker(
            env.client,
            task_queue=queue,
            workflows=[MissionWorkflow],
            activities=activities,
            max_cached_workflows=100 if cached else 0,
        ),
        Worker(env.client, task_queue=f"{queue}-documents", activities=activities),
    ):
        yield


async def signed_mission(
    env: WorkflowEnvironment, queue: str, draft: MissionDraft = TACIT
) -> tuple[WorkflowHandle, int]:
    """A mission for next calendar year year (the test server's clock moves on from test to
    test), signed now; the handle and year."""
    year = (await env.get_current_time()).year + 1
    draft = replace(draft, period_start=f"{year}-01-01", period_end=f"{year}-12-31")
    mission_id = str(uuid.uuid4())
    start = MissionStart(mission_id, "firm-1", "client-1", documents_queue=f"{queue}-documents")
    operation = WithStartWorkflowOperation(
        MissionWorkflow.run,
        start,  # type: ignore[arg-type]
        id=f"mission-{mission_id}",
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    await env.client.execute_update_with_start_workflow(
        MissionWorkflow.create_mission, draft, start_workflow_operation=operation
    )
    handle = await operation.workflow_handle()
    await to_awaiting_signature(handle)
    await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
    for _ in range(100):
        if (await handle.query(MissionWorkflow.snapshot)).status == "active":
            return latest(env, handle), year
        await asyncio.sleep(0.05)
    raise AssertionError("the mission never became active")


def latest(env: WorkflowEnvironment, handle: WorkflowHandle) -> WorkflowHandle:
    """The mission's current run, whatever continue-as-new has done."""
    return env.client.get_workflow_handle_for(MissionWorkflow.run, handle.id)  # type: ignore[arg-type]


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    assert moment > now, f"the test server's clock is already at {now}"
    await env.sleep(moment - now)


def at_paris_midnight(day: date) -> datetime:
    return PARIS.day_starts(day)


def per_year(recorder: Recorder) -> Counter[int]:
    return Counter(start.year for start in recorder.work.starts.values())


async def test_a_monthly_mission_renewed_for_three_years_opens_each_month_once(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        # Signed before its period starts: nothing is open yet.
        assert recorder.work.created == {}
        assert recorder.statuses[-1] == "active"
        await sleep_until(env, datetime(year + 3, 1, 2, tzinfo=UTC))
        state = await latest(env, handle).query(MissionWorkflow.snapshot)
        described = await latest(env, handle).describe()
        await latest(env, handle).terminate("end of test")
    assert state.status == "active"
    assert per_year(recorder) == {year: 12, year + 1: 12, year + 2: 12, year + 3: 1}
    assert recorder.work.inserts == len(recorder.work.created) == 37
    for key, created in recorder.work.created.items():
        opening = at_paris_midnight(recorder.work.starts[key])
        # Each month's work is created when the month begins in Paris, not at UTC midnight.
        assert opening <= created < opening + timedelta(minutes=1), key
    assert recorder.calls.count("renew:1") == recorder.calls.count("renew:3") == 1
    renewed_at = datetime.fromisoformat(recorder.times["renewed:1"])
    assert at_paris_midnight(date(year + 1, 1, 1)) <= renewed_at
    assert renewed_at < at_paris_midnight(date(year + 1, 1, 1)) + timedelta(minutes=1)
    # One run per period: the fourth period's run, its renewal date for operators.
    assert state.runs == 4
    assert described.typed_search_attributes.get(RENEWAL_DATE) == at_paris_midnight(
        date(year + 4, 1, 1)
    )
    memo = await described.memo()
    assert memo["current_period"] == {"start": f"{year + 3}-01-01", "end": f"{year + 3}-12-31"}
    assert memo["next_wake_up"] == at_paris_midnight(date(year + 3, 2, 1)).isoformat()


async def test_termination_with_notice_ends_at_the_period_end(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 3, 1, 12, tzinfo=UTC))
        recorded = await handle.execute_update(
            MissionWorkflow.terminate,
            TerminationRequest("client", "départ à la retraite", f"{year}-03-01", "staff-1"),
        )
        assert recorded.effective_on == f"{year}-12-31"
        # A second termination is refused before it reaches the history.
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                MissionWorkflow.terminate,
                TerminationRequest("firm", "again", f"{year}-03-02", "staff-1"),
            )
        await sleep_until(env, datetime(year + 1, 6, 1, tzinfo=UTC))
        final = await handle.result()
    assert final.status == "terminated"
    assert recorder.statuses[-2:] == ["active", "terminated"]
    assert "renewed" not in recorder.statuses
    assert per_year(recorder) == {year: 12}
    assert f"end_work:{year}-12-31" in recorder.calls
    terminated_at = datetime.fromisoformat(recorder.times["terminated"])
    assert at_paris_midnight(date(year + 1, 1, 1)) <= terminated_at
    assert terminated_at < at_paris_midnight(date(year + 1, 1, 1)) + timedelta(minutes=1)


async def test_termination_without_notice_ends_a_period_later(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 11, 15, 12, tzinfo=UTC))
        recorded = await handle.execute_update(
            MissionWorkflow.terminate,
            TerminationRequest("firm", "impayés", f"{year}-11-15", "staff-1"),
        )
        # Notice was due by 30 September for 31 December: the mission runs one more period.
        assert recorded.effective_on == f"{year + 1}-12-31"
        await sleep_until(env, datetime(year + 2, 3, 1, tzinfo=UTC))
        final = await latest(env, handle).result()
    assert final.status == "terminated"
    assert recorder.statuses.count("renewed") == 1
    assert recorder.statuses[-1] == "terminated"
    assert per_year(recorder) == {year: 12, year + 1: 12}
    assert f"end_work:{year + 1}-12-31" in recorder.calls
    terminated_at = datetime.fromisoformat(recorder.times["terminated"])
    assert at_paris_midnight(date(year + 2, 1, 1)) <= terminated_at
    assert terminated_at < at_paris_midnight(date(year + 2, 1, 1)) + timedelta(minutes=1)


async def test_an_agreed_end_comes_earlier(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 3, 10, tzinfo=UTC))
        recorded = await handle.execute_update(
            MissionWorkflow.terminate,
            TerminationRequest("client", "cession", f"{year}-03-10", "staff-1", f"{year}-04-30"),
        )
        assert recorded.effective_on == f"{year}-04-30"
        await sleep_until(env, datetime(year, 8, 1, tzinfo=UTC))
        final = await handle.result()
    assert final.status == "terminated"
    # No work opens after the last day: January to April only.
    assert per_year(recorder) == {year: 4}


async def test_a_consumer_gets_one_renewal_notice_a_year_inside_its_window(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder(consumer=True)
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year + 3, 1, 2, tzinfo=UTC))
        await latest(env, handle).terminate("end of test")
    assert [number for number, _ in recorder.notices] == [0, 1, 2]
    for (number, at), period_end in zip(
        recorder.notices,
        (date(year, 12, 31), date(year + 1, 12, 31), date(year + 2, 12, 31)),
        strict=True,
    ):
        first, last = consumer_notice_window(period_end, notice_months=3)
        sent = datetime.fromisoformat(at)
        assert PARIS.day_starts(first) <= sent < PARIS.day_starts(last + timedelta(days=1)), number


async def test_a_non_renewing_mission_completes_at_its_period_end(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder(consumer=True)
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue, replace(TACIT, renewal="none"))
        await sleep_until(env, datetime(year + 1, 2, 1, tzinfo=UTC))
        final = await handle.result()
    assert final.status == "completed"
    assert per_year(recorder) == {year: 12}
    # Nothing renews, so there is nothing to warn a consumer of.
    assert recorder.notices == []
    completed_at = datetime.fromisoformat(recorder.times["completed"])
    assert at_paris_midnight(date(year + 1, 1, 1)) <= completed_at


async def test_a_retried_opening_creates_the_work_once(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        # The next three openings each die once after writing, before reporting.
        recorder.open_work_failures = 3
        await sleep_until(env, datetime(year, 6, 15, tzinfo=UTC))
        await handle.terminate("end of test")
    assert recorder.open_work_failures == 0
    assert per_year(recorder) == {year: 6}
    assert recorder.work.inserts == len(recorder.work.created) == 6


async def test_a_worker_restarted_between_openings_creates_each_period_once(
    env: WorkflowEnvironment,
) -> None:
    first = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, first, queue, cached=False):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 3, 15, tzinfo=UTC))
    # Another worker, with no cached copy of the mission, picks it up at the April opening:
    # it replays the history from the start before it opens April.
    second = Recorder(lines=first.lines, work=first.work)
    async with worker(env, second, queue):
        await sleep_until(env, datetime(year + 1, 1, 15, tzinfo=UTC))
        await latest(env, handle).terminate("end of test")
    assert per_year(first) == {year: 12, year + 1: 1}
    assert first.work.inserts == len(first.work.created) == 13
    # The replay ran none of the first worker's activities again: each opening once.
    assert first.calls.count("open_work") == 4  # on signature, then January to March
    assert second.calls.count("open_work") == 10  # April to December, then January
    assert "save:1" not in second.calls


async def test_a_mission_drafted_before_periods_takes_its_period_from_its_row(
    env: WorkflowEnvironment,
) -> None:
    """A draft carried by a run that kept only the period's end (and no renewal terms): once
    signed, its work opens by period and it renews as its row says."""
    year = (await env.get_current_time()).year + 1
    recorder = Recorder(row_period=(f"{year}-01-01", f"{year}-12-31"))
    recorder.lines = list(DRAFT.lines)
    queue = f"missions-{uuid.uuid4()}"
    mission_id = str(uuid.uuid4())
    carried = MissionWorkflowState(status="draft", seq=1, period_end=f"{year}-12-31")
    start = MissionStart(
        mission_id, "firm-1", "client-1", documents_queue=f"{queue}-documents", carried=carried
    )
    async with worker(env, recorder, queue):
        handle = await env.client.start_workflow(
            MissionWorkflow.run, start, id=f"mission-{mission_id}", task_queue=queue
        )
        await to_awaiting_signature(handle)
        await handle.signal(MissionWorkflow.signature_event, SignatureEvent("e1", "done"))
        await sleep_until(env, datetime(year + 1, 1, 15, tzinfo=UTC))
        described = await latest(env, handle).describe()
        await latest(env, handle).terminate("end of test")
    assert per_year(recorder) == {year: 12, year + 1: 1}
    assert recorder.calls.count("renew:1") == 1
    memo = await described.memo()
    assert memo["current_period"] == {"start": f"{year + 1}-01-01", "end": f"{year + 1}-12-31"}
