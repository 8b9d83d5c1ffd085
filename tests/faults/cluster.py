"""Sceau's processes started one by one, so that a test can kill, stop and restart each of them.

Unlike `sceau run` (tests/e2e), nothing here restarts a dead process: the test decides. Each
piece runs the way an operator runs it: `temporal server start-dev` with its state in the data
directory, `sceau worker`, `sceau api`, and the local provider (`python -m signature_provider`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from domain.demo import seed_demo
from domain.settings import Settings
from sceau_cli import temporal_dev_server
from tests.e2e.stack import SCEAU, free_port, wait_for
from tests.faults.relay import Delivery, WebhookRelay

PYTHON = sys.executable
PORTS = ("api", "temporal", "ui", "provider")


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@dataclass
class Cluster:
    data_dir: Path
    database_url: str
    webhook_url: str
    ports: dict[str, int] = field(default_factory=lambda: {name: free_port() for name in PORTS})
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    demo: dict[str, Any] = field(default_factory=dict)
    # How many times each worker has said it polls: a restarted worker must say it once more.
    ready_marks: dict[str, int] = field(default_factory=dict)
    relay: WebhookRelay | None = None
    # A process's own database URL (through a proxy), by process name.
    database_urls: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def provider(self) -> str:
        return f"http://127.0.0.1:{self.ports['provider']}"

    @property
    def temporal(self) -> str:
        return f"127.0.0.1:{self.ports['temporal']}"

    def secret(self, name: str) -> str:
        return (self.data_dir / "secrets" / name).read_text().strip()

    def env(self, **overrides: str) -> dict[str, str]:
        return {
            **os.environ,
            "SCEAU_DATA_DIR": str(self.data_dir),
            "SCEAU_DATABASE_URL": self.database_url,
            "SCEAU_API_PORT": str(self.ports["api"]),
            "SCEAU_TEMPORAL_ADDRESS": self.temporal,
            "SCEAU_TEMPORAL_UI_PORT": str(self.ports["ui"]),
            "SCEAU_SIGNATURE_PROVIDER_PORT": str(self.ports["provider"]),
            "SCEAU_WEBHOOK_URL": self.webhook_url,
            # One warm LibreOffice per worker is enough here and halves the start-up.
            "SCEAU_PDF_POOL_SIZE": "1",
            # Several workers run at once here; their SDK metrics are not under test.
            "SCEAU_WORKER_METRICS_PORT": "0",
            **overrides,
        }

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def spawn(self, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        assert name not in self.processes or self.processes[name].poll() is not None, name
        if name in self.database_urls:
            env = {"SCEAU_DATABASE_URL": self.database_urls[name], **env}
        with open(self.data_dir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(command, env=self.env(**env), stdout=log, stderr=log)
        self.processes[name] = process
        return process

    # --- the pieces ------------------------------------------------------------------------

    def migrate(self) -> None:
        subprocess.run([str(SCEAU), "migrate"], env=self.env(), check=True, capture_output=True)

    def start_temporal(self) -> None:
        settings = Settings(
            data_dir=self.data_dir,
            temporal_address=self.temporal,
            temporal_ui_port=self.ports["ui"],
        )
        self.spawn("temporal", temporal_dev_server(settings))

    def start_worker(self, name: str = "worker", **env: str) -> subprocess.Popen[bytes]:
        # Each worker keeps its LibreOffice pool under its own temporary directory, so a test
        # finds that worker's LibreOffice processes (and a later worker reaps a dead one's).
        tmp = self.data_dir / f"tmp-{name}"
        tmp.mkdir(exist_ok=True)
        return self.spawn(name, [str(SCEAU), "worker"], TMPDIR=str(tmp), **env)

    def start_api(self) -> None:
        self.spawn("api", [str(SCEAU), "api"])

    def start_provider(self) -> None:
        self.spawn(
            "provider",
            [
                PYTHON,
                "-m",
                "signature_provider",
                "--port",
                str(self.ports["provider"]),
                "--data-dir",
                str(self.data_dir / "signature_provider"),
                # Yousign retries for hours; enough attempts here to outlast any outage below.
                "--webhook-attempts",
                "12",
                "--log-level",
                "warning",
            ],
            SCEAU_YOUSIGN_API_KEY=self.secret("yousign_api_key"),
            SCEAU_YOUSIGN_WEBHOOK_SECRET=self.secret("yousign_webhook_secret"),
        )

    def wait_worker_ready(self, name: str = "worker", seconds: float = 90) -> None:
        def ready() -> bool:
            return self.alive(name) and (
                self.log(name).count("workers polling") > self.ready_marks.get(name, 0)
            )

        wait_for(ready, f"{name} to poll its queues", seconds)
        self.ready_marks[name] = self.log(name).count("workers polling")

    def alive(self, name: str) -> bool:
        """True while `name` runs; its log's end in the failure when it has exited."""
        code = self.processes[name].poll()
        assert code is None, f"{name} exited with {code}: {self.log(name)[-2000:]}"
        return True

    def wait_temporal_ready(self, seconds: float = 60) -> None:
        wait_for(
            lambda: self.alive("temporal") and answers(self.ports["temporal"]),
            "the Temporal dev server",
            seconds,
        )

    def wait_deliveries(self, count: int) -> list[Delivery]:
        """The first `count` webhooks the provider sent, once it has sent them."""
        assert self.relay is not None
        relay = self.relay
        wait_for(lambda: len(relay.deliveries) >= count, f"{count} webhook deliveries")
        return relay.deliveries[:count]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        return stop_process(self.processes[name], sig)

    def start_all(self, **worker_env: str) -> None:
        """Migrate, start every piece, wait until each answers, then seed a firm."""
        self.migrate()
        self.start_provider()
        self.start_temporal_on_free_ports()
        self.start_api()
        self.start_worker(**worker_env)
        wait_for(lambda: self.alive("api") and _healthy(self.api), "the API")
        wait_for(lambda: self.alive("provider") and answers(self.ports["provider"]), "provider")
        self.wait_worker_ready()
        self.demo = seed_demo(self.api, self.secret("operator_token"))

    def start_temporal_on_free_ports(self, tries: int = 3) -> None:
        """A port found free may be taken by another test's process before Temporal binds it:
        then the dev server exits, and it is started again on other ports."""
        for _ in range(tries - 1):
            self.start_temporal()
            try:
                self.wait_temporal_ready()
                return
            except AssertionError:
                stop_process(self.processes["temporal"], signal.SIGKILL)
                self.ports.update(temporal=free_port(), ui=free_port())
        self.start_temporal()
        self.wait_temporal_ready()

    def stop_all(self) -> None:
        for process in reversed(self.processes.values()):
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            stop_process(process)
        kill_leftovers(self.data_dir)


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def processes_mentioning(marker: str) -> list[int]:
    """Live processes whose command line holds `marker` (a LibreOffice profile path, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                stat = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
                if stat[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def pool_jobs(data_dir: Path, worker: str = "worker") -> list[Path]:
    """Conversions handed to a worker's LibreOffice (the pool makes a job directory for each)."""
    return list((data_dir / f"tmp-{worker}").glob("sceau-pool-*/slot-*/job-*"))


def libreoffice_pids(data_dir: Path, worker: str = "worker") -> list[int]:
    """The LibreOffice processes of a worker's converter pool (their profiles are in its TMPDIR)."""
    return processes_mentioning(f"{data_dir}/tmp-{worker}/")


def signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def kill_leftovers(data_dir: Path) -> None:
    """LibreOffice orphaned by a SIGKILLed worker must not outlive the test."""
    deadline = time.monotonic() + 10
    while (pids := processes_mentioning(f"{data_dir}/")) and time.monotonic() < deadline:
        signal_all(pids, signal.SIGKILL)
        time.sleep(0.2)
