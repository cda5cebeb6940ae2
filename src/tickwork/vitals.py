"""How tickwork itself is doing: GET /api/v1/health in detail, /readyz in one word.

The detail comes from the store, so any process (a `tickwork web` beside the scheduler) gives
the same answer: the scheduler's heartbeat (written every poll, 2 s), the loop lag the health
check measured (scheduler/health_check.py), the queued runs, the schedules that are not ok.
Disk space is this process's data directory's. `status` is `degraded` for trouble of tickwork's
own, each named in `problems`; failing jobs are listed, they do not degrade it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tickwork import __version__
from tickwork.clock import Clock
from tickwork.config import Settings
from tickwork.errors import StorageUnavailable
from tickwork.overlap import human
from tickwork.scheduler.health_check import loop_lag_in
from tickwork.scheduler.state import last_alive_in
from tickwork.schemas import DatabaseHealth, HealthResponse, ScheduleHealth, UnhealthySchedule
from tickwork.store import health as stored_health
from tickwork.store.db import Store, problem
from tickwork.store.tables import RunRow

# The heartbeat is written every 2 s: ten missed beats and more is not a busy moment.
HEARTBEAT_STALE_SECONDS = 30.0
LOOP_LAG_LIMIT_SECONDS = 30.0
DISK_FREE_MIN_RATIO = 0.05
LISTED_UNHEALTHY = 100


@dataclass(frozen=True)
class _Read:
    heartbeat_age: float | None
    loop_lag: float | None
    queue_depth: int
    unhealthy: list[UnhealthySchedule]


def report(settings: Settings, store: Store, clock: Clock) -> HealthResponse:
    """The detailed answer; `status` is `unavailable` while the database cannot be read."""
    free, ratio = disk_free(settings.data_dir)
    now = clock.now()
    try:
        read = store.read(lambda session: _read(session, now, settings))
    except (StorageUnavailable, SQLAlchemyError) as exc:
        trouble = problem(exc)
        if trouble is None:
            raise
        return HealthResponse(
            status="unavailable",
            problems=["the database cannot be read"],
            heartbeat_age_seconds=None,
            loop_lag_seconds=None,
            database=DatabaseHealth(reachable=False, error=trouble.message),
            queue_depth=None,
            disk_free_bytes=free,
            disk_free_ratio=ratio,
            unhealthy=[],
            version=__version__,
        )
    problems = _problems(read, ratio)
    return HealthResponse(
        status="degraded" if problems else "ok",
        problems=problems,
        heartbeat_age_seconds=read.heartbeat_age,
        loop_lag_seconds=read.loop_lag,
        database=DatabaseHealth(reachable=True),
        queue_depth=read.queue_depth,
        disk_free_bytes=free,
        disk_free_ratio=ratio,
        unhealthy=read.unhealthy,
        version=__version__,
    )


def _read(session: Session, now: datetime, settings: Settings) -> _Read:
    beat = last_alive_in(session)
    queued = select(func.count()).select_from(RunRow).where(RunRow.status == "queued")
    return _Read(
        heartbeat_age=round((now - beat).total_seconds(), 3) if beat else None,
        loop_lag=loop_lag_in(session, now, settings.health_check_interval_seconds),
        queue_depth=int(session.scalar(queued) or 0),
        unhealthy=unhealthy(session, LISTED_UNHEALTHY),
    )


def _problems(read: _Read, disk_ratio: float) -> list[str]:
    problems = []
    if read.heartbeat_age is None:
        problems.append("no scheduler has run on this store yet")
    elif read.heartbeat_age > HEARTBEAT_STALE_SECONDS:
        problems.append(
            f"the scheduler's last heartbeat is {human(read.heartbeat_age)} old: "
            "no scheduler is running, or it is stalled"
        )
    if read.loop_lag is not None and read.loop_lag > LOOP_LAG_LIMIT_SECONDS:
        problems.append(f"the scheduler's loop runs {human(read.loop_lag)} late")
    if disk_ratio < DISK_FREE_MIN_RATIO:
        problems.append(f"the data directory's disk is {disk_ratio:.1%} free")
    return problems


def unhealthy(session: Session, limit: int) -> list[UnhealthySchedule]:
    """The schedules not ok, most urgent first (the dashboard's list too)."""
    return [
        UnhealthySchedule(
            id=u.id,
            name=u.name,
            health=ScheduleHealth(state=u.state.value, reason=u.reason, since=u.since),
        )
        for u in stored_health.unhealthy(session, limit)
    ]


def disk_free(path: Path) -> tuple[int, float]:
    """Free bytes where the data directory lives, and their share of the disk."""
    usage = shutil.disk_usage(path)
    return usage.free, round(usage.free / usage.total, 4) if usage.total else 0.0


def ready(store: Store, scheduler_expected: bool, scheduler_alive: bool) -> bool:
    """Whether this process can do its work: the database answers, and the scheduler runs
    if this process is the one that hosts it."""
    if scheduler_expected and not scheduler_alive:
        return False
    try:
        store.check()
    except StorageUnavailable:
        return False
    return True
