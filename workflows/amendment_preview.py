"""AmendmentPreviewWorkflow: render and convert an amendment's letter exactly as the real one,
file nothing."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.messages import DOCUMENTS_QUEUE, AmendmentRenderInput

from workflows.amendments import render_amendment_pdf
from workflows.preview import PREVIEW_RETRY


@workflow.defn
class AmendmentPreviewWorkflow:
    @workflow.run
    async def run(self, request: AmendmentRenderInput) -> str:
        """Returns the PDF's scratch name; the caller reads it and removes it."""
        return await render_amendment_pdf(
            request, task_queue=DOCUMENTS_QUEUE, retry_policy=PREVIEW_RETRY
        )
