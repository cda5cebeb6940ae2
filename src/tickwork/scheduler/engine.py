"""The scheduler role: one APScheduler job per enabled schedule, derived from the store.

The store is the truth; APScheduler's in-memory job store is rebuilt from it at start-up and
kept in step by `sync` on every change, so nothing is ever pickled into the database. The
paused flag is stored too, so a paused scheduler stays paused across restarts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tickwork import cron
from tickwork.auth.audit import Note
from tickwork.clock import SYSTEM, Clock
from tickwork.dispatch import Dispatcher
from tickwork.errors import StorageUnavailable
from tickwork.events import EventBus
from tickwork.scheduler.fires import FireRecorder
from tickwork.scheduler.trigger import CrontabTrigger
from tickwork.store import schedules
from tickwork.store.db import Outage, Store, problem
from tickwork.store.tables import ScheduleRow, SettingRow

log = logging.getLogger(__name__)
PAUSED_KEY = "scheduler.paused"
# Bumped by every change to the schedules; a scheduler that sees it move re-reads the store.
# It is how changes made by another process (`tickwork import`, a second web) arrive.
VERSION_KEY = "schedules.version"
POLL_SECONDS = 2.0
STALE = "stale"  # a _seen_version no stored version equals: the next poll re-reads all
# When a scheduler was last seen alive: fires after it were missed (see catch_up).
HEARTBEAT_KEY = "scheduler.heartbeat"
# Missed fires recorded as `skipped` per schedule after downtime: the newest ones; an
# every-minute schedule down for a day would otherwise add 1,440 rows to its history at start.
MISSED_RECORDS_MAX = 20


class SchedulerEngine:
    def __init__(
        self, store: Store, dispatcher: Dispatcher, bus: EventBus, clock: Clock = SYSTEM
    ) -> None:
        self.store = store
        self.clock = clock
        self.dispatcher = dispatcher
        self.bus = bus
        self._seen_version: str | None = None
        self._sync_lock = threading.Lock()
        self._seen_paused: bool | None = None
        self.fires = FireRecorder(dispatcher, clock)
        self._outage = Outage("scheduler poll")
        self._scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore(), "internal": MemoryJobStore()},
            timezone=UTC,
            # A fire job only notes its instant (see _fire), so it never overlaps itself; a
            # fire APScheduler itself was late for (a stalled process) still runs, once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    @property
    def alive(self) -> bool:
        """Whether this process's scheduler is started (paused or not)."""
        return bool(self._scheduler.running)

    @property
    def paused(self) -> bool:
        with self.store.reading() as session:
            return paused_in(session)

    def start(self, catch_up_window: float) -> None:
        count = self.resync()
        self._seen_paused = self.paused
        with self.store.reading() as session:
            last_alive = _setting(session, HEARTBEAT_KEY)
        self._beat()
        self.fires.start()
        self._scheduler.start()
        self.every(POLL_SECONDS, self._poll, "tickwork.poll")
        log.info(
            "scheduler started with %d enabled schedule(s)%s",
            count,
            " (paused)" if self._seen_paused else "",
        )
        if last_alive and not self._seen_paused:
            self.catch_up(datetime.fromisoformat(last_alive), catch_up_window)

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
            replace_existing=True,
            misfire_grace_time=max(1, int(seconds)),  # late housekeeping is done next time
            max_instances=3,  # one waiting on the store, the others let go at once by `busy`
        )

    def catch_up(self, last_alive: datetime, window: float) -> list[int]:
        """Fires missed while no scheduler ran, within `window` seconds: the latest becomes one
        `catch_up` run per schedule whose policy is `once`; every other missed fire (and the
        latest, under `skip`) is recorded as `skipped`, so the history shows what did not run.
        Returns the ids of the catch-up runs."""
        now = self.clock.now()
        oldest = max(last_alive, now - timedelta(seconds=window))
        with self.store.reading() as session:
            rows = list(schedules.enabled(session))
        started = []
        for row in rows:
            missed = _missed_fires(row, max(oldest, row.created_at), now)
            if not missed:
                continue
            latest = missed[-1]
            outcome = None
            if row.catch_up == "once":
                outcome = self.dispatcher.catch_up(row.id, latest)
            if outcome is not None:
                log.info("caught up %s (%s) for its fire at %s", row.name, row.id, latest)
                started.append(outcome.run_id)
                missed = missed[:-1]
            reason = "missed: tickwork was not running when it was due"
            if row.catch_up == "once":
                reason += f"; the catch-up run is for the fire at {_iso(latest)}"
            else:
                reason += " (catch-up policy: skip)"
            for instant in missed:
                self.dispatcher.skip_fire(row.id, instant, reason, now)
        return started

    def _beat(self) -> None:
        with self.store.session() as session:
            session.merge(SettingRow(key=HEARTBEAT_KEY, value=self.clock.now().isoformat()))

    def resync(self) -> int:
        """Make the jobs match the store as a whole; returns how many are scheduled."""
        with self._sync_lock, self.store.reading() as session:
            self._seen_version = _setting(session, VERSION_KEY)
            rows = {row.id: row for row in schedules.enabled(session)}
            # One listing, not get_job per row: before APScheduler starts, its jobs wait in a
            # list that get_job walks, which made 10,000 schedules cost 10,000² steps.
            jobs = {job.id: job for job in self._scheduler.get_jobs(jobstore="default")}
            for job_id, job in jobs.items():
                if job_id not in rows:
                    job.remove()
            for row in rows.values():
                job = jobs.get(row.id)
                if job is None or job.kwargs.get("version") != row.updated_at.isoformat():
                    self._add(row)
            return len(rows)

    def _poll(self) -> None:
        try:
            self._beat()
            with self.store.reading() as session:
                version = _setting(session, VERSION_KEY)
                paused = _setting(session, PAUSED_KEY) == "1"
        except (SQLAlchemyError, StorageUnavailable) as exc:
            if problem(exc) is None:
                raise  # a bug, not an outage: keep it loud
            self._outage.failed(exc)
            return
        self._outage.over()
        if version != self._seen_version:
            log.info("schedules changed elsewhere; re-reading them")
            self.resync()
        if paused != self._seen_paused:
            self._apply_paused(paused)

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
            self.fires.stop()
            log.info("scheduler stopped")

    def sync(self, schedule_id: str) -> None:
        """Make the job for `schedule_id` match the store: added, replaced or removed.

        Serialised with resync: a resync that read the rows before this change committed
        must not put the old job back after this one installed the new.
        """
        with self._sync_lock:
            self._sync(schedule_id)

    def _sync(self, schedule_id: str) -> None:
        row = self.store.read(lambda session: schedules.get(session, schedule_id))
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

    def set_paused(self, paused: bool, audit: Note | None = None) -> None:
        """Store the paused flag, with its audit entry in the same transaction."""

        def work(session: Session) -> None:
            session.merge(SettingRow(key=PAUSED_KEY, value="1" if paused else "0"))
            if audit is not None:
                audit.add(session, None)

        self.store.transact(work)
        self._apply_paused(paused)
        self.bus.publish("scheduler", paused=paused)

    def resync_later(self) -> None:
        """Re-read every schedule at the next poll that reaches the store (a change was saved
        but could not be synced)."""
        self._seen_version = STALE

    def changed(self) -> None:
        """Record that the schedules changed, for schedulers in other processes."""

        def bump(session: Session) -> tuple[str | None, str]:
            row = session.get(SettingRow, VERSION_KEY)
            before = row.value if row else None
            version = str(int(before) + 1 if before else 1)
            session.merge(SettingRow(key=VERSION_KEY, value=version))
            return before, version

        before, version = self.store.transact(bump)
        # Our own jobs are in step already (sync); skip the re-read unless someone else
        # changed something since we last looked.
        if before == self._seen_version:
            self._seen_version = version

    def _apply_paused(self, paused: bool) -> None:
        # APScheduler itself keeps running (it also polls the store); fires are dropped while
        # paused, and resuming does not replay them.
        if paused != self._seen_paused:
            log.info("scheduler %s", "paused" if paused else "resumed")
        self._seen_paused = paused

    def scheduled_ids(self) -> set[str]:
        """The schedules this process's APScheduler holds a job for: what will fire here,
        which can lag the store by a poll when another process changed it."""
        return {job.id for job in self._scheduler.get_jobs(jobstore="default")}

    def _add(self, row: ScheduleRow) -> None:
        self._scheduler.add_job(
            self._fire,
            trigger=CrontabTrigger(row.cron_schedule, cron.zone(row.timezone)),
            args=[row.id, row.cron_schedule, row.timezone],
            kwargs={"version": row.updated_at.isoformat()},
            id=row.id,
            name=row.name,
            replace_existing=True,
        )

    def _fire(self, schedule_id: str, expression: str, timezone: str, version: str = "") -> None:
        """APScheduler's job: note the instant that is due, without touching the store, so a
        slow or failing store can never make APScheduler drop this fire or the next."""
        if self._seen_paused:
            log.info("scheduler paused: fire of %s dropped", schedule_id)
            return
        now = self.clock.now()
        self.fires.add(schedule_id, cron.latest_fire(expression, cron.zone(timezone), now) or now)


def _missed_fires(row: ScheduleRow, after: datetime, now: datetime) -> list[datetime]:
    """The last MISSED_RECORDS_MAX fire instants of `row` in (after, now], oldest first."""
    return cron.fires_between(
        row.cron_schedule, cron.zone(row.timezone), after, now, MISSED_RECORDS_MAX
    )


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def paused_in(session: Session) -> bool:
    """The stored paused flag, read in the caller's transaction (never a nested one: nested
    sessions could exhaust the connection pool under load and wait on each other)."""
    return _setting(session, PAUSED_KEY) == "1"


def _setting(session: Session, key: str) -> str | None:
    row = session.get(SettingRow, key)
    return row.value if row is not None else None
