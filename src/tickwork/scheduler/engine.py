"""The scheduler role as one object: the job mirror, the stored state and catch-up behind it.

Each part is its own module (`mirror`, `state`, `catch_up`); this facade keeps the one
constructor and the methods the service, the runtime and the API call, so they need not know
how the parts divide the work. The paused flag is stored, so a paused scheduler stays paused
across restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from tickwork.auth.audit import Note
from tickwork.clock import SYSTEM, Clock
from tickwork.dispatch import Dispatcher
from tickwork.events import EventBus
from tickwork.scheduler.catch_up import catch_up
from tickwork.scheduler.fires import FireRecorder
from tickwork.scheduler.mirror import JobMirror
from tickwork.scheduler.state import VERSION_KEY, SchedulerState, paused_in
from tickwork.store.db import Store

# Re-exported for importers that predate the split: service.py reads the flag in its own
# session, and code that watches the schedules version imports its key from here.
__all__ = ["VERSION_KEY", "SchedulerEngine", "paused_in"]
log = logging.getLogger(__name__)


class SchedulerEngine:
    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher,
        bus: EventBus,
        clock: Clock = SYSTEM,
        lead_seconds: float = 0.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.dispatcher = dispatcher
        self.bus = bus
        self.fires = FireRecorder(dispatcher, clock)
        self.stored = SchedulerState(store, clock)
        self.mirror = JobMirror(
            store,
            self.stored,
            self.fires,
            clock,
            lead=timedelta(seconds=lead_seconds),
            disarm=dispatcher.disarm,
        )

    @property
    def alive(self) -> bool:
        """Whether this process's scheduler is started (paused or not)."""
        return self.mirror.alive

    @property
    def paused(self) -> bool:
        return self.stored.paused

    def start(self, catch_up_window: float) -> None:
        count = self.mirror.resync()
        self.stored.seen_paused = paused = self.paused
        last_alive = self.stored.last_alive()
        self.stored.beat()
        # The missed fires are claimed before any job can fire. APScheduler wakes on the wall
        # clock and a job notes the instant on our clock: where the two differ (a fake clock) a
        # job could note a missed instant as its own on-time fire, and catch-up find it taken.
        if last_alive and not paused:
            self.catch_up(last_alive, catch_up_window)
        self.mirror.start()
        log.info(
            "scheduler started with %d enabled schedule(s)%s",
            count,
            " (paused)" if paused else "",
        )

    def every(self, seconds: float, func: Callable[[], None], name: str) -> None:
        """Housekeeping on an interval, beside the schedules' jobs (see JobMirror.every)."""
        self.mirror.every(seconds, func, name)

    def catch_up(self, last_alive: datetime, window: float) -> list[int]:
        """The fires missed since `last_alive` (see catch_up.catch_up); the catch-up runs' ids."""
        return catch_up(self.store, self.dispatcher, self.clock, last_alive, window)

    def resync(self) -> int:
        """Make the jobs match the store as a whole; returns how many are scheduled."""
        return self.mirror.resync()

    def _poll(self) -> None:
        """One poll turn now, without waiting for its interval (the fault tests drive it)."""
        self.mirror.poll()

    def shutdown(self) -> None:
        self.mirror.shutdown()

    def sync(self, schedule_id: str) -> None:
        """Make the job for `schedule_id` match the store: added, replaced or removed."""
        self.mirror.sync(schedule_id)

    def set_paused(self, paused: bool, audit: Note | None = None, note: str | None = None) -> None:
        """Store the paused flag and its note, with its audit entry in the same transaction,
        and say so."""
        self.stored.set_paused(paused, audit, note)
        if paused:
            self.mirror.disarm(None)  # what was armed for the coming instants waits no more
        self.bus.publish("scheduler", paused=paused)

    def resync_later(self) -> None:
        """Re-read every schedule at the next poll that reaches the store."""
        self.stored.resync_later()

    def changed(self) -> None:
        """Record that the schedules changed, for schedulers in other processes."""
        self.stored.changed()

    def scheduled_ids(self) -> set[str]:
        """The schedules this process's APScheduler holds a job for."""
        return self.mirror.scheduled_ids()

    def _fire(
        self, schedule_id: str, expression: str, timezone: str, version: str = "", lead: float = 0
    ) -> None:
        """One fire now, as APScheduler would call it (the fault tests drive it)."""
        self.mirror.fire(schedule_id, expression, timezone, version, lead)
