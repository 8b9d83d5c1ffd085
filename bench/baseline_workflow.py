"""The lifecycle benchmark's baseline: a workflow running N no-op activities one after another.

It measures what the Temporal server and the SDK cost for as many activities as a mission's
lifecycle runs, with no database, rendering or provider behind them.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

BASELINE_QUEUE = "bench-baseline"


@activity.defn(name="noop")
async def noop(step: int) -> int:
    return step


@workflow.defn(name="BaselineWorkflow")
class BaselineWorkflow:
    @workflow.run
    async def run(self, activities: int) -> int:
        for step in range(activities):
            await workflow.execute_activity(
                noop, step, start_to_close_timeout=timedelta(seconds=30)
            )
        return activities
