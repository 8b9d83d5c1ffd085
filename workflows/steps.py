"""The mission's short database steps, run beside the workflow (`local-database-steps`).

A step that only writes a few rows (a transition, the mission's lines, a signer's status, a
period's work) gains nothing from a round trip through Temporal's task queue: scheduling it,
polling for it, reporting it, then a new workflow task to go on. As a local activity it runs in
the worker that holds the workflow task, and the workflow goes on in the same task: creating a
mission is one workflow task instead of three, with two activity tasks fewer. Its result is
kept in the history as a marker, retried like an activity, and it stays at least once, so every
step keeps its idempotency keys.

Steps that call the provider, a relay or LibreOffice stay activities: they are slow, or
belong to the documents queue, or must not hold the workflow task while an outside service
takes its time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.messages import MissionWorkflowState

from workflows.patches import DECLARED_BEFORE_LOCAL_STEPS, LOCAL_DATABASE_STEPS
from workflows.policies import STEP_TIMEOUT


def runs_locally(state: MissionWorkflowState) -> bool:
    """The mission's `local-database-steps` decision, taken at its first database step and
    kept for its life: a mission whose history scheduled them as activities goes on that way.
    A run that takes them locally declares its other patches first (workflows/patches.py)."""
    if state.local_steps is None:
        state.local_steps = workflow.patched(LOCAL_DATABASE_STEPS)
    if state.local_steps:
        for patch in DECLARED_BEFORE_LOCAL_STEPS:
            workflow.patched(patch)
    return state.local_steps


async def database_step(
    state: MissionWorkflowState,
    activity: str,
    arg: Any,
    *,
    retry_policy: RetryPolicy,
    result_type: type | None = None,
    timeout: timedelta = STEP_TIMEOUT,
) -> Any:
    """Run one of the missions queue's database activities, locally when the mission does."""
    run = workflow.execute_local_activity if runs_locally(state) else workflow.execute_activity
    return await run(
        activity,
        arg,
        start_to_close_timeout=timeout,
        retry_policy=retry_policy,
        result_type=result_type,
    )
