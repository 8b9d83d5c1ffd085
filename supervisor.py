"""Keeps `sceau run`'s processes alive: a child that dies is restarted and the restart logged."""

from __future__ import annotations

import subprocess
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

# More restarts than this within the window means the child cannot run: stop trying.
MAX_RESTARTS = 5
WINDOW_SECONDS = 60.0


class GaveUp(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen[bytes]
    # Settings for this child only (e.g. its own metrics port), over the shared environment.
    env: dict[str, str] = field(default_factory=dict)
    restarts: deque[float] = field(default_factory=deque)


class Supervisor:
    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir, self.env = log_dir, env
        self.children: list[Child] = []

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        try:
            return subprocess.Popen(command, env={**self.env, **env}, stdout=log, stderr=log)
        finally:
            log.close()

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        env = env or {}
        self.children.append(Child(name, command, self._spawn(name, command, env), env))

    def check(self) -> None:
        """Restart each child that has exited; raise GaveUp when one keeps dying."""
        now = time.monotonic()
        for child in self.children:
            code = child.process.poll()
            if code is None:
                continue
            while child.restarts and now - child.restarts[0] > WINDOW_SECONDS:
                child.restarts.popleft()
            if len(child.restarts) >= MAX_RESTARTS:
                raise GaveUp(
                    f"{child.name} exited {MAX_RESTARTS + 1} times within {WINDOW_SECONDS:.0f} s;"
                    f" see {self.log_dir / child.name}.log"
                )
            child.restarts.append(now)
            child.process = self._spawn(child.name, child.command, child.env)
            print(
                f"{time.strftime('%H:%M:%S')} {child.name} exited with code {code}; restarted"
                f" (pid {child.process.pid}, log {self.log_dir / child.name}.log)",
                flush=True,
            )

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.terminate()
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.process.kill()
