"""`sceau run` tells the truth: it refuses a taken port up front, /readyz turns green only
once the demo firm is seeded, and Ctrl-C (or SIGTERM) leaves no process behind, LibreOffice
included, even when it arrives while the converter pool is still starting."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from documents.converter_slots import OWNER_FILE, POOL_PREFIX
from domain.mail import build_message, send
from domain.settings import Settings
from tests.e2e.stack import SCEAU, free_port


def stack_env(data_dir: Path, **extra: str) -> dict[str, str]:
    ports = {name: free_port() for name in ("api", "temporal", "ui", "provider", "metrics", "smtp")}
    return {
        **os.environ,
        "SCEAU_DATA_DIR": str(data_dir),
        "SCEAU_DATABASE_URL": "",  # SQLite in the data directory, as `make run`
        "SCEAU_API_PORT": str(ports["api"]),
        "SCEAU_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
        "SCEAU_TEMPORAL_UI_PORT": str(ports["ui"]),
        "SCEAU_SIGNATURE_PROVIDER_PORT": str(ports["provider"]),
        "SCEAU_WORKER_METRICS_PORT": str(ports["metrics"]),
        "SCEAU_SMTP_PORT": str(ports["smtp"]),
        "SCEAU_PDF_POOL_SIZE": "1",
        **extra,
    }


# The converter pools' folders seen belonging to a data directory's workers: LibreOffice
# starts with an environment of its own (no SCEAU_DATA_DIR), but its profile lies there.
_pool_roots: dict[Path, set[str]] = {}


def _remember_pools(data_dir: Path, stack_pids: set[int]) -> set[str]:
    roots = _pool_roots.setdefault(data_dir, set())
    for owner in Path(tempfile.gettempdir()).glob(f"{POOL_PREFIX}*/{OWNER_FILE}"):
        try:
            if int(owner.read_text().strip()) in stack_pids:
                roots.add(str(owner.parent))
        except (OSError, ValueError):
            continue
    return roots


def processes_of(data_dir: Path) -> dict[int, str]:
    """Live processes (not zombies) started for this data directory: pid → command."""
    markers = {
        f"SCEAU_DATA_DIR={data_dir}".encode(),
        f"SCEAU_DATA_DIR={data_dir.resolve()}".encode(),
    }
    commands: dict[int, tuple[str, bool]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                continue
            environ = set((entry / "environ").read_bytes().split(b"\0"))
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        commands[int(entry.name)] = (command.strip(), bool(environ & markers))
    stack = {pid for pid, (_, marked) in commands.items() if marked}
    roots = _remember_pools(data_dir, stack)
    return {
        pid: command
        for pid, (command, marked) in commands.items()
        if marked or any(root in command for root in roots)
    }


def kill_all(data_dir: Path) -> None:
    for pid in processes_of(data_dir):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def sceau_run(data_dir: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`sceau run` in its own session, as a terminal runs it (Ctrl-C goes to its group)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    output = open(data_dir / "run.out", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(SCEAU), "run"], env=env, stdout=output, stderr=output, start_new_session=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        output.close()
        kill_all(data_dir)  # whatever a failed test left behind


def output_of(data_dir: Path) -> str:
    return (data_dir / "run.out").read_text(errors="replace")


def wait_until(check: object, what: str, data_dir: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}:\n{output_of(data_dir)[-3000:]}")


def assert_nothing_left(process: subprocess.Popen[bytes], data_dir: Path) -> None:
    code = process.wait(timeout=60)
    # Zombies an init reaps a moment later are not processes left running; give it that moment.
    deadline = time.monotonic() + 2
    while processes_of(data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_of(data_dir)
    assert not left, f"left running after sceau run exited ({code}): {left}"
    assert code == 0, output_of(data_dir)[-3000:]


def libreoffice_started(data_dir: Path) -> bool:
    return any("soffice" in command for command in processes_of(data_dir).values())


# --- the ports ----------------------------------------------------------------------------


@contextmanager
def taken_port(*, free_below: bool) -> Iterator[tuple[socket.socket, int]]:
    """A socket bound to a port (with `free_below`, one whose port - 1 is free)."""
    for _ in range(50):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        port: int = taken.getsockname()[1]
        if free_below:
            with socket.socket() as below:
                try:
                    below.bind(("127.0.0.1", port - 1))
                except OSError:
                    taken.close()
                    continue
        with taken:
            yield taken, port
        return
    raise AssertionError("no free pair of ports")


@pytest.mark.parametrize(
    ("setting", "workers"),
    [
        ("SCEAU_API_PORT", "1"),
        ("SCEAU_SIGNATURE_PROVIDER_PORT", "1"),
        ("SCEAU_TEMPORAL_ADDRESS", "1"),
        ("SCEAU_TEMPORAL_UI_PORT", "1"),
        ("SCEAU_WORKER_METRICS_PORT", "1"),
        ("SCEAU_SMTP_PORT", "1"),  # the mail catcher's
        # Worker 2 serves its metrics on SCEAU_WORKER_METRICS_PORT + 1.
        ("SCEAU_WORKER_METRICS_PORT + 1", "2"),
    ],
)
def test_a_taken_port_is_named_and_nothing_starts(
    tmp_path: Path, setting: str, workers: str
) -> None:
    env = stack_env(tmp_path, SCEAU_WORKERS=workers)
    with taken_port(free_below=setting.endswith("+ 1")) as (taken, port):
        if setting == "SCEAU_TEMPORAL_ADDRESS":
            # Taken but not answering (bound, not listening): no Temporal there to reuse.
            env[setting] = f"127.0.0.1:{port}"
        elif setting.endswith("+ 1"):
            env["SCEAU_WORKER_METRICS_PORT"] = str(port - 1)  # worker 1's, free
        else:
            env[setting] = str(port)
        if setting != "SCEAU_TEMPORAL_ADDRESS":
            taken.listen()
        with sceau_run(tmp_path, env) as process:
            try:
                code = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pytest.fail(f"sceau run started despite {setting}={port} being taken")
            said = output_of(tmp_path)
            left = processes_of(tmp_path)
    assert code != 0
    assert setting in said and str(port) in said, said
    assert not left
    # Nothing was started or prepared: no log, no database, no Temporal state.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run.out"]


def test_two_settings_on_one_port_are_refused(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    env["SCEAU_SIGNATURE_PROVIDER_PORT"] = env["SCEAU_API_PORT"]
    with sceau_run(tmp_path, env) as process:
        code = process.wait(timeout=60)
    said = output_of(tmp_path)
    assert code != 0
    assert "SCEAU_SIGNATURE_PROVIDER_PORT and SCEAU_API_PORT" in said, said


def test_a_missing_temporal_certificate_stops_it_before_anything_starts(tmp_path: Path) -> None:
    env = stack_env(tmp_path, SCEAU_TEMPORAL_TLS_CA=str(tmp_path / "missing-ca.pem"))
    with sceau_run(tmp_path, env) as process:
        code = process.wait(timeout=60)
    said = output_of(tmp_path)
    assert code != 0
    assert "SCEAU_TEMPORAL_TLS_CA" in said and "missing-ca.pem" in said, said
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run.out"]


# --- readiness and Ctrl-C -----------------------------------------------------------------


def test_ready_only_once_seeded_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    env = stack_env(data_dir, SCEAU_WORKERS="2")
    api = f"http://127.0.0.1:{env['SCEAU_API_PORT']}"
    demo_file = data_dir / "demo.json"
    early: list[int] = []
    with sceau_run(data_dir, env) as process:
        while "Sceau is running" not in output_of(data_dir):
            assert process.poll() is None, output_of(data_dir)[-3000:]
            try:
                status = httpx.get(f"{api}/readyz", timeout=5).status_code
            except httpx.HTTPError:
                status = 0
            # Green means the seeding had written its marker before the API answered.
            if status == 200 and not demo_file.exists():
                early.append(status)
            time.sleep(0.05)
        assert not early, "/readyz answered 200 before the demo firm was seeded"
        ready = httpx.get(f"{api}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["demo"] == "ok"
        # Both workers serve their metrics: SCEAU_WORKER_METRICS_PORT and the next port.
        metrics = int(env["SCEAU_WORKER_METRICS_PORT"])
        for port in (metrics, metrics + 1):
            wait_until(
                lambda p=port: answers(f"http://127.0.0.1:{p}/metrics"),
                f"metrics :{port}",
                data_dir,
            )
        wait_until(lambda: libreoffice_started(data_dir), "LibreOffice", data_dir)
        # The mail catcher runs: a message sent to SCEAU_SMTP_PORT shows on the API's page.
        settings = Settings(smtp_port=int(env["SCEAU_SMTP_PORT"]))
        letter = build_message(
            settings, to="a@example.org", subject="Essai", body="Bonjour", idempotency_key="e2e"
        )
        asyncio.run(send(settings, letter))
        assert "Essai" in httpx.get(f"{api}/dev/mail", timeout=5).text
        assert f"{api}/dev/mail" in output_of(data_dir)
        os.killpg(process.pid, signal.SIGINT)  # the terminal's Ctrl-C
        assert_nothing_left(process, data_dir)
    first = json.loads(demo_file.read_text())
    assert first["mail_url"] == f"{api}/dev/mail"

    # A second run on the same data directory reuses the demo firm: same keys, same tokens.
    env = stack_env(data_dir)
    with sceau_run(data_dir, env) as process:
        wait_until(lambda: "Sceau is running" in output_of(data_dir), "the second run", data_dir)
        # The same firm and tokens; the caught mail's page moved with the API's new port.
        mail_page = f"http://127.0.0.1:{env['SCEAU_API_PORT']}/dev/mail"
        again = json.loads(demo_file.read_text())
        assert again.pop("mail_url") == mail_page
        assert again == {key: value for key, value in first.items() if key != "mail_url"}
        assert mail_page in output_of(data_dir)
        ready = httpx.get(f"http://127.0.0.1:{env['SCEAU_API_PORT']}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        process.send_signal(signal.SIGTERM)
        assert_nothing_left(process, data_dir)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_a_stop_while_the_converter_pool_starts_leaves_nothing(tmp_path: Path, how: str) -> None:
    env = stack_env(tmp_path)
    with sceau_run(tmp_path, env) as process:
        # The first LibreOffice process exists: the pool is starting, not yet started.
        wait_until(lambda: libreoffice_started(tmp_path), "LibreOffice to start", tmp_path)
        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM)
        assert_nothing_left(process, tmp_path)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
