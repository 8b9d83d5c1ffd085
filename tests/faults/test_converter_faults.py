"""LibreOffice killed or hung in the middle of a letter: the conversion is retried, once filed."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from documents.pdf import pdf_text
from tests.e2e.stack import wait_for
from tests.faults.checks import (
    Mission,
    activity_attempts,
    assert_exactly_once,
    rows,
    wait_activity_running,
)
from tests.faults.cluster import Cluster, libreoffice_pids, pool_jobs, signal_all
from tests.faults.conftest import running_cluster

pytestmark = pytest.mark.faults


def filed_letter_text(mission: Mission) -> str:
    ((sha,),) = rows(
        mission.cluster.database_url,
        "SELECT sha256 FROM document WHERE mission_id = :m AND kind = 'letter'",
        m=mission.id,
    )
    return " ".join(
        pdf_text((mission.cluster.data_dir / "ged" / sha[:2] / sha).read_bytes()).split()
    )


def test_libreoffice_killed_mid_conversion_the_letter_is_converted_and_filed_once(
    cluster: Cluster,
) -> None:
    mission = Mission.create(cluster, name="Mission après le crash")
    body = mission.letter_body()
    victims = libreoffice_pids(cluster.data_dir)
    assert victims
    signal_all(victims, signal.SIGSTOP)  # holds the conversion in flight
    with ThreadPoolExecutor(max_workers=1) as background:
        letter = background.submit(
            httpx.post,
            f"{cluster.api}/v1/missions/{mission.id}/letter",
            json=body,
            headers=mission.staff.http.headers,
            timeout=120,
        )
        wait_activity_running(cluster, mission.workflow_id, "convert_to_pdf")
        # The letter is in LibreOffice's hands (its job directory exists): kill it now.
        wait_for(lambda: pool_jobs(cluster.data_dir), "the conversion to reach LibreOffice")
        signal_all(victims, signal.SIGKILL)
        answer = letter.result()
    assert answer.status_code == 201, answer.text
    assert answer.json()["version"] == 1
    # Retried: by the pool on a fresh LibreOffice, or else by Temporal.
    retried_by_pool = "LibreOffice slot 0 died" in cluster.log("worker")
    (attempt,) = activity_attempts(cluster, mission.workflow_id, "convert_to_pdf")
    assert retried_by_pool or attempt >= 2
    # The pool replaced the killed LibreOffice with a new one.
    replacement = wait_for(lambda: libreoffice_pids(cluster.data_dir), "a new LibreOffice")
    assert not set(replacement) & set(victims)
    assert "Mission après le crash" in filed_letter_text(mission)
    assert_exactly_once(mission, ["draft", "letter_generated"])


@pytest.mark.slow
def test_a_hung_libreoffice_times_out_and_the_retry_converts(tmp_path: Path) -> None:
    with running_cluster(tmp_path, SCEAU_CONVERSION_TIMEOUT_SECONDS="5") as cluster:
        mission = Mission.create(cluster, name="Mission après le blocage")
        hung = libreoffice_pids(cluster.data_dir)
        signal_all(hung, signal.SIGSTOP)  # alive, but never answers: a hung converter
        answer = mission.generate_letter()
        assert answer["version"] == 1
        assert "timed out" in cluster.log("worker")
        # The first attempt timed out; Temporal's retry converted the letter.
        (attempt,) = activity_attempts(cluster, mission.workflow_id, "convert_to_pdf")
        assert attempt >= 2
        assert not set(hung) & set(libreoffice_pids(cluster.data_dir))
        assert "Mission après le blocage" in filed_letter_text(mission)
        assert_exactly_once(mission, ["draft", "letter_generated"])
