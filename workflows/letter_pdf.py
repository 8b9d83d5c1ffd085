"""A letter rendered and converted to PDF/A on the documents queue: the mission's letter and
its preview go through the same two activities."""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.messages import (
        DOCUMENT_HEARTBEAT,
        DOCUMENT_TIMEOUT,
        Activities,
        AmendmentRenderInput,
        ConvertInput,
        RenderInput,
    )


async def render_letter_pdf(
    request: RenderInput | AmendmentRenderInput,
    *,
    task_queue: str,
    retry_policy: RetryPolicy,
    render: str = Activities.render_letter,
) -> str:
    """Renders the letter (with ``render``: an amendment's has its own), converts it, and
    returns the PDF's scratch name."""
    docx_name = await workflow.execute_activity(
        render,
        request,
        task_queue=task_queue,
        start_to_close_timeout=DOCUMENT_TIMEOUT,
        heartbeat_timeout=DOCUMENT_HEARTBEAT,
        retry_policy=retry_policy,
        result_type=str,
    )
    return await workflow.execute_activity(
        Activities.convert_to_pdf,
        ConvertInput(docx_name),
        task_queue=task_queue,
        start_to_close_timeout=DOCUMENT_TIMEOUT,
        heartbeat_timeout=DOCUMENT_HEARTBEAT,
        retry_policy=retry_policy,
        result_type=str,
    )
