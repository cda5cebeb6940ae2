"""The periodic health check: what only the passing of time reveals.

A run's end and start re-evaluate its schedule's health at once (store/lifecycle.py). What no
event announces is looked for here, every `health_check_interval_seconds` on the injected
clock:

- runs running far past their usual time (stuck);
- fires whose instant passed, by more than the grace, without a run (missed): the calendar
  since the last turn's horizon, against the runs by their claim key;
- schedules that are not ok, re-evaluated: switching one off or changing it answers a
  missed fire, and nothing else would tell.

Each turn first reads (no write lock on SQLite) and decides which schedules would change;
only those get a write transaction, one each. The turn also measures the scheduler's loop
lag (how late this turn came after the last one plus the interval) and stores it with the
turn's time and horizon in the settings table, so any process (a `tickwork web`) can answer
GET /health, and a restart goes on from the horizon rather than looking a day back.

While the scheduler is paused its fires are dropped on purpose: nothing is missed, and the
horizon moves to the present, so the dropped fires are not looked for after it resumes.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tickwork.clock import Clock
from tickwork.health import HealthChange, shortest_stuck_after
from tickwork.scheduler.state import paused_in, setting
from tickwork.store import health as stored_health
from tickwork.store.db import Outage, Store, problem
from tickwork.store.health import HealthRecorder
from tickwork.store.tables import SettingRow

log = logging.getLogger(__name__)
CHECKED_AT_KEY = "health.checked_at"  # when the last turn ran
LOOP_LAG_KEY = "health.loop_lag"  # how late it came, in seconds
HORIZON_KEY = "health.checked_until"  # fires up to here were looked for


class HealthCheck:
    def __init__(
        self, store: Store, recorder: HealthRecorder, clock: Clock, interval: float
    ) -> None:
        self.store = store
        self.recorder = recorder
        self.clock = clock
        self.interval = timedelta(seconds=interval)
        self._last: datetime | None = None
        self._outage = Outage("checking schedule health")

    def turn(self) -> None:
        """One housekeeping turn: a store in trouble only delays it to the next (said once
        per outage); it must not kill the scheduler's job."""
        try:
            self.check()
        except Exception as exc:
            if problem(exc) is None:
                raise
            self._outage.failed(exc)
        else:
            self._outage.over()

    def check(self) -> list[HealthChange]:
        """Look, write what moved; the transitions this turn made."""
        now = self.clock.now()
        lag = (now - (self._last + self.interval)).total_seconds() if self._last else 0.0
        self._last = now
        paused, horizon, due = self.store.read(lambda session: self._due(session, now))
        changes = []
        for schedule_id, missed_at in due.items():
            refresh = functools.partial(
                self.recorder.refresh, schedule_id=schedule_id, now=now, missed_at=missed_at
            )
            if (change := self.store.transact(refresh)) is not None:
                changes.append(change)
        self.store.transact(lambda session: _record(session, now, max(lag, 0.0), horizon))
        return changes

    def _due(
        self, session: Session, now: datetime
    ) -> tuple[bool, datetime, dict[str, datetime | None]]:
        """Whether paused, the new horizon, and the schedules whose health would change (with
        the fire found missing, if any)."""
        policy = self.recorder.policy
        paused = paused_in(session)
        until = now - policy.missed_grace
        last = _horizon_in(session)
        after = last if last is not None else until - stored_health.MISSED_WINDOW
        missing = {} if paused else stored_health.missing_fires(session, after, until)
        candidates = (
            set(stored_health.unhealthy_ids(session))
            | set(stored_health.long_running(session, now - shortest_stuck_after(policy)))
            | set(missing)
        )
        due: dict[str, datetime | None] = {}
        for schedule_id in sorted(candidates):
            stored = self.recorder.stored(session, schedule_id)
            if stored is None:
                continue
            found = missing.get(schedule_id)
            verdict = self.recorder.verdict(session, stored, now, found)
            if self.recorder.changes(stored, verdict, found):
                due[schedule_id] = found
        return paused, (now if paused else max(until, last or until)), due


def _horizon_in(session: Session) -> datetime | None:
    value = setting(session, HORIZON_KEY)
    return datetime.fromisoformat(value) if value else None


def _record(session: Session, now: datetime, lag: float, horizon: datetime) -> None:
    session.merge(SettingRow(key=CHECKED_AT_KEY, value=now.isoformat()))
    session.merge(SettingRow(key=LOOP_LAG_KEY, value=f"{lag:.3f}"))
    session.merge(SettingRow(key=HORIZON_KEY, value=horizon.isoformat()))


def loop_lag_in(session: Session, now: datetime, interval: float) -> float | None:
    """How late the scheduler's loop is: the last turn's lag, or, when the next turn is
    overdue, by how much (a stalled loop writes no lag at all). None before any turn."""
    at = setting(session, CHECKED_AT_KEY)
    if not at:
        return None
    overdue = (now - datetime.fromisoformat(at)).total_seconds() - interval
    return round(max(float(setting(session, LOOP_LAG_KEY) or 0.0), overdue, 0.0), 3)
