"""The scheduler's stored state: the paused flag, the schedules version and the heartbeat.

All three live in the settings table, not in a process, because the store is the truth every
role can rebuild from: a paused scheduler stays paused across restarts, a scheduler sees a
change made by another process (`tickwork import`, a second web) by the version moving, and a
starting scheduler learns from the last heartbeat since when fires were missed (see catch_up).

The functions work in the caller's session; `SchedulerState` adds what one process last saw,
so that its poll re-reads the schedules only when someone else changed them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from tickwork.auth.audit import Note
from tickwork.clock import Clock
from tickwork.store.db import Store
from tickwork.store.tables import SettingRow

log = logging.getLogger(__name__)
PAUSED_KEY = "scheduler.paused"
# Bumped by every change to the schedules; a scheduler that sees it move re-reads the store.
# It is how changes made by another process (`tickwork import`, a second web) arrive.
VERSION_KEY = "schedules.version"
# When a scheduler was last seen alive: fires after it were missed (see catch_up).
HEARTBEAT_KEY = "scheduler.heartbeat"
STALE = "stale"  # a seen version no stored version equals: the next poll re-reads all


def setting(session: Session, key: str) -> str | None:
    row = session.get(SettingRow, key)
    return row.value if row is not None else None


def paused_in(session: Session) -> bool:
    """The stored paused flag, read in the caller's transaction (never a nested one: nested
    sessions could exhaust the connection pool under load and wait on each other)."""
    return setting(session, PAUSED_KEY) == "1"


def version_in(session: Session) -> str | None:
    return setting(session, VERSION_KEY)


def last_alive_in(session: Session) -> datetime | None:
    """The last heartbeat of any scheduler; None on a store no scheduler has run on yet."""
    value = setting(session, HEARTBEAT_KEY)
    return datetime.fromisoformat(value) if value else None


def store_paused(session: Session, paused: bool) -> None:
    session.merge(SettingRow(key=PAUSED_KEY, value="1" if paused else "0"))


def beat(session: Session, now: datetime) -> None:
    session.merge(SettingRow(key=HEARTBEAT_KEY, value=now.isoformat()))


def bump_version(session: Session) -> tuple[str | None, str]:
    """Move the schedules version on by one; returns it before and after."""
    before = setting(session, VERSION_KEY)
    version = str(int(before) + 1 if before else 1)
    session.merge(SettingRow(key=VERSION_KEY, value=version))
    return before, version


class SchedulerState:
    """The stored state as this process last saw it, and the writes that keep the two in step.

    `seen_version` is the version the job mirror was built from; `seen_paused` is the flag the
    fires obey (read on every fire from memory, since a fire must not touch the store).
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.seen_version: str | None = None
        self.seen_paused: bool | None = None

    @property
    def paused(self) -> bool:
        with self.store.reading() as session:
            return paused_in(session)

    def last_alive(self) -> datetime | None:
        with self.store.reading() as session:
            return last_alive_in(session)

    def beat(self) -> None:
        with self.store.session() as session:
            beat(session, self.clock.now())

    def set_paused(self, paused: bool, audit: Note | None = None) -> None:
        """Store the paused flag, with its audit entry in the same transaction."""

        def work(session: Session) -> None:
            store_paused(session, paused)
            if audit is not None:
                audit.add(session, None)

        self.store.transact(work)
        self.apply_paused(paused)

    def apply_paused(self, paused: bool) -> None:
        # APScheduler itself keeps running (it also polls the store); fires are dropped while
        # paused, and resuming does not replay them.
        if paused != self.seen_paused:
            log.info("scheduler %s", "paused" if paused else "resumed")
        self.seen_paused = paused

    def changed(self) -> None:
        """Record that the schedules changed, for schedulers in other processes."""
        before, version = self.store.transact(bump_version)
        # Our own jobs are in step already (sync); skip the re-read unless someone else
        # changed something since we last looked.
        if before == self.seen_version:
            self.seen_version = version

    def resync_later(self) -> None:
        """Re-read every schedule at the next poll that reaches the store (a change was saved
        but could not be synced)."""
        self.seen_version = STALE
