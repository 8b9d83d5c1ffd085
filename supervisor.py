"""Keeps `sceau run`'s processes alive: a child that dies is restarted and the restart logged.

And stops them all on the way out, whatever they started: each child leads its own process
group, and `sceau run` is the "child subreaper" of its tree (Linux), so a grandchild whose
parent died (a LibreOffice of a worker's converter pool, which runs in its own session) is
adopted by `sceau run` rather than by init, and is found and killed with the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

# More restarts than this within the window means the child cannot run: stop trying.
MAX_RESTARTS = 5
WINDOW_SECONDS = 60.0
# How long a child has to stop after SIGTERM before its whole group gets SIGKILL.
STOP_SECONDS = 10.0

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


class GaveUp(RuntimeError):
    pass


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process instead of init (Linux)."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    # A `sceau run` killed outright (SIGKILL) leaves no orphan: its children get SIGTERM.
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _stat(pid: str) -> tuple[int, str] | None:
    """(parent pid, state) of a process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[1]), fields[0]


def descendants(root: int, *, zombies: bool = False) -> list[int]:
    """Every live process below `root` (children first), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(entry.name)
        if stat is None or (stat[1] == "Z" and not zombies):
            continue
        parents.setdefault(stat[0], []).append(int(entry.name))
    found: list[int] = []
    queue = [root]
    while queue:
        for pid in parents.get(queue.pop(0), []):
            found.append(pid)
            queue.append(pid)
    return found


def _signal(pid: int, sig: int, *, group: bool = False) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


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
        # Set by a second Ctrl-C: stop without waiting for anyone.
        self.hurry = False
        self.subreaper = become_subreaper()

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        try:
            return subprocess.Popen(
                command,
                env={**self.env, **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # Its own process group: the terminal's Ctrl-C reaches `sceau run` alone, which
                # stops the children in order, and each child's group is stopped whole.
                start_new_session=True,
                preexec_fn=_die_with_parent,  # sceau run starts no threads: safe
            )
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
            # What the dead child left in its group (a crashed worker's helpers) goes with it.
            _signal(child.process.pid, signal.SIGKILL, group=True)
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
        self.reap_adopted()

    def reap_adopted(self) -> None:
        """Reap the orphans this subreaper adopted once they exit (no zombies pile up)."""
        ours = {child.process.pid for child in self.children}
        for pid in descendants(os.getpid(), zombies=True):
            if pid in ours:
                continue
            stat = _stat(str(pid))
            if stat is not None and stat[0] == os.getpid() and stat[1] == "Z":
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)

    def stop_all(self, timeout: float = STOP_SECONDS) -> None:
        """SIGTERM every child's group, SIGKILL what is left after `timeout`, then kill
        whatever else still lives below this process."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                _signal(child.process.pid, signal.SIGTERM, group=True)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            while child.process.poll() is None and time.monotonic() < deadline and not self.hurry:
                time.sleep(0.05)
            if child.process.poll() is None:
                _signal(child.process.pid, signal.SIGKILL, group=True)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.process.wait(timeout=5)
            # Anything its group still holds once the leader is gone.
            _signal(child.process.pid, signal.SIGKILL, group=True)
        self.kill_leftovers()

    def kill_leftovers(self, timeout: float = 5.0) -> list[int]:
        """SIGKILL (and reap) every process still below this one; return those found."""
        me, killed = os.getpid(), list[int]()
        deadline = time.monotonic() + timeout
        while True:
            left = descendants(me)
            zombies = [pid for pid in descendants(me, zombies=True) if pid not in left]
            for pid in zombies:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            if not left or time.monotonic() > deadline:
                return killed
            for pid in reversed(left):  # the deepest first, so their parents reap them
                _signal(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)
