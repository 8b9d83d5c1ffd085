"""/readyz: the demo firm of `sceau run` is seeded, and no probe holds the event loop."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from api.routers import health
from domain.demo import DEMO_FILE
from domain.settings import Settings


def test_with_a_demo_asked_for_readiness_waits_for_the_seeding(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, demo=True)
    assert health.readiness_checks(settings)["demo"] == "seeding"
    # The seeding writes its marker last; a partial file being written is not it.
    (tmp_path / f".{DEMO_FILE}.tmp").write_text("{}")
    assert health.readiness_checks(settings)["demo"] == "seeding"
    (tmp_path / DEMO_FILE).write_text(json.dumps({"firm_id": "frm_1"}))
    assert health.readiness_checks(settings)["demo"] == "ok"


def test_without_a_demo_production_readiness_never_waits_for_one(tmp_path: Path) -> None:
    checks = health.readiness_checks(Settings(data_dir=tmp_path, demo=False))
    assert "demo" not in checks


def test_the_demo_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().demo is False
    monkeypatch.setenv("SCEAU_DEMO", "1")
    assert Settings().demo is True


async def test_a_hanging_database_probe_times_out_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released = threading.Event()
    probed_in: list[str] = []

    def hanging_probe() -> None:
        probed_in.append(threading.current_thread().name)
        released.wait(10)

    monkeypatch.setattr(health, "_database_probe", hanging_probe)
    monkeypatch.setattr(health, "PROBE_TIMEOUT_SECONDS", 0.5)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beat = asyncio.ensure_future(ticker())
    started = time.monotonic()
    try:
        assert await health.database_check() == "error: timeout"
    finally:
        beat.cancel()
        released.set()
    assert time.monotonic() - started < 2
    # The loop went on serving while the probe hung: it ran in another thread.
    assert ticks > 20
    assert probed_in and probed_in[0] != threading.main_thread().name


async def test_a_failing_database_probe_reports_its_error_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing_probe() -> None:
        raise ConnectionRefusedError("no database")

    monkeypatch.setattr(health, "_database_probe", failing_probe)
    assert await health.database_check() == "error: ConnectionRefusedError"
