"""A one-activity workflow for the tracing test, in a module the workflow sandbox can import."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="traced_step")
async def traced_step() -> str:
    return "done"


@workflow.defn(name="TracedWorkflow")
class TracedWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            traced_step, start_to_close_timeout=timedelta(seconds=10)
        )
