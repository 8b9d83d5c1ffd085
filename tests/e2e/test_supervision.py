"""`sceau run` restarts a process that dies, and the missions carry on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx

from tests.e2e.stack import Api, Stack, wait_for


def worker_pids(data_dir: Path) -> list[int]:
    """The worker processes of this stack (found by their data directory)."""
    return child_pids(data_dir, b"worker")


def child_pids(data_dir: Path, word: bytes) -> list[int]:
    """This stack's processes (found by their data directory) with `word` in their command."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if word in command and f"SCEAU_DATA_DIR={data_dir}".encode() in environ:
            pids.append(int(entry.name))
    return pids


def test_a_killed_worker_is_restarted_and_work_goes_on(stack: Stack, staff: Api) -> None:
    demo = stack.demo
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": demo["client_id"],
            "name": "Après redémarrage",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": demo["service_ids"]["BILAN"]}],
        },
        expect=201,
    )
    (victim,) = worker_pids(stack.data_dir)
    os.kill(victim, signal.SIGKILL)

    log = stack.data_dir / "run.out"
    wait_for(lambda: "worker exited with code -9; restarted" in log.read_text(), "the restart")
    (replacement,) = wait_for(lambda: worker_pids(stack.data_dir), "a new worker")
    assert replacement != victim

    people = {
        "firm_representative_id": demo["staff_id"],
        "client_representative_id": demo["client_representative_id"],
    }
    preview = staff.post(f"/v1/missions/{mission['id']}/letter/preview", people)
    assert preview.startswith(b"%PDF")


def test_a_killed_api_and_provider_are_restarted_with_their_state(stack: Stack, staff: Api) -> None:
    log = stack.data_dir / "run.out"
    for name, word, url in (
        ("api", b"api.app:app", f"{stack.api}/healthz"),
        ("provider", b"signature_provider", f"{stack.provider}/signer/none"),
    ):
        (victim,) = child_pids(stack.data_dir, word)
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda n=name: f"{n} exited with code -9; restarted" in log.read_text(), name)
        (replacement,) = wait_for(lambda w=word: child_pids(stack.data_dir, w), f"a new {name}")
        assert replacement != victim
        wait_for(lambda u=url: answers(u), f"the new {name} to answer")
    # The restarted API reads the same database: the demo client is still there.
    assert staff.get(f"/v1/clients/{stack.demo['client_id']}")["id"] == stack.demo["client_id"]


def answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    return True
