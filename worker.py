"""Runs Sceau's Temporal workers: the missions queue and the documents queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.letters import (
    close_converter_pool,
    convert_letter,
    converter_pool,
    file_letter,
    render_letter,
)
from activities.missions import change_line, record_transition, save_mission
from activities.signature import (
    cancel_signature,
    create_follow_up_task,
    fetch_signature_status,
    file_signed_letter,
    record_signature_status,
    remind_signers,
    send_for_signature,
)
from activities.work import create_work
from domain.settings import get_settings
from domain.temporal import connect, register_search_attributes
from workflows.messages import DOCUMENTS_QUEUE, MISSIONS_QUEUE
from workflows.mission import MissionWorkflow
from workflows.preview import LetterPreviewWorkflow

MISSION_ACTIVITIES: list[Callable[..., Any]] = [
    record_transition,
    save_mission,
    change_line,
    file_letter,
    send_for_signature,
    cancel_signature,
    record_signature_status,
    file_signed_letter,
    create_work,
    remind_signers,
    fetch_signature_status,
    create_follow_up_task,
]
DOCUMENT_ACTIVITIES: list[Callable[..., Any]] = [render_letter, convert_letter]


def build_workers(client: Client, executor: ThreadPoolExecutor) -> list[Worker]:
    return [
        Worker(
            client,
            task_queue=MISSIONS_QUEUE,
            workflows=[MissionWorkflow, LetterPreviewWorkflow],
            activities=MISSION_ACTIVITIES,
            activity_executor=executor,
        ),
        Worker(
            client,
            task_queue=DOCUMENTS_QUEUE,
            activities=DOCUMENT_ACTIVITIES,
            activity_executor=executor,
            # One document activity per warm LibreOffice process.
            max_concurrent_activities=get_settings().pdf_pool_size,
        ),
    ]


async def run_workers() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    client = await connect(get_settings())
    # Before polling: a workflow that upserts an unregistered attribute stalls.
    await register_search_attributes(client)
    # Started up front, so that a machine without LibreOffice fails here, loudly.
    converter_pool()
    with ThreadPoolExecutor(max_workers=16) as executor:
        workers = build_workers(client, executor)
        logging.getLogger("sceau.worker").info(
            "workers polling %s and %s", MISSIONS_QUEUE, DOCUMENTS_QUEUE
        )
        # SIGTERM and SIGINT end the workers cleanly, so the pool's LibreOffice processes
        # are stopped with them instead of outliving the worker.
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        running: asyncio.Future[Any] = asyncio.ensure_future(
            asyncio.gather(*(worker.run() for worker in workers))
        )
        stop: asyncio.Future[Any] = asyncio.ensure_future(stopping.wait())
        try:
            await asyncio.wait([running, stop], return_when=asyncio.FIRST_COMPLETED)
            if running.done():
                running.result()  # a worker that failed on its own: raise its error
        finally:
            stop.cancel()
            await asyncio.gather(*(worker.shutdown() for worker in workers))
            await asyncio.gather(running, return_exceptions=True)
            close_converter_pool()


def main() -> None:
    asyncio.run(run_workers())


if __name__ == "__main__":
    main()
