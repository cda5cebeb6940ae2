"""The scheduler role: one APScheduler job per enabled schedule, derived from the store.

The store is the truth; APScheduler's in-memory job store is rebuilt from it at start-up and
kept in step by `sync` on every change, so nothing is ever pickled into the database. The
paused flag is stored too, so a paused scheduler stays paused across restarts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from tickwork import cron
from tickwork.dispatch import Dispatcher
from tickwork.events import EventBus
from tickwork.scheduler.trigger import CrontabTrigger
from tickwork.store import schedules
from tickwork.store.db import Store
from tickwork.store.tables import ScheduleRow, SettingRow

log = logging.getLogger(__name__)
PAUSED_KEY = "scheduler.paused"


class SchedulerEngine:
    def __init__(self, store: Store, dispatcher: Dispatcher, bus: EventBus) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.bus = bus
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running) and not self.paused

    @property
    def paused(self) -> bool:
        with self.store.reading() as session:
            row = session.get(SettingRow, PAUSED_KEY)
            return row is not None and row.value == "1"

    def start(self) -> None:
        with self.store.reading() as session:
            rows = schedules.enabled(session)
            for row in rows:
                self._add(row)
        self._scheduler.start(paused=self.paused)
        log.info(
            "scheduler started with %d enabled schedule(s)%s",
            len(rows),
            " (paused)" if self.paused else "",
        )

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
            log.info("scheduler stopped")

    def sync(self, schedule_id: str) -> None:
        """Make the job for `schedule_id` match the store: added, replaced or removed."""
        with self.store.reading() as session:
            row = schedules.get(session, schedule_id)
        if row is not None and row.enabled:
            self._add(row)
            log.info(
                "scheduler: %s (%s) scheduled: %s %s",
                row.name,
                row.id,
                row.cron_schedule,
                row.timezone,
            )
        else:
            try:
                self._scheduler.remove_job(schedule_id)
                log.info("scheduler: %s unscheduled", schedule_id)
            except JobLookupError:
                pass

    def set_paused(self, paused: bool) -> None:
        with self.store.session() as session:
            session.merge(SettingRow(key=PAUSED_KEY, value="1" if paused else "0"))
        if paused:
            self._scheduler.pause()
        else:
            self._scheduler.resume()
        log.info("scheduler %s", "paused" if paused else "resumed")
        self.bus.publish("scheduler", paused=paused)

    def next_run(
        self, row: ScheduleRow, now: datetime | None = None, paused: bool | None = None
    ) -> datetime | None:
        """When `row` fires next; None while it or the whole scheduler is off."""
        if not row.enabled or (self.paused if paused is None else paused):
            return None
        return cron.next_fire(row.cron_schedule, cron.zone(row.timezone), now or datetime.now(UTC))

    def upcoming(self, limit: int) -> list[tuple[str, datetime]]:
        """The next `limit` fires as APScheduler holds them (sorted by time, no recomputation)."""
        if self.paused:
            return []
        jobs = [j for j in self._scheduler.get_jobs() if j.next_run_time is not None]
        jobs.sort(key=lambda j: j.next_run_time)
        return [(j.id, j.next_run_time.astimezone(UTC)) for j in jobs[:limit]]

    def _add(self, row: ScheduleRow) -> None:
        self._scheduler.add_job(
            self._fire,
            trigger=CrontabTrigger(row.cron_schedule, cron.zone(row.timezone)),
            args=[row.id],
            id=row.id,
            name=row.name,
            replace_existing=True,
        )

    def _fire(self, schedule_id: str) -> None:
        self.dispatcher.fire(schedule_id, datetime.now(UTC))
