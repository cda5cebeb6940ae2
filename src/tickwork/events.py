"""In-process publish/subscribe for what the page shows live (runs and schedule changes).

Each subscriber owns a bounded queue; a subscriber that stops reading loses old events
rather than growing the server's memory, and the page refreshes when it sees a gap.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any

from tickwork.errors import Busy


@dataclass(frozen=True)
class Event:
    kind: str  # run | schedule | scheduler
    data: dict[str, Any]


class EventBus:
    """Each subscriber is an open HTTP stream holding a server thread, so their number is
    capped: past it the page falls back to polling instead of starving the API."""

    def __init__(self, max_subscribers: int = 16, max_pending: int = 1000) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[queue.Queue[Event]] = set()
        self._max_subscribers = max_subscribers
        self._max_pending = max_pending

    def publish(self, kind: str, **data: Any) -> None:
        event = Event(kind, data)
        with self._lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            try:
                q.put_nowait(event)
            except queue.Full:
                pass

    def subscribe(self) -> queue.Queue[Event]:
        q: queue.Queue[Event] = queue.Queue(self._max_pending)
        with self._lock:
            if len(self._subscribers) >= self._max_subscribers:
                raise Busy(f"{self._max_subscribers} live streams are open; poll instead")
            self._subscribers.add(q)
        return q

    def unsubscribe(self, q: queue.Queue[Event]) -> None:
        with self._lock:
            self._subscribers.discard(q)
