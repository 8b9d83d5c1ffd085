"""LetterPreviewWorkflow: render and convert a letter exactly as the real one, file nothing."""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.errors import NON_RETRYABLE_ERRORS
    from contracts.messages import DOCUMENTS_QUEUE, RenderInput

from workflows.letter_pdf import render_letter_pdf

# Someone waits for the preview: three attempts at most, and none more for an error that
# retrying cannot fix (a bad template or input, a missing representative).
PREVIEW_RETRY = RetryPolicy(maximum_attempts=3, non_retryable_error_types=NON_RETRYABLE_ERRORS)


@workflow.defn
class LetterPreviewWorkflow:
    @workflow.run
    async def run(self, request: RenderInput) -> str:
        """Returns the PDF's scratch name; the caller reads it and removes it."""
        return await render_letter_pdf(
            request, task_queue=DOCUMENTS_QUEUE, retry_policy=PREVIEW_RETRY
        )
