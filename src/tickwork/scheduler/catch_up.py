"""Catch-up after downtime: the fires no scheduler was running for.

APScheduler only knows the fires it was alive for; the stored heartbeat says since when no
scheduler ran, and the cron expressions say what fell due in between. Each schedule's policy
decides what becomes of them, and the history shows every one: a catch-up run or `skipped`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tickwork import cron
from tickwork.clock import Clock
from tickwork.dispatch import Dispatcher
from tickwork.health import MISSED_PREFIX
from tickwork.store import schedules
from tickwork.store.db import Store
from tickwork.store.tables import ScheduleRow

log = logging.getLogger(__name__)
# Missed fires recorded as `skipped` per schedule after downtime: the newest ones; an
# every-minute schedule down for a day would otherwise add 1,440 rows to its history at start.
MISSED_RECORDS_MAX = 20


def catch_up(
    store: Store, dispatcher: Dispatcher, clock: Clock, last_alive: datetime, window: float
) -> list[int]:
    """Fires missed while no scheduler ran, within `window` seconds: the latest becomes one
    `catch_up` run per schedule whose policy is `once`; every other missed fire (and the
    latest, under `skip`) is recorded as `skipped`, so the history shows what did not run.
    Returns the ids of the catch-up runs."""
    now = clock.now()
    oldest = max(last_alive, now - timedelta(seconds=window))
    with store.reading() as session:
        rows = list(schedules.enabled(session))
    started = []
    for row in rows:
        missed = _missed_fires(row, max(oldest, row.created_at), now)
        if not missed:
            continue
        latest = missed[-1]
        outcome = None
        if row.catch_up == "once":
            outcome = dispatcher.catch_up(row.id, latest)
        if outcome is not None:
            log.info("caught up %s (%s) for its fire at %s", row.name, row.id, latest)
            started.append(outcome.run_id)
            missed = missed[:-1]
        # The prefix marks these for health: the fire has a row, but it did not run.
        reason = f"{MISSED_PREFIX} tickwork was not running when it was due"
        if row.catch_up == "once":
            reason += f"; the catch-up run is for the fire at {_iso(latest)}"
        else:
            reason += " (catch-up policy: skip)"
        for instant in missed:
            dispatcher.skip_fire(row.id, instant, reason, now)
    return started


def _missed_fires(row: ScheduleRow, after: datetime, now: datetime) -> list[datetime]:
    """The last MISSED_RECORDS_MAX fire instants of `row` in (after, now], oldest first."""
    return cron.fires_between(
        row.cron_schedule, cron.zone(row.timezone), after, now, MISSED_RECORDS_MAX
    )


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")
