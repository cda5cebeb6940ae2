"""Schedule health in the store: a schedule's facts read in one or two indexed queries, and a
transition written by a conditional UPDATE only when the state changes.

    refresh(session, schedule)      facts -> health.evaluate -> write when it moved
      └─ UPDATE schedules SET health = :new ... WHERE id = :id AND health = :previous
           one row: the transition is ours -> listeners (same transaction) -> the bus (after
           COMMIT); no row: another writer moved it first, and its transition stands

Callers own the transaction, like lifecycle's: a run's end and the health it causes commit
together, so a transition is written once or not at all. Listeners run in a savepoint each: a
listener that fails on something other than the store is logged and leaves the transition
standing (a notification bug must not lose a run's end); storage trouble goes up, so the
whole unit is tried again.

The periodic check (scheduler/health_check.py) asks for what only time reveals: runs running
long, and fires whose instants passed without a run (`missing_fires`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Row, event, exists, select, tuple_, update
from sqlalchemy.orm import Session, SessionTransaction, aliased

from tickwork import health
from tickwork.health import (
    CRON_TRIGGERS,
    FAILED,
    Facts,
    Health,
    HealthChange,
    HealthListener,
    Policy,
    RunFact,
    Verdict,
)
from tickwork.store.db import problem
from tickwork.store.tables import RunRow, ScheduleRow

log = logging.getLogger(__name__)
# Ended and running runs read per evaluation: a streak of failures longer than this is said
# as "50 or more".
RECENT_RUNS = 50
COUNTED = ("running", "success", "failed", "timeout", "lost")
# The health states a start can change: an on-time start answers missed and late.
ANSWERED_BY_A_START = (Health.MISSED.value, Health.LATE.value)
# Listed by value, not `!= 'ok'`: an IN reads ix_schedules_health, an inequality the table.
NOT_OK = tuple(state.value for state in health.PRIORITY)
CHUNK = 500  # ids (or instants) per query
# Fires looked for per schedule and turn; more than this missed at once says no more.
MISSED_LOOKBACK = 20
MISSED_WINDOW = timedelta(hours=24)
_PENDING = "tickwork.health.pending"  # session.info: changes to publish after COMMIT
_HOOKED = "tickwork.health.hooked"  # session.info: its commit and rollback are listened to


@dataclass(frozen=True)
class Stored:
    """A schedule's health as stored, and what its evaluation needs of the schedule."""

    id: str
    enabled: bool
    updated_at: datetime
    health: Health
    reason: str | None
    missed_at: datetime | None


@dataclass(frozen=True)
class Started:
    """A run that just started, as the start hook needs it."""

    schedule_id: str
    run_id: int
    trigger: str
    scheduled_for: datetime
    at: datetime


