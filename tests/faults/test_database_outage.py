"""The database goes away, then comes back: nothing is lost, nothing is done twice."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from temporalio.api.workflow.v1 import PendingActivityInfo

from tests.e2e.stack import wait_for
from tests.faults.checks import (
    Mission,
    assert_exactly_once,
    pending_activities,
    provider_requests,
    wait_activity_running,
)
from tests.faults.cluster import Cluster
from tests.faults.conftest import running_cluster
from tests.faults.db_proxy import TcpProxy
from tests.integration.database import POSTGRES_SERVER

pytestmark = pytest.mark.faults

POSTGRES = make_url(POSTGRES_SERVER)


def proxy() -> TcpProxy:
    return TcpProxy(POSTGRES.host or "127.0.0.1", POSTGRES.port or 5432)


@pytest.fixture
def proxies() -> Iterator[dict[str, TcpProxy]]:
    with proxy() as worker, proxy() as api:
        yield {"worker": worker, "api": api}


def retrying(cluster: Cluster, mission: Mission, attempts: int = 3) -> PendingActivityInfo:
    """The mission's activity that has failed `attempts - 1` times; its failure is the DB's."""

    def failing() -> list[PendingActivityInfo]:
        pending = pending_activities(cluster, mission.workflow_id)
        return [activity for activity in pending if activity.attempt >= attempts]

    (stuck,) = wait_for(failing, "an activity to fail on the database", 60)
    failure = stuck.last_failure
    failure = failure.cause if failure.HasField("cause") else failure
    assert failure.application_failure_info.type == "OperationalError", failure
    return stuck


def test_database_outage_during_an_activity_is_retried_and_the_flow_finishes(
    tmp_path: Path, proxies: dict[str, TcpProxy]
) -> None:
    with running_cluster(tmp_path, proxies) as cluster:
        assert cluster.relay is not None
        mission = Mission.create(cluster)
        mission.generate_letter()
        provider_request_id = mission.send_for_signature()

        for cut in proxies.values():
            cut.cut()
        mission.sign_at_provider(provider_request_id)
        # The API cannot look the webhook up: it says so (503), and the provider tries again.
        wait_for(lambda: 503 in cluster.relay.answers, "a webhook refused for want of a database")
        answer = mission.staff.http.get(f"/v1/missions/{mission.id}")
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "database_unavailable"

        proxies["api"].restore()
        wait_for(lambda: 200 in cluster.relay.answers, "the webhook delivered again")
        # The workflow took the webhook; its next activity fails on the database, and retries.
        retrying(cluster, mission)
        assert mission.read()["status"] == "awaiting_signature"

        proxies["worker"].restore()
        mission.wait_status("active")
        assert_exactly_once(mission)


@pytest.mark.slow
def test_database_lost_after_the_provider_call_the_retry_reuses_the_provider_request(
    tmp_path: Path, proxies: dict[str, TcpProxy]
) -> None:
    with running_cluster(tmp_path, proxies) as cluster:
        mission = Mission.create(cluster)
        mission.generate_letter()
        provider = cluster.processes["provider"]
        external_id = f"mission-{mission.id}-v1"

        # Hold the provider, so that the activity has read the database and waits on it.
        provider.send_signal(signal.SIGSTOP)
        with ThreadPoolExecutor(max_workers=1) as background:
            sent = background.submit(
                httpx.post,
                f"{cluster.api}/v1/missions/{mission.id}/signature",
                json={},
                headers=mission.staff.http.headers,
                timeout=180,
            )
            wait_activity_running(cluster, mission.workflow_id, "send_for_signature")
            proxies["worker"].cut()
            provider.send_signal(signal.SIGCONT)
            # The provider's request exists; Sceau could not record it, and retries.
            retrying(cluster, mission)
            (created,) = provider_requests(cluster, external_id)
            assert created["status"] == "ongoing"

            proxies["worker"].restore()
            answer = sent.result()
        assert answer.status_code == 202, answer.text
        assert answer.json()["provider_request_id"] == created["id"]
        assert len(provider_requests(cluster, external_id)) == 1

        mission.sign_at_provider(answer.json()["provider_request_id"])
        mission.wait_status("active")
        assert_exactly_once(mission)
