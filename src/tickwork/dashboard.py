"""The dashboard aggregate (GET /schedules/status): scheduler state, counts, the next fires
over all schedules, running and queued runs, recent failures and counts, and the schedules
whose health is not ok (most urgent first: the page lists them before anything else).

Apart from the schedule service because it reads everything and changes nothing. Each part
is one indexed query or comes from the read cache, so its cost does not grow with the number
of schedules: the next fires come from each schedule's cached next fire, not from cron walks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tickwork import vitals
from tickwork.clock import SYSTEM, Clock
from tickwork.config import Settings
from tickwork.readcache import ReadCache
from tickwork.scheduler.engine import SchedulerEngine, paused_in
from tickwork.scheduler.forecast import upcoming
from tickwork.scheduler.state import pause_note_in
from tickwork.schemas import NextRun, StatusResponse, UnhealthySchedule
from tickwork.service import run_response
from tickwork.store import runs, schedules
from tickwork.store.db import Store
from tickwork.store.lifecycle import RunStatus
from tickwork.store.tables import RunRow

NEXT_RUNS = 10  # fires in the status's next_runs, over all schedules
LISTED_RUNS = 50  # running and queued runs shown
LISTED_FAILURES = 10
LISTED_UNHEALTHY = 50  # schedules that are not ok, most urgent first
RECENT = timedelta(hours=24)
# The 24-hour counts are counted in full this often; in between, the few runs that ended
# since and those that fell out of the window are added and taken away.
RECOUNT = timedelta(minutes=5)


@dataclass(frozen=True)
class _Read:
    paused: bool
    pause_note: str | None
    total: int
    active: int
    next_runs: list[NextRun]
    running: Sequence[RunRow]
    queued: Sequence[RunRow]
    failures: Sequence[RunRow]
    counts: dict[str, int]
    names: dict[str, tuple[str, str]]
    unhealthy: list[UnhealthySchedule]


@dataclass(frozen=True)
class _Counts:
    since: datetime  # counted: runs that ended in [since, until)
    until: datetime
    counts: Counter[str]


@dataclass(frozen=True)
class _Upcoming:
    fingerprint: tuple[Any, ...]
    paused: bool
    made: datetime
    items: list[NextRun]


class Dashboard:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        engine: SchedulerEngine,
        cache: ReadCache,
        clock: Clock = SYSTEM,
    ) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self.cache = cache
        self.clock = clock
        self._upcoming: _Upcoming | None = None
        self._counts: _Counts | None = None

    def status(self) -> StatusResponse:
        read = self.store.read(self._read)
        return StatusResponse(
            running=self.engine.alive and not read.paused,
            paused=read.paused,
            pause_note=read.pause_note,
            schedules_total=read.total,
            schedules_enabled=read.active,
            scheduled_jobs=len(self.engine.scheduled_ids()),
            max_concurrent_runs=self.settings.max_concurrent_runs,
            next_runs=read.next_runs,
            running_runs=[run_response(r, None, read.names) for r in read.running],
            queued_runs=[run_response(r, None, read.names) for r in read.queued],
            recent_failures=[run_response(r, None, read.names) for r in read.failures],
            recent_counts=read.counts,
            unhealthy=read.unhealthy,
        )

    def _read(self, session: Session) -> _Read:
        now = self.clock.now()
        paused = paused_in(session)
        total, active = schedules.counts(session)
        running = runs.with_status(session, (RunStatus.RUNNING.value,), LISTED_RUNS)
        queued = runs.with_status(session, (RunStatus.QUEUED.value,), LISTED_RUNS)
        failures = runs.with_status(session, runs.FAILED_STATUSES, LISTED_FAILURES)
        return _Read(
            paused=paused,
            # Read only while paused: the note of a pause that ended means nothing now.
            pause_note=pause_note_in(session) if paused else None,
            total=total,
            active=active,
            next_runs=self._next_runs(session, paused, now),
            running=running,
            queued=queued,
            failures=failures,
            counts=self._recent_counts(session, now),
            names=runs.schedule_names(
                session, [r.schedule_id for r in [*running, *queued, *failures]]
            ),
            unhealthy=vitals.unhealthy(session, LISTED_UNHEALTHY),
        )

    def _recent_counts(self, session: Session, now: datetime) -> dict[str, int]:
        """Runs per status that ended in the last 24 hours. A full count reads 240,000 index
        entries at a million runs; most answers instead correct the last full count by the
        runs that ended since it and the runs that have left the window."""
        since = now - RECENT
        kept = self._counts
        if kept is None or not kept.until <= now < kept.until + RECOUNT:
            full = runs.counts_since(session, since, until=now)
            self._counts = kept = _Counts(since, now, Counter(full))
        counts = kept.counts.copy()
        counts.update(runs.counts_between(session, kept.until, None))
        counts.subtract(runs.counts_between(session, kept.since, since))
        return {status: n for status, n in sorted(counts.items()) if n > 0}

    def _next_runs(self, session: Session, paused: bool, now: datetime) -> list[NextRun]:
        """The next fires overall. The answer stands, for the same schedules, until its first
        fire has passed: most requests reuse it without touching the 10,000 next fires."""
        snap = self.cache.snapshot(session)
        kept = self._upcoming
        if (
            kept is not None
            and kept.fingerprint == snap.fingerprint
            and kept.paused == paused
            and kept.made <= now
            and (not kept.items or now < kept.items[0].next_run)
        ):
            return kept.items
        fires = upcoming(snap.enabled, NEXT_RUNS, paused, now, self.cache.next_fires)
        items = [
            NextRun(
                schedule_id=row.id,
                name=row.name,
                workflow_type=row.workflow_type,
                timezone=row.timezone,
                next_run=when,
            )
            for schedule_id, when in fires
            if (row := snap.by_id.get(schedule_id)) is not None
        ]
        if len(items) == NEXT_RUNS or not items:  # a short list may grow as time passes
            self._upcoming = _Upcoming(snap.fingerprint, paused, now, items)
        return items
