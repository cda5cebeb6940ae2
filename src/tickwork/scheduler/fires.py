"""Due instants on their way into the store: every fire becomes a run row, whatever the store does.

APScheduler calls a job on time and drops the next call while the previous one is still going
("maximum number of running instances reached"), so a fire that waited on a locked or full
database used to take the following fires down with it, and nothing recorded any of them.
Here APScheduler's job only notes the instant (no IO, it cannot block) and one thread of our own
writes the notes: when the store fails it keeps them, says so once, and retries until the store
answers. Instants that piled up for one schedule meanwhile are coalesced: the latest runs (late),
the older ones are recorded as `skipped` with the reason.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from tickwork.clock import Clock
from tickwork.dispatch import Dispatcher, Due
from tickwork.store.db import Outage, problem

log = logging.getLogger(__name__)
# A store that fails is retried after this long at first, then after longer waits up to the cap.
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0


@dataclass(frozen=True)
class Fire:
    schedule_id: str
    instant: datetime


class FireRecorder:
    """A queue of due instants and the thread that turns them into runs through `dispatcher`."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        retry_first: float = RETRY_FIRST_SECONDS,
    ) -> None:
        self.dispatcher = dispatcher
        self._clock = clock
        self._retry_first = retry_first
        self._pending: deque[Fire] = deque()
        self._wake = threading.Condition()
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = False
        self._outage = Outage("recording fires")
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="tickwork-fires", daemon=True)
        self._thread.start()

    def add(self, schedule_id: str, instant: datetime) -> None:
        """Note a due instant; returns at once (APScheduler's job thread calls this)."""
        with self._wake:
            self._pending.append(Fire(schedule_id, instant))
            self._idle.clear()
            self._wake.notify()

    def wait_idle(self, timeout: float) -> bool:
        """Whether everything noted so far is recorded within `timeout` seconds (for tests and
        a clean shutdown)."""
        return self._idle.wait(timeout)

    @property
    def held(self) -> int:
        """How many instants wait to be recorded (more than a moment's worth: an outage)."""
        with self._wake:
            return len(self._pending)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop: a write under way may finish within `timeout`, instants not yet written are
        left (the executor is about to shut down, so a run queued now would never start). They
        are not lost for good: the next start catches them up from the stored heartbeat."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.held:
            log.warning("stopped with %d fire(s) unrecorded; the next start catches up", self.held)

    def _loop(self) -> None:
        delay = self._retry_first
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._idle.set()
                    self._wake.wait()
                if self._stopping:
                    return
                # The batch stays in the queue while it is written: `held` counts it.
                batch = list(self._pending)
            left = self._record(batch)
            with self._wake:
                for _ in batch:
                    self._pending.popleft()
                self._pending.extendleft(reversed(left))
                if not left:
                    delay = self._retry_first
                    continue
                if self._stopping:
                    return
                self._wake.wait(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _record(self, batch: list[Fire]) -> list[Fire]:
        """Record `batch` in one claim (every fire held, so a burst due at one instant is one
        transaction); returns the fires not recorded because the store failed."""
        dues = [_due(fire, coalesced_into) for fire, coalesced_into in _coalesce(batch)]
        try:
            self.dispatcher.fire_many(dues, self._clock.now())
        except Exception as exc:
            if problem(exc) is None:  # a bug, not the store: find the fire it is about
                self._record_each(dues)
                self._outage.over()
                return []
            # The store failed (locked, full, gone, unreachable): hold them all and retry.
            self._outage.failed(exc)
            return batch
        self._outage.over()
        return []

    def _record_each(self, dues: list[Due]) -> None:
        for due in dues:
            try:
                self.dispatcher.fire_many([due], self._clock.now())
            except Exception:
                log.exception("fire of %s at %s not recorded", due.schedule_id, due.instant)


def _due(fire: Fire, coalesced_into: datetime | None) -> Due:
    if coalesced_into is None:
        return Due(fire.schedule_id, fire.instant)
    return Due(
        fire.schedule_id,
        fire.instant,
        skip="not run: the store could not be written when it was due; the fire at "
        f"{_iso(coalesced_into)} ran instead",
    )


def _coalesce(batch: list[Fire]) -> list[tuple[Fire, datetime | None]]:
    """Each fire with None when it is to run, or with the later instant of the same schedule
    that runs in its place. The order of the batch is kept."""
    latest: dict[str, datetime] = {}
    for fire in batch:
        latest[fire.schedule_id] = max(fire.instant, latest.get(fire.schedule_id, fire.instant))
    out: list[tuple[Fire, datetime | None]] = []
    for fire in batch:
        newest = latest[fire.schedule_id]
        out.append((fire, None if fire.instant == newest else newest))
    return out


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")
