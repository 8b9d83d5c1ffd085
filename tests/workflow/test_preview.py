"""LetterPreviewWorkflow on the time-skipping server, with stand-in activities."""

from __future__ import annotations

import uuid

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.errors import NON_RETRYABLE_ERRORS
from contracts.messages import DOCUMENTS_QUEUE, Activities, RenderInput
from workflows.preview import LetterPreviewWorkflow

REQUEST = RenderInput("m-1", 1, "default", "staff-1", "rep-1", "preview/m-1.docx", "2027-01-04")


@pytest.mark.parametrize("error_type", NON_RETRYABLE_ERRORS)
async def test_an_error_retrying_cannot_fix_is_tried_once(
    env: WorkflowEnvironment, error_type: str
) -> None:
    # The activity does not mark the error non-retryable itself: the policy must know the type.
    attempts: list[int] = []

    @activity.defn(name=Activities.render_letter)
    async def render_letter(request: RenderInput) -> str:
        attempts.append(activity.info().attempt)
        raise ApplicationError("the letter cannot be rendered", type=error_type)

    # The preview always renders on the documents queue: a worker of its own on this server.
    async with Worker(
        env.client,
        task_queue=DOCUMENTS_QUEUE,
        workflows=[LetterPreviewWorkflow],
        activities=[render_letter],
    ):
        with pytest.raises(WorkflowFailureError) as failure:
            await env.client.execute_workflow(
                LetterPreviewWorkflow.run,
                REQUEST,
                id=f"preview-{uuid.uuid4()}",
                task_queue=DOCUMENTS_QUEUE,
            )
    assert isinstance(failure.value.cause, ActivityError)
    assert isinstance(failure.value.cause.cause, ApplicationError)
    assert failure.value.cause.cause.type == error_type
    assert attempts == [1]
