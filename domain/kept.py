"""A small bounded memo shared by a process's threads: at most `size` values by key, the
oldest dropped first."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

_K = TypeVar("_K", bound=Hashable)
_T = TypeVar("_T")


class Kept(Generic[_K, _T]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._values: dict[_K, _T] = {}
        self._lock = threading.Lock()

    def get(self, key: _K) -> _T | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: _K, value: _T) -> None:
        with self._lock:
            if len(self._values) >= self._size:
                self._values.pop(next(iter(self._values)))
            self._values[key] = value
