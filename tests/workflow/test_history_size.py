"""How large a mission's history grows: one run per period, each the size of one year's
openings, however many years the mission lives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from tests.workflow.standins import Recorder
from tests.workflow.test_periods import signed_mission, sleep_until, worker
from workflows.mission import MissionWorkflow

# A year of a monthly line: 12 openings (timer, a workflow task, open_work's local-activity
# marker, the operators' memo) and the renewal. Measured: 112 events, 25.6 KB (the signature's
# run with its first year: 217 events, 44.5 KB); 167 and 291 events before the local steps.
# The bounds leave room, far below Temporal's limits (10,240 events, 50 MB) and the
# workflow's own continue-as-new at 5,000 events.
EVENTS_A_YEAR_AT_MOST = 150
BYTES_A_YEAR_AT_MOST = 40_000


def size(history: WorkflowHistory) -> int:
    return sum(event.ByteSize() for event in history.events)


async def runs(env: WorkflowEnvironment, workflow_id: str, first_run: str) -> list[WorkflowHistory]:
    """Each run's history, from the first, following continue-as-new."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = first_run
    while run_id:
        history = await env.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.append(history)
        last = history.events[-1]
        run_id = None
        if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            attributes = last.workflow_execution_continued_as_new_event_attributes
            run_id = attributes.new_execution_run_id
    return histories


async def three_years_of_runs(env: WorkflowEnvironment) -> list[WorkflowHistory]:
    """A monthly mission signed now and renewed tacitly into its fourth year: each run's
    history, the first first."""
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, Recorder(), queue):
        handle, year = await signed_mission(env, queue)
        first = await env.client.get_workflow_handle(handle.id).describe()
        await sleep_until(env, datetime(year + 3, 1, 2, tzinfo=UTC))
        histories = await runs(env, handle.id, first.run_id)
        await env.client.get_workflow_handle_for(MissionWorkflow.run, handle.id).terminate(  # type: ignore[arg-type]
            "end of test"
        )
    return histories


async def test_each_year_of_a_monthly_mission_is_one_run_of_bounded_size(
    env: WorkflowEnvironment,
) -> None:
    histories = await three_years_of_runs(env)
    print(
        "events and bytes per run:",
        [(len(history.events), size(history)) for history in histories],
    )
    # The signature's run (and its first year), then one run per renewed year, then the run
    # sleeping in its fourth year.
    assert len(histories) == 4
    whole_years = histories[1:3]
    for history in whole_years:
        assert len(history.events) <= EVENTS_A_YEAR_AT_MOST, len(history.events)
        assert size(history) <= BYTES_A_YEAR_AT_MOST, size(history)
    # Every renewed year the same size: the history does not grow with the mission's age.
    assert len(whole_years[0].events) == len(whole_years[1].events)
