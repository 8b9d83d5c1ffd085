"""Heartbeats that say "this worker is alive" while a sync activity works or waits."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from temporalio import activity

# Beat several times per heartbeat timeout, so that one late beat times nothing out.
BEATS_PER_TIMEOUT = 4


@contextmanager
def heartbeating() -> Iterator[None]:
    """Heartbeat from a helper thread for as long as the block runs.

    The documents activities spend their time inside calls that give no chance to heartbeat
    between steps: waiting for a free LibreOffice process, then for its reply (the converter
    pool), or rendering a template. A helper thread beats regardless, so the heartbeat means
    "the worker process is alive", which is what it is for: a worker killed outright stops
    beating and Temporal hands the activity to another worker after the heartbeat timeout
    instead of the whole start-to-close timeout. A conversion stuck in a live worker is not
    caught here but by the pool's own conversion timeout, and by start-to-close.

    The thread runs in a copy of the activity's context, where `activity.heartbeat` finds the
    activity; for a sync activity the SDK hands each heartbeat to the worker's event loop,
    which is safe from any thread. Does nothing for an activity given no heartbeat timeout
    (one scheduled before the timeout existed), or called outside an activity (a test calling
    the function directly).
    """
    timeout = activity.info().heartbeat_timeout if activity.in_activity() else None
    if not timeout:
        yield
        return
    interval = max(timeout.total_seconds() / BEATS_PER_TIMEOUT, 0.5)
    finished = threading.Event()

    def beat() -> None:
        while not finished.wait(interval):
            activity.heartbeat()

    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(beat,), name=f"heartbeat-{activity.info().activity_id}"
    )
    thread.daemon = True
    activity.heartbeat()
    thread.start()
    try:
        yield
    finally:
        finished.set()
        thread.join()
