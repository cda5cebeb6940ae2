"""The APScheduler job mirror: one in-memory job per enabled schedule, derived from the store.

The store is the truth; APScheduler's in-memory job store is rebuilt from it at start-up and
kept in step by `sync` on every change made here, and by a poll of the stored schedules version
for changes made by other processes, so nothing is ever pickled into the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, timedelta

from apscheduler.executors.debug import DebugExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from tickwork import cron
from tickwork.clock import Clock
from tickwork.errors import StorageUnavailable
from tickwork.scheduler import state
from tickwork.scheduler.fires import FireRecorder
from tickwork.scheduler.state import SchedulerState
from tickwork.scheduler.trigger import CrontabTrigger
from tickwork.store import schedules
from tickwork.store.db import Outage, Store, problem
from tickwork.store.tables import ScheduleRow

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


class JobMirror:
    """APScheduler's jobs for the enabled schedules; each fire is handed to `fires`."""

    def __init__(
        self,
        store: Store,
        stored: SchedulerState,
        fires: FireRecorder,
        clock: Clock,
        lead: timedelta = timedelta(0),
        disarm: Callable[[str | None], None] | None = None,
    ) -> None:
        self.store = store
        self.stored = stored
        self.fires = fires
        self.clock = clock
        # How long before its instant a fire is claimed (Settings.fire_lead_seconds), and what
        # withdraws the armed runs of a schedule that changed meanwhile (None: all of them).
        self.lead = lead
        self._disarm = disarm
        self._sync_lock = threading.Lock()
        self._outage = Outage("scheduler poll")
        self._scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore(), "internal": MemoryJobStore()},
            # A fire job only notes its instant (no IO, it cannot block), so it runs inline in
            # APScheduler's own loop: a hundred fires due together are noted in a few hundred
            # microseconds instead of queuing through a thread pool. Housekeeping (`every`),
            # which waits on the store, keeps the pool.
            executors={"inline": DebugExecutor(), "pool": ThreadPoolExecutor(4)},
            timezone=UTC,
            # A fire job only notes its instant (see _fire), so it never overlaps itself; a
            # fire APScheduler itself was late for (a stalled process) still runs, once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    @property
    def alive(self) -> bool:
        """Whether this process's scheduler is started (paused or not)."""
        return bool(self._scheduler.running)

    def start(self) -> None:
        self.fires.start()
        self._scheduler.start()
        self.every(POLL_SECONDS, self.poll, "tickwork.poll")

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
            self.fires.stop()
            log.info("scheduler stopped")

    def every(self, seconds: float, func: Callable[[], None], name: str) -> None:
        """Housekeeping on an interval, beside (not among) the schedules' jobs. A turn that comes
        while the last one is still waiting on the store is let go quietly: APScheduler would
        warn about it every interval for as long as an outage lasts."""
        busy = threading.Lock()

        def turn() -> None:
            if busy.acquire(blocking=False):
                try:
                    func()
                finally:
                    busy.release()

        self._scheduler.add_job(
            turn,
            "interval",
            seconds=seconds,
            id=name,
            jobstore="internal",
            executor="pool",
            replace_existing=True,
            misfire_grace_time=max(1, int(seconds)),  # late housekeeping is done next time
            max_instances=3,  # one waiting on the store, the others let go at once by `busy`
        )

    def resync(self) -> int:
        """Make the jobs match the store as a whole; returns how many are scheduled."""
        with self._sync_lock, self.store.reading() as session:
            self.stored.seen_version = state.version_in(session)
            rows = {row.id: row for row in schedules.enabled(session)}
            # One listing, not get_job per row: before APScheduler starts, its jobs wait in a
            # list that get_job walks, which made 10,000 schedules cost 10,000² steps.
            jobs = {job.id: job for job in self._scheduler.get_jobs(jobstore="default")}
            for job_id, job in jobs.items():
                if job_id not in rows:
                    job.remove()
                    self.disarm(job_id)
            for row in rows.values():
                job = jobs.get(row.id)
                if job is None or job.kwargs.get("version") != row.updated_at.isoformat():
                    if job is not None:
                        self.disarm(row.id)
                    self._add(row)
            return len(rows)

    def poll(self) -> None:
        """Beat, and follow what other processes stored: the schedules and the paused flag."""
        try:
            self.stored.beat()
            with self.store.reading() as session:
                version = state.version_in(session)
                paused = state.paused_in(session)
        except (SQLAlchemyError, StorageUnavailable) as exc:
            if problem(exc) is None:
                raise  # a bug, not an outage: keep it loud
            self._outage.failed(exc)
            return
        self._outage.over()
        if version != self.stored.seen_version:
            log.info("schedules changed elsewhere; re-reading them")
            self.resync()
        if paused != self.stored.seen_paused:
            self.stored.apply_paused(paused)
            if paused:
                self.disarm(None)

    def sync(self, schedule_id: str) -> None:
        """Make the job for `schedule_id` match the store: added, replaced or removed.

        Serialised with resync: a resync that read the rows before this change committed
        must not put the old job back after this one installed the new.
        """
        with self._sync_lock:
            self._sync(schedule_id)

    def _sync(self, schedule_id: str) -> None:
        row = self.store.read(lambda session: schedules.get(session, schedule_id))
        # A run armed for an instant still to come was claimed from the schedule as it was:
        # withdrawn, and the job below (if the schedule is still on) arms it again at once,
        # as it now is.
        self.disarm(schedule_id)
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
                self._scheduler.remove_job(schedule_id, jobstore="default")
                log.info("scheduler: %s unscheduled", schedule_id)
            except JobLookupError:
                pass

    def scheduled_ids(self) -> set[str]:
        """The schedules this process's APScheduler holds a job for: what will fire here,
        which can lag the store by a poll when another process changed it."""
        return {job.id for job in self._scheduler.get_jobs(jobstore="default")}

    def disarm(self, schedule_id: str | None) -> None:
        """Withdraw the armed runs of `schedule_id` (of every schedule: None)."""
        if self._disarm is not None and self.lead:
            self._disarm(schedule_id)

    def _add(self, row: ScheduleRow) -> None:
        # replace stops the run it replaces when its fire is claimed: never ahead of time.
        lead = timedelta(0) if row.concurrency_policy == "replace" else self.lead
        self._scheduler.add_job(
            self.fire,
            trigger=CrontabTrigger(row.cron_schedule, cron.zone(row.timezone), lead),
            args=[row.id, row.cron_schedule, row.timezone],
            kwargs={"version": row.updated_at.isoformat(), "lead": lead.total_seconds()},
            id=row.id,
            name=row.name,
            executor="inline",
            replace_existing=True,
        )

    def fire(
        self,
        schedule_id: str,
        expression: str,
        timezone: str,
        version: str = "",
        lead: float = 0.0,
    ) -> None:
        """APScheduler's job: note the instant that is due (`lead` seconds from now, when the
        job fires ahead), without touching the store, so a slow or failing store can never
        make APScheduler drop this fire or the next."""
        if self.stored.seen_paused:
            log.info("scheduler paused: fire of %s dropped", schedule_id)
            return
        now = self.clock.now()
        due = now + timedelta(seconds=lead)
        self.fires.add(schedule_id, cron.latest_fire(expression, cron.zone(timezone), due) or now)
