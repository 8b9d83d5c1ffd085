"""SCEAU_WORKER_QUEUES splits the worker: a missions worker and a documents worker."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.letters import DocumentActivities, FilingActivities, new_converter_pool
from activities.signature import SignatureActivities
from contracts.messages import DOCUMENTS_QUEUE, MISSIONS_QUEUE
from domain.ged import blob_store
from domain.settings import get_settings
from esignature.yousign import YousignClient
from worker import build_workers, document_activities, mission_activities

SETTINGS = get_settings()
# Built as the worker builds them; nothing here starts LibreOffice or calls the provider.
BLOBS = blob_store()
SIGNATURES = SignatureActivities(YousignClient("http://127.0.0.1:9", "key"), BLOBS, SETTINGS)
FILING = FilingActivities(BLOBS)
DOCUMENTS = DocumentActivities(new_converter_pool(SETTINGS), BLOBS, SETTINGS)


@pytest.mark.parametrize(
    ("queues", "expected"),
    [
        ([MISSIONS_QUEUE, DOCUMENTS_QUEUE], [MISSIONS_QUEUE, DOCUMENTS_QUEUE]),
        ([MISSIONS_QUEUE], [MISSIONS_QUEUE]),
        ([DOCUMENTS_QUEUE], [DOCUMENTS_QUEUE]),
    ],
)
async def test_workers_poll_the_chosen_queues(
    env: WorkflowEnvironment, queues: list[str], expected: list[str]
) -> None:
    # A client of its own: the SDK refuses a second worker on a queue for the same client.
    client = await Client.connect(
        env.client.service_client.config.target_host, namespace=env.client.namespace
    )
    with ThreadPoolExecutor(max_workers=16) as executor:
        workers = build_workers(client, executor, queues, SIGNATURES, FILING, DOCUMENTS)
    assert [worker.task_queue for worker in workers] == expected
    activities = {worker.task_queue: len(worker.config()["activities"]) for worker in workers}
    if MISSIONS_QUEUE in activities:
        assert activities[MISSIONS_QUEUE] == len(mission_activities(SIGNATURES, FILING))
    if DOCUMENTS_QUEUE in activities:
        assert activities[DOCUMENTS_QUEUE] == len(document_activities(DOCUMENTS))


def test_an_unknown_queue_stops_the_worker(env: WorkflowEnvironment) -> None:
    with ThreadPoolExecutor(max_workers=16) as executor, pytest.raises(SystemExit, match="mision"):
        build_workers(env.client, executor, ["mision"], SIGNATURES, FILING, DOCUMENTS)
