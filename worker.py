"""Runs Sceau's Temporal workers: the missions queue and the documents queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.amendments import (
    AmendmentDocumentActivities,
    AmendmentFilingActivities,
    record_amendment,
    save_amendment,
)
from activities.letters import DocumentActivities, FilingActivities, new_converter_pool
from activities.mail import MailActivities
from activities.missions import (
    change_line,
    record_termination,
    record_transition,
    renew_mission,
    save_mission,
)
from activities.notices import NoticeActivities, render_renewal_notice
from activities.signature import SignatureActivities, record_signature_status
from activities.work import create_follow_up_task, create_work, end_work, open_work
from contracts.messages import DOCUMENTS_QUEUE, MISSIONS_QUEUE
from domain.ged import blob_store
from domain.logs import configure_logging
from domain.loop_watch import share_the_gil_in_short_turns, watch_callbacks
from domain.payloads import build_message_schemas
from domain.settings import get_settings
from domain.temporal import (
    TemporalSettingsError,
    connect,
    metrics_runtime,
    register_search_attributes,
)
from domain.tracing import flush_traces
from esignature.yousign import YousignClient
from workflows.amendment_preview import AmendmentPreviewWorkflow
from workflows.mission import MissionWorkflow
from workflows.preview import LetterPreviewWorkflow

T = TypeVar("T")
# The missions queue's activities that need nothing but the database.
DATABASE_ACTIVITIES: list[Callable[..., Any]] = [
    record_transition,
    save_mission,
    change_line,
    record_signature_status,
    create_work,
    create_follow_up_task,
    open_work,
    end_work,
    renew_mission,
    record_termination,
    save_amendment,
    record_amendment,
]


def mission_activities(
    signatures: SignatureActivities, filing: FilingActivities, mail: MailActivities | None = None
) -> list[Callable[..., Any]]:
    mailing: list[Callable[..., Any]] = (
        [] if mail is None else [mail.send_occasion_mails, mail.mails_for, mail.send_mail]
    )
    amendments = AmendmentFilingActivities(filing.blobs, signatures.yousign)
    return [
        *DATABASE_ACTIVITIES,
        filing.file_letter,
        signatures.send_for_signature,
        signatures.cancel_signature,
        signatures.file_signed_letter,
        signatures.remind_signers,
        signatures.fetch_signature_status,
        amendments.file_amendment_letter,
        amendments.file_signed_amendment,
        *mailing,
        # The notice's PDF is filed with the GED's store the letters use.
        NoticeActivities(filing.blobs).file_renewal_notice,
    ]


def document_activities(documents: DocumentActivities) -> list[Callable[..., Any]]:
    amendments = AmendmentDocumentActivities(documents.blobs, documents.settings)
    return [
        documents.render_letter,
        documents.convert_to_pdf,
        render_renewal_notice,
        amendments.render_amendment_letter,
    ]


# The workflows run here without the SDK's sandbox. The sandbox imports a workflow's module
# afresh for each new run and executes each activation through it, on the worker's event loop:
# for MissionWorkflow, @workflow.defn inspecting its layers again was about 12 ms of CPU per new
# mission, and with the layers passed through (as they had to be, to keep the loop free) it
# checked nothing but the 140 lines of workflows/mission.py. The checks it makes — no wall
# clock, randomness or I/O in workflow code — are made where they cover every module: the
# workflow tests and the replay of the recorded histories run all of them in the default
# sandbox (tests/workflow), and a run that strays from its history fails its task here too.
WORKFLOW_RUNNER = UnsandboxedWorkflowRunner()


def check_queues(queues: list[str]) -> None:
    unknown = set(queues) - {MISSIONS_QUEUE, DOCUMENTS_QUEUE}
    if unknown:
        raise SystemExit(f"unknown task queue(s) in SCEAU_WORKER_QUEUES: {sorted(unknown)}")


def build_workers(
    client: Client,
    executor: ThreadPoolExecutor,
    queues: list[str],
    signatures: SignatureActivities,
    filing: FilingActivities,
    documents: DocumentActivities | None,
    mail: MailActivities | None = None,
) -> list[Worker]:
    """A worker for each of ``queues``; the documents queue's needs ``documents``."""
    check_queues(queues)
    workers = []
    if MISSIONS_QUEUE in queues:
        workers.append(
            Worker(
                client,
                task_queue=MISSIONS_QUEUE,
                workflows=[MissionWorkflow, LetterPreviewWorkflow, AmendmentPreviewWorkflow],
                workflow_runner=WORKFLOW_RUNNER,
                activities=mission_activities(signatures, filing, mail),
                activity_executor=executor,
            )
        )
    if DOCUMENTS_QUEUE in queues:
        assert documents is not None, "the documents queue's activities need the converter pool"
        workers.append(
            Worker(
                client,
                task_queue=DOCUMENTS_QUEUE,
                activities=document_activities(documents),
                activity_executor=executor,
                # One document activity per warm LibreOffice process.
                max_concurrent_activities=documents.settings.pdf_pool_size,
            )
        )
    return workers


