"""Sliding-window limits on sign-in and link requests (this process's memory).

Each key (an e-mail, an address) may have ``limit`` events in any ``seconds``-long window;
past that, ``retry_after`` says how many seconds until the oldest falls out. One API process
keeps its own counts: behind several, a visitor gets at most that many tries per process.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

# Keys kept at most: a flood of distinct keys cannot grow memory without bound.
MAX_KEYS = 50_000


class SlidingWindow:
    def __init__(
        self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self._events: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        horizon = self.clock() - self.seconds
        while events and events[0] <= horizon:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait before the next event of ``key`` is allowed; None: allowed now."""
        events = self._recent(key)
        if len(events) < self.limit:
            return None
        return max(1, math.ceil(events[0] + self.seconds - self.clock()))

    def hit(self, key: str) -> None:
        if key not in self._events and len(self._events) >= MAX_KEYS:
            self._events.pop(next(iter(self._events)))  # the longest-known key goes first
        self._events.setdefault(key, deque()).append(self.clock())

    def clear(self, key: str) -> None:
        self._events.pop(key, None)


# The sixth wrong password for one e-mail within a minute answers 429; an address trying many
# e-mails is held back a little later.
WRONG_PASSWORDS = SlidingWindow(limit=5, seconds=60)
WRONG_PASSWORDS_FROM = SlidingWindow(limit=20, seconds=60)
# A client's sign-in links (and anything else a form e-mails): five a minute per address.
LINK_REQUESTS = SlidingWindow(limit=5, seconds=60)
LINK_REQUESTS_FROM = SlidingWindow(limit=20, seconds=60)
