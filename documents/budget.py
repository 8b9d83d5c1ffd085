"""A firm's template runs on a budget: CPU time, memory, wall time and output size.

Templates are uploaded by firms and rendered for every letter, by the API (the upload check)
and by the documents worker. The sandbox (documents/rendering.py) refuses the expressions that
grow without bound (ranges, repetition, concatenation, widths, joins) and counts loop turns;
what it cannot see — a loop over a loop over a loop, a pathological regular expression in the
template's XML — is stopped here: each rendering runs in a child process with RLIMIT_CPU and
RLIMIT_AS set, and is killed past its wall time. The children live on between renderings
(a few, one rendering each at a time), so a template is compiled once per child and no
interpreter starts per letter; one that overran is killed and replaced.

A real letter takes about 50 ms of CPU and some 60 MB; the budget is a hundred times that.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import queue
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["DEFAULT_BUDGET", "Budget", "BudgetExceeded", "run_within"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    cpu_seconds: int = 5
    wall_seconds: float = 10.0
    # Address space the child may add to what it maps once docxtpl is loaded.
    memory_bytes: int = 512 * MIB


DEFAULT_BUDGET = Budget()

# Bounds the sandbox applies inside one rendering (documents/rendering.py).
MAX_STRING = 100_000  # characters in one value built by the template (a letter's longest: ~5 000)
MAX_RANGE = 10_000  # items in one range()
MAX_LOOP_TURNS = 100_000  # range() items over one rendering
MAX_OUTPUT = 20_000_000  # characters of one rendered part (the default letter: ~60 000)


class BudgetExceeded(Exception):
    """The rendering went past its budget; the message says which part of it, for the firm."""


class _Child:
    """A long-lived rendering process (`python -m documents.budget`): pickles over its pipes.

    Long-lived so that a template version is compiled once per child (the sandbox's cache),
    not once per letter; replaced after `_MAX_TASKS` renderings or any budget overrun.
    """

    def __init__(self, budget: Budget) -> None:
        package_root = str(Path(__file__).resolve().parents[1])
        # Nothing of the parent's environment (tokens, keys) reaches the template's process.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": package_root}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "documents.budget", str(budget.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=package_root,
        )
        self.tasks = 0

    def run(self, budget: Budget, action: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.tasks += 1
        _write(self.proc.stdin, (budget.cpu_seconds, action, args))
        ready, _, _ = select.select([self.proc.stdout], [], [], budget.wall_seconds)
        if not ready:
            raise BudgetExceeded(f"more than {budget.wall_seconds:g} s to render")
        reply = _read(self.proc.stdout)
        if reply is None:
            code = self.proc.wait(timeout=5)
            if code in (-signal.SIGXCPU, -signal.SIGKILL):
                raise BudgetExceeded(f"more than {budget.cpu_seconds} s of computing")
            raise BudgetExceeded(f"the rendering stopped (exit {code}), out of memory")
        kind, payload = reply
        if kind == "memory":
            raise BudgetExceeded(f"more than {budget.memory_bytes // MIB} MiB of memory")
        if kind == "error":
            raise payload
        return payload

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


_MAX_TASKS = 200
# Renderings at once in this process: more would only share the same cores more thinly.
_SIZE = max(2, os.cpu_count() or 2)
_idle: queue.LifoQueue[_Child] = queue.LifoQueue()
_turns = threading.BoundedSemaphore(_SIZE)


def run_within(budget: Budget, action: Callable[..., Any], *args: Any) -> Any:
    """`action(*args)` in a child process held to `budget`; its result or its exception.

    BudgetExceeded when the child runs out of CPU time, memory or wall time (it is then
    killed, and another one serves the next call).
    """
    with _turns:
        try:
            child = _idle.get_nowait()
        except queue.Empty:
            child = _Child(budget)
        healthy = False
        try:
            result = child.run(budget, action, args)
            healthy = True
            return result
        except (OSError, EOFError, pickle.PickleError) as error:
            raise BudgetExceeded(f"the rendering process failed: {error}") from None
        finally:
            if healthy and child.tasks < _MAX_TASKS and child.proc.poll() is None:
                _idle.put(child)
            else:
                child.kill()


def _write(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack(">Q", header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _serve(memory_bytes: int) -> None:
    """The child's loop: one (cpu seconds, action, args) at a time, one reply each."""
    import documents.rendering  # noqa: F401  # loaded before the memory limit is set

    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # the pipe is the protocol's
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while (request := _read(requests)) is not None:
        cpu_seconds, action, args = request
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = math.ceil(usage.ru_utime + usage.ru_stime)
        resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, resource.RLIM_INFINITY))
        try:
            reply: tuple[str, Any] = ("ok", action(*args))
        except MemoryError:
            reply = ("memory", None)
        except Exception as error:  # sent back whole: the caller raises it again
            reply = ("error", error)
        try:
            _write(replies, reply)
        except MemoryError:
            return
        except Exception as error:  # an exception that does not pickle
            _write(replies, ("error", RuntimeError(f"{type(error).__name__}: {error}")))
        if reply[0] == "memory":
            return  # the caller kills this child; nothing it holds is trusted any more


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
