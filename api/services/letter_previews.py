"""A letter's preview as PDF: the mission's last one when nothing that goes into it changed,
else rendered by LetterPreviewWorkflow and kept for the next time (domain/letter_previews.py).

"Aperçu" is clicked again and again on a mission that did not change (opening the page, after
choosing a representative back): rendering and converting takes a LibreOffice second or two,
reading the kept PDF a few milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from temporalio.client import Client as TemporalClient
from temporalio.exceptions import ApplicationError

from api import gateway
from api.services.sessions import in_session, in_thread, reading
from contracts.messages import MISSIONS_QUEUE, AmendmentRenderInput, RenderInput
from domain.ged import blob_store
from domain.letter_previews import keep_preview, kept_preview, letter_inputs_digest
from domain.settings import get_settings
from workflows.preview import LetterPreviewWorkflow

# Previews being made in this process, by firm and digest: a second click on the same
# unchanged mission waits for the first one's PDF instead of rendering it again.
_in_flight: dict[tuple[str, str], asyncio.Task[bytes]] = {}


class InputsChanged(Exception):
    """The mission changed between reading its inputs and rendering them: read them again."""


async def preview_pdf(temporal: TemporalClient, firm_id: str, request: RenderInput) -> bytes:
    """The PDF of the letter ``request`` describes, as it would be generated now: the kept one
    when made from the same inputs, else rendered (once for simultaneous clicks) and kept."""
    blobs = blob_store()
    try:
        digest = await in_thread(partial(letter_inputs_digest, request, blobs))
    except ApplicationError as error:  # a representative or the template gone meanwhile
        raise gateway.as_api_error(error) from error
    kept = await reading(
        partial(kept_preview, firm_id=firm_id, mission_id=request.mission_id, digest=digest)
    )
    if kept is not None:
        with contextlib.suppress(FileNotFoundError):  # a blob lost: render it again
            return await in_thread(partial(blobs.get, kept))
    key = (firm_id, digest)
    making = _in_flight.get(key)
    # A task of another event loop (an app restarted in the same process) cannot be awaited.
    if making is None or making.get_loop() is not asyncio.get_running_loop():
        making = asyncio.create_task(_render_and_keep(temporal, firm_id, request, digest))
        _in_flight[key] = making
        making.add_done_callback(partial(_forget, key))
    # Shielded: one caller going away does not cancel the PDF another one waits for.
    return await asyncio.shield(making)


def _forget(key: tuple[str, str], done: asyncio.Task[bytes]) -> None:
    if _in_flight.get(key) is done:
        del _in_flight[key]


async def _render_and_keep(
    temporal: TemporalClient, firm_id: str, request: RenderInput, digest: str
) -> bytes:
    pdf = await run_preview(
        temporal, LetterPreviewWorkflow.run, replace(request, inputs_digest=digest)
    )
    blobs = blob_store()
    pdf_sha256 = await in_thread(partial(blobs.put, pdf))
    await in_session(
        partial(
            keep_preview,
            firm_id=firm_id,
            mission_id=request.mission_id,
            digest=digest,
            pdf_sha256=pdf_sha256,
        )
    )
    return pdf


async def run_preview(
    temporal: TemporalClient,
    preview_run: Callable[[Any, Any], Awaitable[str]],
    request: RenderInput | AmendmentRenderInput,
) -> bytes:
    """A letter or an amendment rendered and converted by a preview workflow (``preview_run``:
    its run method); the PDF's bytes, its scratch files removed."""
    try:
        pdf_name = await temporal.execute_workflow(
            preview_run,
            request,
            id=f"preview-{uuid.uuid4().hex}",
            task_queue=MISSIONS_QUEUE,
        )
    except Exception as error:
        answer = gateway.as_api_error(error)
        # The render's only Conflict: what it read differs from the digest it was given.
        if answer.status == 409:
            raise InputsChanged(answer.message) from error
        raise answer from error
    scratch = get_settings().scratch_dir
    return await in_thread(
        partial(_take_scratch, scratch / pdf_name, scratch / request.scratch_name)
    )


def _take_scratch(pdf: Path, *leftovers: Path) -> bytes:
    """The preview's bytes, its scratch files removed."""
    try:
        return pdf.read_bytes()
    finally:
        for leftover in (pdf, *leftovers):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
