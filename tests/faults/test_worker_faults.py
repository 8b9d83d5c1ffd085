"""Workers killed outright (SIGKILL): the work they held is done by another, once."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from contracts.messages import DOCUMENT_HEARTBEAT
from tests.e2e.stack import wait_for
from tests.faults.checks import (
    Mission,
    assert_exactly_once,
    pid_of,
    wait_activity_running,
    worker_identities,
)
from tests.faults.cluster import Cluster, libreoffice_pids, signal_all

pytestmark = pytest.mark.faults

# A conversion lost with its worker goes to another worker once its heartbeat timeout has
# passed (the dead worker beats no more), well before the start-to-close timeout (3 min).
# The answer's deadline: that timeout, a new worker's start and the conversion, with room.
LETTER_DEADLINE_SECONDS = DOCUMENT_HEARTBEAT.total_seconds() + 70


def test_worker_killed_during_conversion_the_letter_is_filed_once(cluster: Cluster) -> None:
    mission = Mission.create(cluster)
    body = mission.letter_body()
    frozen = libreoffice_pids(cluster.data_dir)
    assert frozen
    # A stopped LibreOffice holds the conversion in flight for as long as the test needs.
    signal_all(frozen, signal.SIGSTOP)

    with ThreadPoolExecutor(max_workers=1) as background:
        letter = background.submit(
            httpx.post,
            f"{cluster.api}/v1/missions/{mission.id}/letter",
            json=body,
            headers=mission.staff.http.headers,
            timeout=LETTER_DEADLINE_SECONDS,
        )
        converting = wait_activity_running(cluster, mission.workflow_id, "convert_to_pdf")
        victim = cluster.processes["worker"]
        assert pid_of(converting.last_worker_identity) == victim.pid
        assert cluster.kill("worker") == -signal.SIGKILL

        cluster.start_worker()
        cluster.wait_worker_ready()
        # The new worker's pool reaps the LibreOffice processes its dead predecessor left.
        wait_for(lambda: not set(frozen) & set(libreoffice_pids(cluster.data_dir)), "the reaping")

        answer = letter.result()
    assert answer.status_code == 201, answer.text
    assert answer.json()["version"] == 1

    identities = worker_identities(cluster, mission.workflow_id)
    assert cluster.processes["worker"].pid in {pid_of(identity) for identity in identities}
    provider_request_id = mission.send_for_signature()
    mission.sign_at_provider(provider_request_id)
    mission.wait_status("active")
    assert_exactly_once(mission)


def test_two_workers_one_killed_the_other_carries_the_mission(cluster: Cluster) -> None:
    cluster.start_worker("worker-2")
    cluster.wait_worker_ready("worker-2")
    mission = Mission.create(cluster)
    mission.generate_letter()
    provider_request_id = mission.send_for_signature()

    # Kill the worker that ran the mission's last workflow task: it holds the mission in its
    # cache, and Temporal sends the mission's next task to it first.
    holder = pid_of(worker_identities(cluster, mission.workflow_id)[-1])
    names = {process.pid: name for name, process in cluster.processes.items()}
    victim = names[holder]
    survivor = "worker-2" if victim == "worker" else "worker"
    before = len(worker_identities(cluster, mission.workflow_id))
    assert cluster.kill(victim) == -signal.SIGKILL

    mission.sign_at_provider(provider_request_id)
    mission.wait_status("active")

    after = worker_identities(cluster, mission.workflow_id)[before:]
    assert after
    assert {pid_of(identity) for identity in after} == {cluster.processes[survivor].pid}
    assert_exactly_once(mission)
