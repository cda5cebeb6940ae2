"""Slows down password guessing: after a few failed logins for one username from one address,
every further attempt must wait, twice as long each time, up to a cap.

Kept in the memory of one process: cheap, and enough to turn a fast guesser into a slow one.
The pair (username, address) is the key so that a stranger cannot lock a colleague out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    def __init__(
        self,
        free: int = 5,
        first_wait: float = 1.0,
        max_wait: float = 300.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def wait_time(self, username: str, address: str) -> float:
        """Seconds before this pair may try again; 0 when it may try now."""
        with self._lock:
            entry = self._failures.get((username, address))
            if entry is None or entry.count < self.free:
                return 0.0
            return max(0.0, entry.last + self._wait(entry.count) - self.clock())

    def failed(self, username: str, address: str) -> None:
        key = (username, address)
        with self._lock:
            entry = self._failures.pop(key, None) or _Failures(0, 0.0)
            entry.count += 1
            entry.last = self.clock()
            self._failures[key] = entry
            while len(self._failures) > self.max_keys:  # a spray of names must not fill memory
                self._failures.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username, address), None)

    def _wait(self, count: int) -> float:
        return min(self.max_wait, self.first_wait * 2.0 ** min(count - self.free, 30))
