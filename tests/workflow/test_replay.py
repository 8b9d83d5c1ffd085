"""Replay the recorded histories (tests/histories/*.json) with the current MissionWorkflow.

A change to workflows/mission.py that would break a running mission (a command added, removed
or reordered without workflow.patched) makes these fail. See docs/workflow-changes.md;
record the histories with `python -m tests.workflow.record_histories`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from contracts.messages import Activities, MissionStart, MissionState
from domain.payloads import data_converter
from workflows.mission import MissionWorkflow
from workflows.policies import STEP_TIMEOUT

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
FILES = sorted(HISTORIES.glob("*.json"))
# The paths tests/workflow/record_histories.py records; each must have a history.
PATHS = {
    "signed",
    "declined",
    "expired",
    "cancelled",
    "regenerated",
    "service_request",
    "reminded_polled",
    "continued_as_new",
    "renewed",
    "terminated",
    "amended",
}


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"mission-replay-{path.stem}", path.read_text())


async def replay(workflow_class: type, path: Path) -> None:
    replayer = Replayer(workflows=[workflow_class], data_converter=data_converter)
    await replayer.replay_workflow(load(path))


def test_every_main_path_has_a_history() -> None:
    assert {path.stem for path in FILES} >= PATHS


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
async def test_history_replays_with_the_current_workflow(path: Path) -> None:
    await replay(MissionWorkflow, path)


# --- the replay test can fail -------------------------------------------------------------
# Two edits of the workflow under its real name: one adds an activity before each mission's
# first transition, the other adds the same activity behind workflow.patched. They run outside
# the sandbox, which would otherwise re-import this module and its file reads.


@workflow.defn(name="MissionWorkflow", sandboxed=False)
class UnguardedChange(MissionWorkflow):
    @workflow.run
    async def run(self, start: MissionStart) -> MissionState:
        return await super().run(start)

    async def _transition(self, status: str, by: str, reason: str) -> None:
        if self.state.seq == 0:
            await workflow.execute_activity(
                Activities.change_line, self.start.mission_id, start_to_close_timeout=STEP_TIMEOUT
            )
        await super()._transition(status, by, reason)


@workflow.defn(name="MissionWorkflow", sandboxed=False)
class PatchedChange(MissionWorkflow):
    @workflow.run
    async def run(self, start: MissionStart) -> MissionState:
        return await super().run(start)

    async def _transition(self, status: str, by: str, reason: str) -> None:
        if self.state.seq == 0 and workflow.patched("extra-step-before-first-transition"):
            await workflow.execute_activity(
                Activities.change_line, self.start.mission_id, start_to_close_timeout=STEP_TIMEOUT
            )
        await super()._transition(status, by, reason)


async def test_an_unguarded_change_fails_replay() -> None:
    with pytest.raises(workflow.NondeterminismError):
        await replay(UnguardedChange, HISTORIES / "signed.json")


async def test_the_same_change_behind_workflow_patched_replays() -> None:
    await replay(PatchedChange, HISTORIES / "signed.json")
