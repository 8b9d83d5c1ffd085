"""A watch on the event loop: no callback may hold it, and one that does is named in the log.

Every callback the loop runs (a task's step, a timer, an I/O handler) is timed; one that ran
longer than the limit is logged with the task it belongs to and where that task stood. Two
clock reads per callback: cheap enough to stay on in production. asyncio's own debug mode logs
the same, but captures a stack at every future it creates, which distorts the very times it
reports. It works on the standard library's loop, which the API and the workers run (uvicorn is
started with ``--loop asyncio``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable

log = logging.getLogger("sceau.loop")

_unwatched_run = asyncio.events.Handle._run


def _describe(handle: asyncio.Handle) -> str:
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return repr(owner)  # the coroutine, and the line where it now waits
    return repr(handle)


def share_the_gil_in_short_turns() -> None:
    """Threads (database steps, synchronous activities) and the event loop share one GIL; a
    waiting thread gets it after the holder's turn, 5 ms by default. With a dozen busy threads
    the loop would wait a dozen turns for each step: 1 ms turns keep that wait short."""
    sys.setswitchinterval(0.001)


def watch_callbacks(
    warn_after_ms: int, on_slow: Callable[[float], None] = lambda _seconds: None
) -> None:
    """From now on, log every callback of this process's loops that runs past the limit
    (0: stop watching). ``on_slow`` gets each such callback's time in seconds."""
    if not warn_after_ms:
        asyncio.events.Handle._run = _unwatched_run  # type: ignore[method-assign]
        return
    limit = warn_after_ms / 1000

    def timed_run(handle: asyncio.Handle) -> None:
        started = time.perf_counter()
        try:
            _unwatched_run(handle)
        finally:
            took = time.perf_counter() - started
            if took > limit:
                on_slow(took)
                log.warning(
                    "a callback held the event loop for %.0f ms: %s",
                    took * 1000,
                    _describe(handle),
                    extra={"held_ms": round(took * 1000)},
                )

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign,assignment]
