"""The Temporal server stops in the middle of a mission and starts again on the same state."""

from __future__ import annotations

import signal

import pytest

from tests.e2e.stack import wait_for
from tests.faults.checks import Mission, assert_exactly_once
from tests.faults.cluster import Cluster

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_temporal_restarted_mid_flow_the_mission_finishes(cluster: Cluster) -> None:
    assert cluster.relay is not None
    mission = Mission.create(cluster)
    mission.generate_letter()
    provider_request_id = mission.send_for_signature()

    assert cluster.kill("temporal", signal.SIGTERM) == 0
    # The signers sign while Temporal is down: the API cannot pass the webhook on, says so
    # with a 503, and the provider delivers it again later.
    mission.sign_at_provider(provider_request_id)
    wait_for(lambda: 503 in cluster.relay.answers, "a webhook refused while Temporal is down")
    assert set(cluster.relay.answers) == {503}
    assert mission.read()["status"] == "awaiting_signature"

    cluster.start_temporal()
    cluster.wait_temporal_ready()
    mission.wait_status("active", seconds=180)
    assert 200 in cluster.relay.answers
    for name in ("worker", "api", "provider"):
        assert cluster.processes[name].poll() is None, f"{name} died with Temporal"
    assert_exactly_once(mission)
