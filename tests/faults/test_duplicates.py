"""The same thing asked for several times at once: it happens once, or in order, never twice."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.faults.checks import Mission, assert_exactly_once, execute
from tests.faults.cluster import Cluster
from tests.faults.conftest import running_cluster
from tests.faults.relay import Delivery

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """These cases kill nothing: they share one set of processes, each with its own mission."""
    with running_cluster(tmp_path_factory.mktemp("duplicates")) as running:
        yield running


def test_one_webhook_delivered_ten_times_at_once_moves_the_mission_once(cluster: Cluster) -> None:
    assert cluster.relay is not None
    mission = Mission.create(cluster)
    mission.generate_letter()
    provider_request_id = mission.send_for_signature()

    # The provider's deliveries are recorded but not passed on: the test delivers them.
    cluster.relay.hold = True
    cluster.relay.deliveries.clear()
    try:
        mission.sign_at_provider(provider_request_id)
        # Each signer's signer.done, then signature_request.done.
        deliveries = cluster.wait_deliveries(3)
    finally:
        cluster.relay.hold = False
    names = [delivery.event_name for delivery in deliveries]
    assert names == ["signer.done", "signer.done", "signature_request.done"], names

    with ThreadPoolExecutor(max_workers=10) as pool:
        for delivery in deliveries:
            answers = list(pool.map(Delivery.send, [delivery] * 10, [cluster.api] * 10))
            assert [answer.status_code for answer in answers] == [200] * 10
            assert {answer.json()["status"] for answer in answers} == {"accepted"}

    mission.wait_status("active")
    assert_exactly_once(mission)
    read = mission.read()
    assert [entry["status"] for entry in read["timeline"]] == [
        "draft",
        "letter_generated",
        "awaiting_signature",
        "signed",
        "active",
    ]
    assert read["signature"]["status"] == "done"


def test_two_letter_requests_at_once_give_two_versions_in_order(cluster: Cluster) -> None:
    mission = Mission.create(cluster)
    body = mission.letter_body()

    def generate(_: int) -> Any:
        response = mission.staff.http.post(f"/v1/missions/{mission.id}/letter", json=body)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(generate, range(2)))

    accepted = [answer for status, answer in answers if status == 201]
    refused = [answer for status, answer in answers if status == 409]
    assert len(accepted) + len(refused) == 2, answers
    assert accepted, answers
    versions = sorted(answer["version"] for answer in accepted)
    assert versions == list(range(1, len(accepted) + 1))
    for answer in refused:
        assert answer["error"]["code"] == "conflict"

    read = mission.read()
    assert read["status"] == "letter_generated"
    assert [letter["version"] for letter in read["letters"]] == versions
    assert {letter["document_id"] for letter in read["letters"]} == {
        answer["document_id"] for answer in accepted
    }
    assert_exactly_once(
        mission, ["draft"] + ["letter_generated"] * len(accepted), letters=len(accepted)
    )


def test_the_checks_catch_a_document_or_a_transition_recorded_twice(cluster: Cluster) -> None:
    """`assert_exactly_once` itself: a second copy of a letter or of a transition fails it."""
    mission = Mission.create(cluster)
    mission.generate_letter()
    assert_exactly_once(mission, ["draft", "letter_generated"])
    copy = (
        "INSERT INTO document (id, key, firm_id, client_id, folder_id, mission_id, kind, name,"
        " version, sha256, size, content_type, created_at)"
        " SELECT 'doc_copy', key || '-copy', firm_id, client_id, folder_id, mission_id, kind,"
        " name, version, sha256, size, content_type, created_at FROM document"
        " WHERE mission_id = :m"
    )
    execute(cluster.database_url, copy, m=mission.id)
    with pytest.raises(AssertionError):
        assert_exactly_once(mission, ["draft", "letter_generated"])
    execute(cluster.database_url, "DELETE FROM document WHERE id = 'doc_copy'")
    assert_exactly_once(mission, ["draft", "letter_generated"])

    again = (
        "INSERT INTO missionevent (mission_id, seq, status, at, by, reason)"
        " SELECT mission_id, seq + 1, status, at, by, reason FROM missionevent"
        " WHERE mission_id = :m AND seq = 2"
    )
    execute(cluster.database_url, again, m=mission.id)
    with pytest.raises(AssertionError):
        assert_exactly_once(mission, ["draft", "letter_generated"])
