"""What the read path derives from all schedules at once, kept between requests.

A list page, the dashboard and the cron preview each need something of every schedule (the
names for the duplicate warning, the next fires for `upcoming`, the expected load on the run
slots); reading and working that out per request was most of their time at 10,000 schedules.
Each value is kept with the schedules' fingerprint (change counter, counts, newest change)
and rebuilt when that moves; the slot forecast also depends on run durations, so it expires
too; it is rebuilt in the background while the last one still answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tickwork import overlap
from tickwork.scheduler.engine import VERSION_KEY
from tickwork.scheduler.forecast import NextFires
from tickwork.store import runs, schedules
from tickwork.store.db import Store
from tickwork.store.tables import SettingRow

log = logging.getLogger(__name__)
# The slot forecast is rebuilt at least this often: durations move as runs end.
FORECAST_TTL_SECONDS = 600.0
# At most one refresh per this many seconds: walking a week of fires is CPU work, and one per
# change (an import, a burst of edits) starved the requests of the interpreter.
REFRESH_GAP_SECONDS = 1.0
SESSION_KEY = "tickwork.snapshot"


def name_key(name: str) -> str:
    return name.strip().casefold()


@dataclass(frozen=True)
class Snapshot:
    """All schedules, narrow, as of one fingerprint."""

    fingerprint: tuple[Any, ...]
    rows: list[schedules.Brief]
    by_id: dict[str, schedules.Brief]
    # Schedules grouped by name as people read it (case and edge spaces ignored). Done here,
    # not in SQL: SQLite's lower() knows only ASCII, so "Äpfel" and "äpfel" would differ there.
    namesakes: dict[str, list[tuple[str, str]]]
    # The enabled ones in the dashboard's order (by name, then id).
    enabled: list[schedules.Brief] = field(default_factory=list)


@dataclass(frozen=True)
class Forecast:
    fingerprint: tuple[Any, ...]
    made: float  # time.monotonic() when it was made
    slots: overlap.SlotForecast
    loads: dict[str, overlap.Load]


class ReadCache:
    def __init__(self, store: Store, slots: int) -> None:
        self.store = store
        self.slots = slots
        self.next_fires = NextFires()
        self._snapshot: Snapshot | None = None
        self._forecast: Forecast | None = None
        self._forecast_lock = threading.Lock()
        self._refreshing = False
        self._closed = False
        self._finished = float("-inf")  # time.monotonic() when the last refresh ended
        self._thread: threading.Thread | None = None

    def snapshot(self, session: Session) -> Snapshot:
        """All schedules as this session sees them: one cheap aggregate when nothing changed,
        and none at all the second time in one read (a page asks for it more than once)."""
        seen = session.info.get(SESSION_KEY)
        if isinstance(seen, Snapshot) and seen is self._snapshot:
            return seen
        mark = fingerprint(session)
        known = self._snapshot
        if known is not None and known.fingerprint == mark:
            session.info[SESSION_KEY] = known
            return known
        rows = schedules.briefs(session)
        groups: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            groups.setdefault(name_key(row.name), []).append((row.id, row.name))
        enabled = sorted((r for r in rows if r.enabled), key=lambda r: (r.name.casefold(), r.id))
        made = Snapshot(mark, rows, {r.id: r for r in rows}, groups, enabled)
        self._snapshot = made
        session.info[SESSION_KEY] = made
        self.next_fires.retain(made.by_id)
        return made

    def forecast(self, session: Session, now: datetime) -> Forecast | None:
        """The slot forecast of the enabled schedules; None only while the first one of a big
        store is still being made in the background."""
        snap = self.snapshot(session)
        known = self._forecast
        fresh = known is not None and time.monotonic() - known.made < FORECAST_TTL_SECONDS
        if known is not None and fresh and known.fingerprint == snap.fingerprint:
            return known
        if known is None:
            with self._forecast_lock:
                if self._forecast is None:
                    self._forecast = _make(session, snap, self.slots, now)
            return self._forecast
        # Changed or old: the last one answers while a new one is made apart from the request
        # (made inside every change's transaction, it held the write lock ten times as long).
        self._refresh_later(now)
        return known

    def _refresh_later(self, now: datetime) -> None:
        with self._forecast_lock:
            if self._refreshing or self._closed:
                return
            if time.monotonic() - self._finished < REFRESH_GAP_SECONDS:
                return  # a burst of changes is one refresh: the next request after the gap
            self._refreshing = True
            self._thread = threading.Thread(
                target=self._refresh, args=(now,), name="tickwork-forecast", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Wait for a forecast being made and start no other: before the store is disposed,
        so that no connection outlives it."""
        with self._forecast_lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            thread.join()

    def _refresh(self, now: datetime) -> None:
        try:
            with self.store.reading() as session:
                snap = self.snapshot(session)
                made = _make(session, snap, self.slots, now)
            self._forecast = made
        except Exception:  # the last forecast keeps answering; the next request tries again
            log.exception("slot forecast failed")
        finally:
            self._finished = time.monotonic()
            self._refreshing = False


def fingerprint(session: Session) -> tuple[Any, ...]:
    version = session.get(SettingRow, VERSION_KEY)
    return (version.value if version is not None else None, *schedules.fingerprint(session))


def load_of(
    row: schedules.Brief, durations: Sequence[float] | None
) -> tuple[overlap.Load, overlap.Expected]:
    expected = overlap.expected(durations or (), row.timeout_seconds)
    load = overlap.Load(
        row.id, row.cron_schedule, row.timezone, expected.seconds, row.concurrency_policy
    )
    return load, expected


def snap_ids(snap: Snapshot) -> list[str]:
    return [row.id for row in snap.enabled]


def _make(session: Session, snap: Snapshot, slots: int, now: datetime) -> Forecast:
    began = time.monotonic()
    durations = runs.recent_durations(session, snap_ids(snap), overlap.RECENT_RUNS)
    loads = {row.id: load_of(row, durations.get(row.id))[0] for row in snap.enabled}
    made = Forecast(
        snap.fingerprint, time.monotonic(), overlap.forecast(loads.values(), slots, now), loads
    )
    log.debug("slot forecast of %d schedules in %.3f s", len(loads), time.monotonic() - began)
    return made