class HealthRecorder:
    """Evaluates and writes health in the caller's transaction. `listeners` is the list the
    runtime exposes (runtime.health_listeners); `publish` tells the page after COMMIT."""

    def __init__(
        self,
        policy: Policy,
        listeners: list[HealthListener] | None = None,
        publish: Callable[[HealthChange], None] | None = None,
    ) -> None:
        self.policy = policy
        self.listeners: list[HealthListener] = listeners if listeners is not None else []
        self.publish = publish

    # -- the hooks: a run ended, runs started -----------------------------------------------

    def ended(
        self,
        session: Session,
        schedule_id: str,
        run_id: int,
        outcome: str,
        at: datetime,
        current: str | None = None,
    ) -> HealthChange | None:
        """After a run of `schedule_id` ended as `outcome`. A success or a cancel cannot move
        a schedule that is ok (`current`, when the caller read it already): nothing is read."""
        if current == Health.OK and outcome not in FAILED:
            return None
        return self.refresh(session, schedule_id, at, run_id=run_id)

    def started(self, session: Session, starts: Sequence[Started]) -> list[HealthChange]:
        """After runs started: a late cron start, and any start of a schedule that is missed
        or late (an on-time one answers it). One query for the batch, none when nothing is."""
        cron = [s for s in starts if s.trigger in CRON_TRIGGERS]
        late = {s.schedule_id: s for s in cron if s.at - s.scheduled_for > self.policy.late}
        rest = sorted({s.schedule_id for s in cron} - set(late))
        watched = set()
        for part in _parts(rest):
            watched |= set(
                session.scalars(
                    select(ScheduleRow.id).where(
                        ScheduleRow.id.in_(part), ScheduleRow.health.in_(ANSWERED_BY_A_START)
                    )
                )
            )
        latest = {s.schedule_id: s for s in cron}
        changes = []
        for schedule_id in sorted(set(late) | watched):
            start = latest[schedule_id]
            change = self.refresh(session, schedule_id, start.at, run_id=start.run_id)
            if change is not None:
                changes.append(change)
        return changes

    # -- evaluate and write -----------------------------------------------------------------

    def refresh(
        self,
        session: Session,
        schedule_id: str,
        now: datetime,
        *,
        missed_at: datetime | None = None,
        run_id: int | None = None,
    ) -> HealthChange | None:
        """Evaluate `schedule_id` now and write what moved; `missed_at` is a fire just found
        without a run. The transition, if this call made one."""
        stored = self.stored(session, schedule_id, lock=True)
        if stored is None:
            return None
        verdict = self.verdict(session, stored, now, missed_at)
        return self.write(session, stored, verdict, now, missed_at, run_id)

    def stored(self, session: Session, schedule_id: str, lock: bool = False) -> Stored | None:
        query = select(
            ScheduleRow.id,
            ScheduleRow.enabled,
            ScheduleRow.updated_at,
            ScheduleRow.health,
            ScheduleRow.health_reason,
            ScheduleRow.health_missed_at,
        ).where(ScheduleRow.id == schedule_id)
        # Locked (PostgreSQL): a run ending meanwhile evaluates after us, on what we wrote.
        row = session.execute(query.with_for_update() if lock else query).first()
        return _stored(row) if row is not None else None

    def verdict(
        self, session: Session, stored: Stored, now: datetime, missed_at: datetime | None = None
    ) -> Verdict:
        """What the schedule's state is now (reads only)."""
        return health.evaluate(self.facts(session, stored, missed_at), self.policy, now)

    def changes(self, stored: Stored, verdict: Verdict, missed_at: datetime | None = None) -> bool:
        """Whether writing `verdict` would change anything stored."""
        return bool(_values(stored, verdict, missed_at)) or verdict.state != stored.health

    def facts(self, session: Session, stored: Stored, missed_at: datetime | None = None) -> Facts:
        child = aliased(RunRow)
        retried = exists().where(
            child.parent_run_id == RunRow.id,
            child.trigger == "retry",
            child.status != "cancelled",  # a cancelled retry ended the attempts
        )
        rows = session.execute(
            select(
                RunRow.id,
                RunRow.trigger,
                RunRow.status,
                RunRow.scheduled_for,
                RunRow.started_at,
                RunRow.finished_at,
                retried.label("retried"),
            )
            .where(RunRow.schedule_id == stored.id, RunRow.status.in_(COUNTED))
            .order_by(RunRow.id.desc())
            .limit(RECENT_RUNS + 1)
        ).all()
        runs = [RunFact(*row[:6], retried=bool(row.retried)) for row in rows[:RECENT_RUNS]]
        durations: Sequence[float] = ()
        if any(run.status == "running" for run in runs):
            durations = _successful_durations(session, stored.id)
        return Facts(
            enabled=stored.enabled,
            changed_at=stored.updated_at,
            runs=runs,
            more=len(rows) > RECENT_RUNS,
            durations=durations,
            missed_at=_newer(stored.missed_at, missed_at),
        )

    def write(
        self,
        session: Session,
        stored: Stored,
        verdict: Verdict,
        now: datetime,
        missed_at: datetime | None = None,
        run_id: int | None = None,
    ) -> HealthChange | None:
        """Write `verdict` over `stored`: the state by a conditional UPDATE that must find the
        state `stored` read (else None: another writer moved it first, its transition
        stands), the reason and the missed fire as they are."""
        values = _values(stored, verdict, missed_at)
        if verdict.state == stored.health:
            if values:
                session.execute(
                    update(ScheduleRow)
                    .where(ScheduleRow.id == stored.id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            return None
        since = verdict.since or now
        moved = session.execute(
            update(ScheduleRow)
            .where(ScheduleRow.id == stored.id, ScheduleRow.health == stored.health.value)
            .values(
                health=verdict.state.value,
                health_reason=verdict.reason,
                health_since=since,
                **{k: v for k, v in values.items() if k == "health_missed_at"},
            )
            .returning(ScheduleRow.id)
            .execution_options(synchronize_session=False)
        ).first()
        if moved is None:
            return None  # another writer moved it since we read it: its transition stands
        change = HealthChange(
            stored.id,
            stored.health,
            verdict.state,
            verdict.reason,
            since,
            verdict.run_id if verdict.run_id is not None else run_id,
        )
        log.info(
            "schedule %s health %s -> %s: %s",
            stored.id,
            change.previous,
            change.state,
            change.reason or "recovered",
        )
        self._tell(session, change)
        return change

    def _tell(self, session: Session, change: HealthChange) -> None:
        for listener in list(self.listeners):
            try:
                with session.begin_nested():
                    listener(session, change)
            except Exception as exc:
                if problem(exc) is not None:
                    raise  # the store is in trouble: the whole unit is tried again
                log.exception(
                    "a health listener failed on schedule %s (%s -> %s); the change stands",
                    change.schedule_id,
                    change.previous,
                    change.state,
                )
        if self.publish is None:
            return
        pending: list[HealthChange] | None = session.info.get(_PENDING)
        if pending is None:
            pending = session.info[_PENDING] = []
            if not session.info.get(_HOOKED):
                session.info[_HOOKED] = True
                event.listen(session, "after_commit", self._committed)
                event.listen(session, "after_soft_rollback", self._rolled_back)
        pending.append(change)

    def _committed(self, session: Session) -> None:
        # SQLAlchemy says after_commit for a savepoint released too: only the outer one counts.
        if self.publish is None or session.in_nested_transaction():
            return
        for change in session.info.pop(_PENDING, []):
            self.publish(change)

    def _rolled_back(self, session: Session, previous_transaction: SessionTransaction) -> None:
        """A change the whole transaction took back never happened: nobody hears of it."""
        if previous_transaction.parent is None:
            session.info.pop(_PENDING, None)


def _values(stored: Stored, verdict: Verdict, missed_at: datetime | None) -> dict[str, object]:
    """The columns besides the state that `verdict` changes: the reason, the missed fire."""
    values: dict[str, object] = {}
    newer = _newer(stored.missed_at, missed_at)
    if verdict.forget_missed and stored.missed_at is not None:
        values["health_missed_at"] = None
    elif newer != stored.missed_at and not verdict.forget_missed:
        values["health_missed_at"] = newer
    if verdict.state == stored.health and verdict.reason != stored.reason:
        values["health_reason"] = verdict.reason
    return values


def _stored(row: Row[str, bool, datetime, str, str | None, datetime | None]) -> Stored:
    return Stored(row[0], row[1], row[2], Health(row[3]), row[4], row[5])


def _newer(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _successful_durations(session: Session, schedule_id: str) -> list[float]:
    return [
        float(d or 0.0)
        for d in session.scalars(
            select(RunRow.duration_seconds)
            .where(
                RunRow.schedule_id == schedule_id,
                RunRow.status == "success",
                RunRow.duration_seconds.is_not(None),
            )
            .order_by(RunRow.id.desc())
            .limit(health.USUAL_RUNS)
        )
    ]


def _parts(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for begin in range(0, len(ids), CHUNK):
        yield ids[begin : begin + CHUNK]


# -- what the periodic check looks at ---------------------------------------------------------


def unhealthy_ids(session: Session) -> list[str]:
    """Schedules not ok: re-evaluated each turn (a change or a switch-off may answer them)."""
    return list(session.scalars(select(ScheduleRow.id).where(ScheduleRow.health.in_(NOT_OK))))


def long_running(session: Session, started_before: datetime) -> list[str]:
    """Schedules with a run running since before `started_before` (the shortest time a run
    can take to be stuck): few, whatever the number of schedules."""
    return sorted(
        set(
            session.scalars(
                select(RunRow.schedule_id).where(
                    RunRow.status == "running", RunRow.started_at < started_before
                )
            )
        )
    )


def missing_fires(
    session: Session, after: datetime, until: datetime, window: timedelta = MISSED_WINDOW
) -> dict[str, datetime]:
    """Each enabled schedule's newest fire in (after, until] that has no run covering it
    (health.covers), among its last MISSED_LOOKBACK fires there; fires before the schedule
    was last enabled or changed, or older than `window`, are not looked for."""
    rows = session.execute(
        select(
            ScheduleRow.id, ScheduleRow.cron_schedule, ScheduleRow.timezone, ScheduleRow.updated_at
        ).where(ScheduleRow.enabled.is_(True))
    ).all()
    expected: dict[str, list[datetime]] = {}
    for schedule_id, expression, timezone, changed_at in rows:
        since = max(after, changed_at, until - window)
        fires = health.expected_fires(expression, timezone, since, until, MISSED_LOOKBACK)
        if fires:
            expected[schedule_id] = fires
    found: dict[str, datetime] = {}
    covered = _covered(session, [(s, i) for s, fires in expected.items() for i in fires])
    for schedule_id, fires in expected.items():
        instant = health.newest_missing(fires, covered.get(schedule_id, {}))
        if instant is not None:
            found[schedule_id] = instant
    return found


def _covered(
    session: Session, pairs: Sequence[tuple[str, datetime]]
) -> dict[str, dict[datetime, bool]]:
    """For each (schedule, instant) that has a cron run: whether that run covers the fire.
    Looked up by the claim key's index, (schedule_id, scheduled_for)."""
    covered: dict[str, dict[datetime, bool]] = {}
    for begin in range(0, len(pairs), CHUNK):
        part = pairs[begin : begin + CHUNK]
        rows = session.execute(
            select(RunRow.schedule_id, RunRow.scheduled_for, RunRow.status, RunRow.error).where(
                tuple_(RunRow.schedule_id, RunRow.scheduled_for).in_(part),
                RunRow.trigger.in_(CRON_TRIGGERS),
            )
        )
        for schedule_id, instant, status, error in rows:
            covered.setdefault(schedule_id, {})[instant] = health.covers(status, error)
    return covered


class Unhealthy(NamedTuple):
    id: str
    name: str
    state: Health
    reason: str | None
    since: datetime | None


def unhealthy(session: Session, limit: int) -> list[Unhealthy]:
    """The schedules not ok, most urgent first, then unhealthy longest."""
    rows = session.execute(
        select(
            ScheduleRow.id,
            ScheduleRow.name,
            ScheduleRow.health,
            ScheduleRow.health_reason,
            ScheduleRow.health_since,
        ).where(ScheduleRow.health.in_(NOT_OK))
    ).all()
    found = [
        Unhealthy(i, name, Health(state), reason, since) for i, name, state, reason, since in rows
    ]
    found.sort(
        key=lambda u: (
            health.RANK[u.state],
            u.since.timestamp() if u.since else 0.0,
            u.name.casefold(),
        )
    )
    return found[:limit]