async def until_stopped(
    work: Awaitable[T], stopping: asyncio.Event, *, cancel: bool = True
) -> T | None:
    """`work`'s result, or None when `stopping` is set first (`work` is then cancelled, or
    awaited to its end when `cancel` is False: a thread cannot be cancelled)."""
    task = asyncio.ensure_future(work)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait([task, stop], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if task.done():
        return task.result()
    if cancel:
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


async def run_workers() -> None:
    settings = get_settings()
    configure_logging(settings, "worker")
    watch_callbacks(settings.loop_lag_warn_ms)
    share_the_gil_in_short_turns()
    log = logging.getLogger("sceau.worker")
    # SIGTERM and SIGINT end the workers cleanly, so the pool's LibreOffice processes are
    # stopped with them instead of outliving the worker. Installed first: a signal that
    # arrives while the pool is still starting must stop it too.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    queues = settings.queues
    # The activities' dependencies: built here, closed on the way out whatever happens.
    yousign = YousignClient(
        settings.resolved_yousign_base_url,
        settings.secret("yousign_api_key"),
        timeout=settings.yousign_timeout_seconds,
    )
    # The GED: a folder, or an S3 bucket whose client keeps its connections.
    blobs = blob_store()
    pool = new_converter_pool(settings) if DOCUMENTS_QUEUE in queues else None
    try:
        # The SDK's metrics (activity latency, failures, schedule-to-start lag) for Prometheus.
        runtime = metrics_runtime(settings, "worker")
        try:
            client = await until_stopped(
                connect(settings, runtime=runtime, service="worker"), stopping
            )
        except TemporalSettingsError as error:
            raise SystemExit(f"worker: {error}") from None
        if client is None:
            return
        # Before polling: a workflow that upserts an unregistered attribute stalls.
        await until_stopped(register_search_attributes(client), stopping)
        if stopping.is_set():
            return
        if pool is not None:
            # Started up front, so that a machine without LibreOffice fails here, loudly. In
            # a thread, so that a signal is heard meanwhile; the start is then awaited to its
            # end, and the pool closed below with every process it started.
            started = await until_stopped(asyncio.to_thread(pool.start), stopping, cancel=False)
            if started is None:
                log.info("stopped while the converter pool was starting")
                return
        await asyncio.to_thread(build_message_schemas)
        if stopping.is_set():
            return
        with ThreadPoolExecutor(max_workers=16) as executor:
            workers = build_workers(
                client,
                executor,
                queues,
                SignatureActivities(yousign, blobs, settings),
                FilingActivities(blobs),
                DocumentActivities(pool, blobs, settings) if pool is not None else None,
                MailActivities(settings),
            )
            log.info(
                "workers polling %s; metrics %s",
                ", ".join(queues),
                f"on :{settings.worker_metrics_port}" if runtime else "off",
                extra={"queues": queues, "metrics_port": settings.worker_metrics_port},
            )
            running: asyncio.Future[Any] = asyncio.ensure_future(
                asyncio.gather(*(worker.run() for worker in workers))
            )
            try:
                await until_stopped(asyncio.shield(running), stopping)
                if running.done():
                    running.result()  # a worker that failed on its own: raise its error
            finally:
                await asyncio.gather(*(worker.shutdown() for worker in workers))
                await asyncio.gather(running, return_exceptions=True)
    finally:
        await yousign.aclose()
        if pool is not None:
            pool.close()
        flush_traces()


def main() -> None:
    asyncio.run(run_workers())


if __name__ == "__main__":
    main()
