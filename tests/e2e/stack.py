"""The whole of Sceau as separate processes, started the way `make run` starts them."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx

SCEAU = Path(sys.executable).parent / "sceau"


# Ports the kernel never gives an outgoing connection: a port picked from the ephemeral range
# can be taken as the source port of some connection between the pick and the bind by the
# process that needs it (seen once: a second worker never served its metrics).
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_FIRST_PORT = 20000
_handed_out: set[int] = set()


@cache
def _below_ephemeral() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports_in_a_row(count: int) -> int:
    """The first of ``count`` consecutive free ports outside the ephemeral range, none handed
    out before in this process (worker N serves its metrics on the first + N - 1)."""
    last = _below_ephemeral() - count
    for _ in range(1000):
        first = random.randint(_FIRST_PORT, last)
        ports = range(first, first + count)
        if _handed_out.isdisjoint(ports) and all(_bindable(port) for port in ports):
            _handed_out.update(ports)
            return first
    raise RuntimeError(f"no {count} free ports in a row")


def free_port() -> int:
    return free_ports_in_a_row(1)


@dataclass
class Stack:
    api: str
    provider: str
    temporal: str
    # The first worker's SDK metrics (worker N serves on this port + N - 1).
    worker_metrics: str
    data_dir: Path
    demo: dict[str, Any]

    def secret(self, name: str) -> str:
        return (self.data_dir / "secrets" / name).read_text().strip()


@contextmanager
def running_stack(
    data_dir: Path, database_url: str, timeout: float = 180, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    ports = {name: free_port() for name in ("api", "temporal", "ui", "provider", "smtp")}
    workers = int((extra_env or {}).get("SCEAU_WORKERS", "1"))
    ports["metrics"] = free_ports_in_a_row(workers)
    env = {
        **os.environ,
        "SCEAU_DATA_DIR": str(data_dir),
        "SCEAU_DATABASE_URL": database_url,
        "SCEAU_API_PORT": str(ports["api"]),
        "SCEAU_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
        "SCEAU_TEMPORAL_UI_PORT": str(ports["ui"]),
        "SCEAU_SIGNATURE_PROVIDER_PORT": str(ports["provider"]),
        "SCEAU_WORKER_METRICS_PORT": str(ports["metrics"]),
        "SCEAU_SMTP_PORT": str(ports["smtp"]),
        **(extra_env or {}),
    }
    output = open(data_dir / "run.out", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen([str(SCEAU), "run"], env=env, stdout=output, stderr=output)
    try:
        demo_file = data_dir / "demo.json"
        deadline = time.monotonic() + timeout
        while not demo_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir / "run.out").read_text()[-3000:])
            time.sleep(0.5)
        time.sleep(0.5)  # demo.json is written just before the welcome text
        yield Stack(
            api=f"http://127.0.0.1:{ports['api']}",
            provider=f"http://127.0.0.1:{ports['provider']}",
            temporal=f"127.0.0.1:{ports['temporal']}",
            worker_metrics=f"http://127.0.0.1:{ports['metrics']}/metrics",
            data_dir=data_dir,
            demo=json.loads(demo_file.read_text()),
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        output.close()


class Api:
    """A thin client that fails loudly on an unexpected status."""

    def __init__(self, base: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        )

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path} → {response.status_code}: {response.text[:500]}"
        )
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    def get(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("GET", path, expect, **kwargs)

    def post(self, path: str, body: Any = None, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("POST", path, expect, json=body, **kwargs)

    def patch(self, path: str, body: Any, expect: int = 200) -> Any:
        return self.call("PATCH", path, expect, json=body)


def wait_for(check: Any, what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")
