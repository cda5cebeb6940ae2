"""A run's life: its statuses, and every write to a run row. No other module writes runs.

    insert ─┬─> queued ──start──> running ──finish──> success | failed | timeout | cancelled
            │     │                  ├──fail──> failed      (the executor could not go on)
            │     │                  └──lose──> lost        (its owner died)
            │     ├──finish | fail──> ...   (it never spawned: it ends without a start)
            │     ├──cancel_queued──> cancelled
            │     ├──skip──> skipped        (a starting deadline, a buffer policy, or
            │     │                          forbid's overlap found at an armed instant)
            │     ├──disarm──> (deleted)    (armed ahead of its instant; its schedule
            │     │                          changed or the scheduler paused before it)
            │     └──lose──> lost           (its owner died before it started)
            └─> skipped | failed            (recorded ended: a forbidden overlap, a missed
                                             fire, parameters the workflow refuses)

Each transition is one conditional `UPDATE runs ... WHERE id = :id AND status IN (sources)`
and says whether it moved the run (`Moved.done`). A run that another writer moved first is
left as it is: runs are history, an ended run is never rewritten, so a second finish of the
same run changes nothing. Callers pass the Session and own the transaction, so a run and what
goes with it (an audit entry, the schedule's last status) commit together, and
`Store.transact` may try the whole unit again.

Follow-ups are written in the transaction of the end that causes them (`finish`, `fail`,
`lose`), so each happens once or not at all:

    failed | timeout, attempts left, schedule on ──> a `retry` run (attempt n+1, not_before)
    success | failed | timeout (no retry) | lost ──> a `chain` run of each matching dependent
    failed | timeout (no retry), pause_on_failure ──> the schedule switches itself off
    success | failed | timeout (no retry) | lost ──> notifications of its channels (outbox)
    any end (given a HealthRecorder)             ──> the schedule's health, re-evaluated
    any end, of every status                     ──> its hour's and day's rollups (statistics)

and a start's `started` notifications are written with the start (`store.outbox` says who
hears of what; nothing is read or written while no channel exists).

A start given a HealthRecorder re-evaluates the health of a schedule whose cron run starts
late, or that is missed or late (an on-time start answers those). Health transitions ride on
the Moved they came with (`health`); the recorder tells the page itself after COMMIT.

Each start and each end (of any kind, a run recorded ended at its fire too) is noted for the
store's run listeners, who hear of it after COMMIT (store/observers.py: the metrics count runs
there); a success also moves the schedule's `last_success_at`.

A failure that is retried is not final: it chains nothing, and the last attempt's outcome
chains once. Cancelled and skipped runs have no follow-ups (a cancel ends the attempts).

Pruning deletes ended runs in bulk; it lives in `store.pruning` (a delete of history,
never a change of status), guarded by the same `ACTIVE` statuses.

Lives in the store package because it is SQL on the runs table: the scheduler, the executor
and recovery call down into it, and it imports none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, delete, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from tickwork.errors import ValidationFailed
from tickwork.health import HealthChange
from tickwork.store import observers, outbox, rollups
from tickwork.store.health import HealthRecorder, Started
from tickwork.store.observers import RunChange
from tickwork.store.tables import (
    CLAIMED_TRIGGERS,
    DependencyRow,
    RunRow,
    ScheduleRow,
    SettingRow,
    UTCDateTime,
)

log = logging.getLogger(__name__)
# A run's row as a transition moved it: schedule_id, started_at, queued_at, attempt, trigger,
# scheduled_for.
_Row = Row[str, datetime | None, datetime, int, str, datetime]
# A chained run's command, from the workflow registry (which the store does not know).
Argv = Callable[[ScheduleRow], list[str]]


class RunStatus(StrEnum):
    """A run's status; the values are the strings the API and the database have always used."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    LOST = "lost"
    SKIPPED = "skipped"


ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
FAILURES = (RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.LOST)
# What a process ends as (executor/process.py's outcomes).
OUTCOMES = (RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.CANCELLED)
# The statuses a new run may be written with: waiting, or ended before it could run.
INSERTED = (RunStatus.QUEUED, RunStatus.SKIPPED, RunStatus.FAILED)
# Outcomes tried again while attempts are left; a lost run's owner died, not its job.
RETRIED = (RunStatus.FAILED, RunStatus.TIMEOUT)
# Outcomes that chain dependents once they are final, and which `on` each matches.
CHAINS_ON: dict[RunStatus, tuple[str, ...]] = {
    RunStatus.SUCCESS: ("success", "always"),
    RunStatus.FAILED: ("failure", "always"),
    RunStatus.TIMEOUT: ("failure", "always"),
    RunStatus.LOST: ("failure", "always"),
}
# The notification each final outcome is (a lost run failed, as far as anyone waiting knows).
ANNOUNCED: dict[RunStatus, str] = {
    RunStatus.SUCCESS: "succeeded",
    RunStatus.FAILED: "failed",
    RunStatus.TIMEOUT: "timeout",
    RunStatus.LOST: "failed",
}
# Outcomes that end a run for good, for "the schedule's last final outcome" (recovered).
FINAL = (RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.LOST)
# The scheduler's change counter (scheduler/engine.py VERSION_KEY): a schedule switched off
# here bumps it, so every scheduler drops its job at its next poll.
VERSION_KEY = "schedules.version"

# Each transition, and the statuses it moves a run from. Anything else is refused.
SOURCES: dict[str, tuple[RunStatus, ...]] = {
    "start": (RunStatus.QUEUED,),
    # From queued too: a process that could not be spawned ends without having started.
    "finish": ACTIVE,
    "fail": ACTIVE,
    "cancel_queued": (RunStatus.QUEUED,),
    "skip": (RunStatus.QUEUED,),
    "lose": ACTIVE,
}


@dataclass(frozen=True)
class Moved:
    """What a transition did. `done` is False when the run was not (or no longer) in a status
    the transition starts from, or does not exist: then nothing was written."""

    run_id: int
    to: RunStatus
    done: bool
    # Runs this transition queued in its transaction (a retry, chained runs): the caller hands
    # them to the executor once the transaction committed.
    follow_ups: tuple[int, ...] = ()
    # Schedules this transition switched off (pause_on_failure): the caller publishes a
    # schedule event for each once the transaction committed.
    switched_off: tuple[str, ...] = ()
    # Health transitions it caused (given a HealthRecorder).
    health: tuple[HealthChange, ...] = ()

    def __bool__(self) -> bool:
        return self.done


@dataclass(frozen=True)
class NewRun:
    """A run about to be written. `status` is queued, or skipped/failed with `error`: a run
    that ends as it is recorded (it finishes at `queued_at`)."""

    schedule_id: str
    trigger: str
    scheduled_for: datetime
    queued_at: datetime
    command: list[str]
    owner: str | None
    status: RunStatus = RunStatus.QUEUED
    error: str | None = None
    parameter_overrides: dict[str, Any] | None = None
    attempt: int = 1
    parent_run_id: int | None = None
    not_before: datetime | None = None
    priority: int = 0


def insert(session: Session, new: NewRun) -> int | None:
    """Write `new` and return its id; None when it is a cron fire (trigger schedule or
    catch_up) whose (schedule, instant) is claimed already: the unique key refused it.

    The savepoint keeps the caller's transaction usable after the key refuses us.
    """
    if new.status not in INSERTED:
        raise ValueError(f"a run cannot be written as {new.status}")
    ended = new.status != RunStatus.QUEUED
    row = RunRow(
        schedule_id=new.schedule_id,
        trigger=new.trigger,
        attempt=new.attempt,
        scheduled_for=new.scheduled_for,
        queued_at=new.queued_at,
        status=new.status.value,
        command=new.command,
        output_tail="",
        owner=new.owner,
        error=new.error,
        finished_at=new.queued_at if ended else None,
        parameter_overrides=new.parameter_overrides,
        parent_run_id=new.parent_run_id,
        not_before=new.not_before,
        priority=new.priority,
    )
    if new.trigger in CLAIMED_TRIGGERS:
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            return None
    else:
        session.add(row)
        session.flush()
    if new.status == RunStatus.FAILED:
        _note_on_schedule(session, row.id, row.schedule_id, row.queued_at, new.status)
    if ended:
        _observe_recorded_end(session, row.id, new)
    return row.id


def start(
    session: Session,
    run_id: int,
    at: datetime,
    pid: int,
    pid_started_at: float | None,
    owner: str,
    log_path: str,
    *,
    health: HealthRecorder | None = None,
) -> Moved:
    """queued -> running: its process is up as `pid`. Refused once the run was cancelled,
    skipped or lost while it waited, so nothing is recorded as running that should not run."""
    return start_many(
        session, [Start(run_id, at, pid, pid_started_at, owner, log_path)], health=health
    )[0]


def _start(session: Session, s: Start) -> _Row | None:
    moved = _move(
        session,
        s.run_id,
        "start",
        RunStatus.RUNNING,
        started_at=s.at,
        pid=s.pid,
        pid_started_at=s.pid_started_at,
        owner=s.owner,
        log_path=s.log_path,
    )
    if moved is None:
        return None
    _note_on_schedule(session, s.run_id, moved.schedule_id, s.at, RunStatus.RUNNING)
    _observe(session, s.run_id, moved, RunStatus.RUNNING, s.at)
    return moved


def _announce_starts(session: Session, started: Sequence[tuple[int, _Row, datetime]]) -> None:
    """`started` for each run just started whose schedule's channels hear of it: one read of
    those schedules' lists, and none at all while no channel exists."""
    if not started or not outbox.channels(session):
        return
    ids = sorted({row.schedule_id for _, row, _ in started})
    schedules = {
        r.id: r
        for r in session.execute(
            select(ScheduleRow.id, ScheduleRow.name, ScheduleRow.notify).where(
                ScheduleRow.id.in_(ids)
            )
        ).all()
    }
    for run_id, row, at in started:
        schedule = schedules.get(row.schedule_id)
        if schedule is None:
            continue
        detail = {
            "schedule_name": schedule.name,
            "status": RunStatus.RUNNING.value,
            "attempt": row.attempt,
            "trigger": row.trigger,
        }
        outbox.enqueue(session, schedule.id, "started", run_id, at, detail, notify=schedule.notify)


@dataclass(frozen=True)
class Finish:
    """How a run's process ended (from executor/process.py's result)."""

    outcome: RunStatus
    started_at: datetime  # used when the start was never recorded
    finished_at: datetime
    exit_code: int | None
    output_tail: str
    error: str | None
    cpu_seconds: float | None = None
    peak_memory_bytes: int | None = None
    # Over its resource samples (tickwork/resources.py Summary); None without any.
    cpu_percent_mean: float | None = None
    cpu_percent_peak: float | None = None
    memory_mean_bytes: int | None = None


def finish(
    session: Session,
    run_id: int,
    end: Finish,
    *,
    argv: Argv | None = None,
    health: HealthRecorder | None = None,
) -> Moved:
    """queued|running -> the process's outcome, with what it printed and used, and its
    follow-ups (see the module's docstring); `argv` builds chained runs' commands."""
    if end.outcome not in OUTCOMES:
        raise ValueError(f"a process does not end as {end.outcome}")
    moved = _move(
        session,
        run_id,
        "finish",
        end.outcome,
        started_at=func.coalesce(RunRow.started_at, _when(end.started_at)),
        finished_at=end.finished_at,
        exit_code=end.exit_code,
        # A job may print NUL bytes; PostgreSQL refuses them in text columns.
        output_tail=_text(end.output_tail),
        error=_text(end.error) if end.error else end.error,
        cpu_seconds=end.cpu_seconds,
        peak_memory_bytes=end.peak_memory_bytes,
        cpu_percent_mean=end.cpu_percent_mean,
        cpu_percent_peak=end.cpu_percent_peak,
        memory_mean_bytes=end.memory_mean_bytes,
    )
    if moved is None:
        return Moved(run_id, end.outcome, False)
    started = moved.started_at
    took = round((end.finished_at - started).total_seconds(), 3)
    _took(session, run_id, took)
    _note_on_schedule(session, run_id, moved.schedule_id, started, end.outcome)
    if end.outcome == RunStatus.SUCCESS:
        _note_success(session, moved.schedule_id, end.finished_at)
    _observe(
        session,
        run_id,
        moved,
        end.outcome,
        started,
        end.finished_at,
        cpu_seconds=end.cpu_seconds,
        peak_memory_bytes=end.peak_memory_bytes,
    )
    facts = {
        "status": end.outcome.value,
        "exit_code": end.exit_code,
        "duration_seconds": max(took, 0.0),
        "error": _text(end.error) if end.error else end.error,
        "output_tail": _text(end.output_tail),
    }
    return _followed(session, run_id, end.outcome, end.finished_at, argv, facts, health)


def fail(
    session: Session,
    run_id: int,
    error: str,
    at: datetime,
    *,
    argv: Argv | None = None,
    health: HealthRecorder | None = None,
) -> Moved:
    """queued|running -> failed with `error`: the executor could not start or follow it. A run
    that never started took no time (its start is `at`). Retried and chained like a failed
    process."""
    return _end(
        session,
        run_id,
        "fail",
        RunStatus.FAILED,
        error,
        at,
        unstarted_took_none=True,
        argv=argv,
        health=health,
    )


def lose(
    session: Session,
    run_id: int,
    reason: str,
    at: datetime,
    *,
    argv: Argv | None = None,
    health: HealthRecorder | None = None,
) -> Moved:
    """queued|running -> lost: the tickwork process that owned it is gone. Never retried (the
    job did not fail), but final: its dependents that run on failure are chained."""
    return _end(
        session,
        run_id,
        "lose",
        RunStatus.LOST,
        reason,
        at,
        unstarted_took_none=False,
        argv=argv,
        health=health,
    )


# -- follow-ups: retries, chains, pause on failure -----------------------------------------


@dataclass(frozen=True)
class _Ended:
    """What the follow-ups need of the run that just ended, read in the end's transaction."""

    id: int
    schedule_id: str
    attempt: int
    command: list[str]
    parameter_overrides: dict[str, Any] | None
    owner: str | None
    trigger: str = "manual"


def _followed(
    session: Session,
    run_id: int,
    outcome: RunStatus,
    at: datetime,
    argv: Argv | None,
    facts: dict[str, Any],
    health: HealthRecorder | None = None,
) -> Moved:
    """The end's follow-ups, written in its transaction, named in the Moved it returns; the
    health last, so it sees the retry the end queued (a retried failure is not final).
    `facts` are what the end's notifications tell (outcome, duration, the end of the log)."""
    ended = _ended(session, run_id)
    # Locked (PostgreSQL): a switch-off committing meanwhile either sees our retry and
    # cancels it, or we see it switched off and queue none.
    schedule = session.scalars(
        select(ScheduleRow)
        .where(ScheduleRow.id == ended.schedule_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if schedule is None:
        return Moved(run_id, outcome, True)
    moved = _follow_ups(session, ended, schedule, outcome, at, argv, facts)
    if health is None:
        return moved
    change = health.ended(session, schedule.id, run_id, outcome, at, current=schedule.health)
    return replace(moved, health=(change,)) if change is not None else moved


def _follow_ups(
    session: Session,
    ended: _Ended,
    schedule: ScheduleRow,
    outcome: RunStatus,
    at: datetime,
    argv: Argv | None,
    facts: dict[str, Any],
) -> Moved:
    run_id = ended.id
    if outcome in RETRIED:
        retry_id = retry(session, ended, schedule, at)
        if retry_id is not None:
            return Moved(run_id, outcome, True, (retry_id,))
    if outcome not in CHAINS_ON:
        return Moved(run_id, outcome, True)  # cancelled: nothing follows
    chained = chain(session, ended, outcome, at, argv)
    off: tuple[str, ...] = ()
    if outcome in RETRIED and schedule.pause_on_failure and schedule.enabled:
        switch_off(session, schedule.id, f"switched off: run #{run_id} failed", at)
        off = (schedule.id,)
    announce(session, ended, schedule, outcome, at, facts)
    return Moved(run_id, outcome, True, chained, off)


def announce(
    session: Session,
    ended: _Ended,
    schedule: ScheduleRow,
    outcome: RunStatus,
    at: datetime,
    facts: dict[str, Any],
) -> list[int]:
    """The notifications of a final outcome, in the end's transaction: `retries_exhausted`
    before `failed` when the last allowed attempt failed, `recovered` before `succeeded`
    when the schedule's last final outcome was a failure (asked only when someone hears of
    it). Nothing is read or written when no channel hears of this schedule."""
    listeners = outbox.hearing(session, schedule.notify)
    if not listeners:
        return []
    events = [ANNOUNCED[outcome]]
    if outcome in RETRIED and 0 < schedule.max_retries < ended.attempt:
        events.insert(0, "retries_exhausted")
    if (
        outcome == RunStatus.SUCCESS
        and outbox.wanted(listeners, "recovered")
        and follows_failure(session, schedule.id, ended.id)
    ):
        events.insert(0, "recovered")
    detail = {
        **facts,
        "schedule_name": schedule.name,
        "attempt": ended.attempt,
        "max_retries": schedule.max_retries,
        "trigger": ended.trigger,
    }
    return outbox.enqueue(
        session, schedule.id, events, ended.id, at, detail, notify=schedule.notify
    )


def follows_failure(session: Session, schedule_id: str, run_id: int) -> bool:
    """Whether the schedule's last final outcome before `run_id` was a failure. A failed run
    that was retried is not final (its retry is); one whose retry was cancelled is."""
    child = aliased(RunRow)
    retried = (
        select(child.id)
        .where(
            child.parent_run_id == RunRow.id,
            child.trigger == "retry",
            child.status != RunStatus.CANCELLED.value,
        )
        .exists()
    )
    last = session.scalar(
        select(RunRow.status)
        .where(
            RunRow.schedule_id == schedule_id,
            RunRow.id < run_id,
            RunRow.status.in_(statuses(FINAL)),
            ~retried,
        )
        .order_by(RunRow.id.desc())
        .limit(1)
    )
    return last in statuses(FAILURES)


def _ended(session: Session, run_id: int) -> _Ended:
    row = session.execute(
        select(
            RunRow.schedule_id,
            RunRow.attempt,
            RunRow.command,
            RunRow.parameter_overrides,
            RunRow.owner,
            RunRow.trigger,
        ).where(RunRow.id == run_id)
    ).one()
    return _Ended(
        run_id,
        row.schedule_id,
        row.attempt,
        row.command,
        row.parameter_overrides,
        row.owner,
        row.trigger,
    )


def retry_delay(schedule: ScheduleRow, attempt: int) -> timedelta:
    """How long after the end of attempt `attempt` (1 = the first run) the next one may start:
    the delay grows by the backoff factor with each attempt, up to the cap."""
    base = float(schedule.retry_delay_seconds)
    grown = base * float(schedule.retry_backoff) ** (attempt - 1)
    return timedelta(seconds=min(grown, float(schedule.retry_max_delay_seconds)))


def retry(session: Session, ended: _Ended, schedule: ScheduleRow, at: datetime) -> int | None:
    """Queue the next attempt of the failed run `ended`, or None when none is due: no attempts
    left, or the schedule is off (switching it off ends the attempts)."""
    if not schedule.enabled or ended.attempt > schedule.max_retries:
        return None
    due = at + retry_delay(schedule, ended.attempt)
    run_id = insert(
        session,
        NewRun(
            schedule_id=schedule.id,
            trigger="retry",
            scheduled_for=due,
            queued_at=at,
            command=list(ended.command),
            owner=ended.owner,
            parameter_overrides=ended.parameter_overrides,
            attempt=ended.attempt + 1,
            parent_run_id=ended.id,
            not_before=due,
            priority=schedule.priority,
        ),
    )
    log.info(
        "run %s: attempt %d queued as run %s, not before %s",
        ended.id,
        ended.attempt + 1,
        run_id,
        due,
    )
    return run_id


def chain(
    session: Session, upstream: _Ended, outcome: RunStatus, at: datetime, argv: Argv | None
) -> tuple[int, ...]:
    """One `chain` run of each enabled dependent of `upstream`'s schedule whose `on` matches
    the final `outcome`; the ids of those queued (a dependent whose forbidden overlap or
    refused parameters end its run as it is recorded is not handed to the executor)."""
    dependents = session.scalars(
        select(ScheduleRow)
        .join(DependencyRow, DependencyRow.schedule_id == ScheduleRow.id)
        .where(
            DependencyRow.upstream_id == upstream.schedule_id,
            DependencyRow.on.in_(CHAINS_ON[outcome]),
            ScheduleRow.enabled.is_(True),
        )
        .order_by(ScheduleRow.id)
    ).all()
    if not dependents:
        return ()
    if argv is None:
        log.warning(
            "run %s: %d dependent(s) not chained: no registry to build their commands",
            upstream.id,
            len(dependents),
        )
        return ()
    queued = []
    for dependent in dependents:
        new = _chained(session, dependent, upstream, at, argv)
        run_id = insert(session, new)
        log.info("run %s chained run %s of %s: %s", upstream.id, run_id, dependent.id, new.status)
        if run_id is not None and new.status == RunStatus.QUEUED:
            queued.append(run_id)
    return tuple(queued)


def _chained(
    session: Session, dependent: ScheduleRow, upstream: _Ended, at: datetime, argv: Argv
) -> NewRun:
    status, error, command = RunStatus.QUEUED, None, []
    try:
        command = argv(dependent)
    except ValidationFailed as exc:
        status, error = RunStatus.FAILED, exc.message
    if status == RunStatus.QUEUED and dependent.concurrency_policy == "forbid":
        active = session.scalars(
            select(RunRow.id)
            .where(RunRow.schedule_id == dependent.id, RunRow.status.in_(statuses(ACTIVE)))
            .order_by(RunRow.id)
        ).all()
        if active:
            ids = ", ".join(f"#{i}" for i in active)
            status, error = RunStatus.SKIPPED, f"previous run {ids} still going"
    return NewRun(
        schedule_id=dependent.id,
        trigger="chain",
        scheduled_for=at,
        queued_at=at,
        command=command,
        owner=upstream.owner,
        status=status,
        error=error,
        parent_run_id=upstream.id,
        priority=dependent.priority,
    )


def cancel_retries(session: Session, schedule_id: str, error: str, at: datetime) -> list[int]:
    """Every queued `retry` run of `schedule_id` -> cancelled: the schedule was switched off,
    which ends its attempts. The ids of those it moved."""
    rows = session.execute(
        update(RunRow)
        .where(
            RunRow.schedule_id == schedule_id,
            RunRow.trigger == "retry",
            RunRow.status == RunStatus.QUEUED.value,
        )
        .values(status=RunStatus.CANCELLED.value, error=error, finished_at=at)
        .returning(RunRow.id, RunRow.schedule_id, RunRow.trigger, RunRow.scheduled_for)
        .execution_options(synchronize_session=False)
    ).all()
    _observe_cancelled(session, rows, at)
    return sorted(row.id for row in rows)


def switch_off(session: Session, schedule_id: str, note: str, at: datetime) -> None:
    """The schedule off with `note`, its queued retries cancelled, and the change counter
    bumped, so schedulers in every process drop its job at their next poll."""
    session.execute(
        update(ScheduleRow)
        .where(ScheduleRow.id == schedule_id)
        .values(enabled=False, pause_note=note, paused_until=None, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    cancel_retries(session, schedule_id, "cancelled: the schedule was switched off", at)
    bump_version(session)


def bump_version(session: Session) -> None:
    """The schedules changed: what engine.changed does, inside the caller's transaction."""
    row = session.scalars(
        select(SettingRow).where(SettingRow.key == VERSION_KEY).with_for_update()
    ).first()
    version = str(int(row.value) + 1) if row is not None and row.value.isdigit() else "1"
    session.merge(SettingRow(key=VERSION_KEY, value=version))


def cancel_queued(session: Session, run_id: int, error: str, at: datetime) -> Moved:
    """queued -> cancelled. Not done when it started meanwhile: then its executor stops it,
    and its process's end records it."""
    moved = _move(
        session, run_id, "cancel_queued", RunStatus.CANCELLED, error=error, finished_at=at
    )
    if moved is not None:
        _observe(session, run_id, moved, RunStatus.CANCELLED, None, at)
    return Moved(run_id, RunStatus.CANCELLED, moved is not None)


def skip(session: Session, run_id: int, reason: str, at: datetime) -> Moved:
    """queued -> skipped with `reason`: it may no longer start (its starting deadline passed,
    or a buffer policy let a newer run take its place)."""
    moved = _move(session, run_id, "skip", RunStatus.SKIPPED, error=reason, finished_at=at)
    if moved is not None:
        _observe(session, run_id, moved, RunStatus.SKIPPED, None, at)
    return Moved(run_id, RunStatus.SKIPPED, moved is not None)


def cancel_unstarted(session: Session, owner: str, error: str, at: datetime) -> list[int]:
    """Every run `owner` queued and did not start -> cancelled (its executor is shutting
    down); the ids of those it moved."""
    rows = session.execute(
        update(RunRow)
        .where(RunRow.owner == owner, RunRow.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.CANCELLED.value, error=error, finished_at=at)
        .returning(RunRow.id, RunRow.schedule_id, RunRow.trigger, RunRow.scheduled_for)
        .execution_options(synchronize_session=False)
    ).all()
    _observe_cancelled(session, rows, at)
    return sorted(row.id for row in rows)


def _end(
    session: Session,
    run_id: int,
    transition: str,
    to: RunStatus,
    error: str,
    at: datetime,
    unstarted_took_none: bool,
    argv: Argv | None = None,
    health: HealthRecorder | None = None,
) -> Moved:
    values: dict[str, Any] = {"error": error, "finished_at": at}
    if unstarted_took_none:
        values["started_at"] = func.coalesce(RunRow.started_at, _when(at))
    moved = _move(session, run_id, transition, to, **values)
    if moved is None:
        return Moved(run_id, to, False)
    began = moved.started_at or moved.queued_at
    took = round((at - began).total_seconds(), 3)
    _took(session, run_id, took)
    _note_on_schedule(session, run_id, moved.schedule_id, began, to)
    # A fail gives a run that never started its end as its start (the coalesce above): one
    # whose start is its end did not run, as far as a duration is concerned.
    ran = moved.started_at is not None and not (unstarted_took_none and moved.started_at == at)
    _observe(session, run_id, moved, to, moved.started_at if ran else None, at)
    facts = {"status": to.value, "duration_seconds": max(took, 0.0), "error": error}
    return _followed(session, run_id, to, at, argv, facts, health)


def _move(
    session: Session, run_id: int, transition: str, to: RunStatus, **values: Any
) -> _Row | None:
    """The one conditional update: the run's row as it is now, or None when it was not in a
    status `transition` starts from. The id is the key, so at most one row moves."""
    return session.execute(
        update(RunRow)
        .where(RunRow.id == run_id, RunRow.status.in_([s.value for s in SOURCES[transition]]))
        .values(status=to.value, **values)
        .returning(
            RunRow.schedule_id,
            RunRow.started_at,
            RunRow.queued_at,
            RunRow.attempt,
            RunRow.trigger,
            RunRow.scheduled_for,
        )
        .execution_options(synchronize_session=False)
    ).first()


def _took(session: Session, run_id: int, seconds: float) -> None:
    """The duration of a run this transaction just ended (its row is ours until COMMIT)."""
    session.execute(
        update(RunRow)
        .where(RunRow.id == run_id)
        .values(duration_seconds=max(seconds, 0.0))
        .execution_options(synchronize_session=False)
    )


def _note_on_schedule(
    session: Session, run_id: int, schedule_id: str, began: datetime, status: RunStatus
) -> None:
    """Keep the schedule's denormalised last_run/last_status in step with its newest run.

    A run that ends after a newer one began (concurrency `allow`) must not overwrite it.
    """
    newer = select(RunRow.id).where(
        RunRow.schedule_id == schedule_id,
        RunRow.id > run_id,
        RunRow.status != RunStatus.SKIPPED.value,
    )
    session.execute(
        update(ScheduleRow)
        .where(ScheduleRow.id == schedule_id, ~newer.exists())
        .values(last_run=began, last_status=status.value)
        .execution_options(synchronize_session=False)
    )


def _note_success(session: Session, schedule_id: str, at: datetime) -> None:
    """The schedule's last success, moved only forwards (runs of `allow` end in any order)."""
    session.execute(
        update(ScheduleRow)
        .where(
            ScheduleRow.id == schedule_id,
            or_(ScheduleRow.last_success_at.is_(None), ScheduleRow.last_success_at < at),
        )
        .values(last_success_at=at)
        .execution_options(synchronize_session=False)
    )


def _observe(
    session: Session,
    run_id: int,
    row: _Row,
    status: RunStatus,
    started_at: datetime | None,
    finished_at: datetime | None = None,
    *,
    cpu_seconds: float | None = None,
    peak_memory_bytes: int | None = None,
) -> None:
    """Note this transition (see _noted), with an end's CPU and memory."""
    change = RunChange(
        run_id,
        row.schedule_id,
        row.trigger,
        status.value,
        row.scheduled_for,
        started_at,
        finished_at,
    )
    _noted(session, [change], cpu_seconds, peak_memory_bytes)


def _noted(
    session: Session,
    changes: Sequence[RunChange],
    cpu_seconds: float | None = None,
    peak_memory_bytes: int | None = None,
) -> None:
    """The one place a transition is told: each end counted now in the statistics' rollups,
    in its own transaction, and every change told to the store's run listeners (the
    metrics) once it commits. Both take an end's duration from the change (`ran_for`), so a
    run that never ran has none in either."""
    ends = [
        rollups.Ended(
            c.schedule_id,
            c.status,
            c.finished_at,
            None if c.ran_for is None else round(c.ran_for, 3),
            cpu_seconds,
            peak_memory_bytes,
        )
        for c in changes
        if c.finished_at is not None
    ]
    if ends:
        rollups.add_many(session, ends)
    for change in changes:
        observers.note(session, change)


def _observe_recorded_end(session: Session, run_id: int, new: NewRun) -> None:
    """A run written ended (skipped or failed at its fire): it ended without running."""
    change = RunChange(
        run_id,
        new.schedule_id,
        new.trigger,
        new.status.value,
        new.scheduled_for,
        None,
        new.queued_at,
    )
    _noted(session, [change])


def _observe_cancelled(
    session: Session, rows: Sequence[Row[int, str, str, datetime]], at: datetime
) -> None:
    changes = [
        RunChange(run_id, schedule_id, trigger, RunStatus.CANCELLED.value, scheduled_for, None, at)
        for run_id, schedule_id, trigger, scheduled_for in rows
    ]
    _noted(session, changes)


def _when(at: datetime) -> Any:
    # Typed, so the value is stored as naive UTC like every other time (see UTCDateTime).
    return literal(at, UTCDateTime())


def _text(value: str) -> str:
    return value.replace("\x00", "\ufffd")


def statuses(values: Sequence[RunStatus]) -> list[str]:
    """Plain strings for a query's IN (...)."""
    return [s.value for s in values]


# -- in batches: a burst of fires claimed, and a burst of starts recorded, in one transaction --


def insert_many(
    session: Session,
    news: Sequence[NewRun],
    priorities: dict[str, int] | None = None,
    *,
    health: HealthRecorder | None = None,
) -> list[int | None]:
    """Write `news` in one statement and return each one's id, in order; None for a cron fire
    whose (schedule, instant) is claimed already (the unique key refused it, as in `insert`).
    `priorities` gives each schedule's priority, kept on its runs for the queue's order. A run
    recorded failed (parameters the workflow refuses) is a final failure to `health`.

    ON CONFLICT DO NOTHING on the claim key (both SQLite and PostgreSQL know it, with the
    partial index's WHERE) instead of a savepoint per row: a burst of a thousand fires is one
    round trip, and a fire another scheduler took is simply not returned.
    """
    if not news:
        return []
    for new in news:
        if new.status not in INSERTED:
            raise ValueError(f"a run cannot be written as {new.status}")
    priorities = priorities or {}
    rows = [_values(new, priorities.get(new.schedule_id, 0)) for new in news]
    claimed = [r for r in rows if r["trigger"] in CLAIMED_TRIGGERS]
    ids: dict[tuple[str, datetime], int] = {}
    if claimed:
        from sqlalchemy import text  # beside _dialect_insert's: only the batch claim needs it

        table = RunRow.__table__
        statement = _dialect_insert(session)(table).on_conflict_do_nothing(
            index_elements=[table.c.schedule_id, table.c.scheduled_for],
            # Literal, as the partial index says it: PostgreSQL infers the index only from a
            # predicate it can match, and a bound parameter it cannot.
            index_where=text(CLAIMED_WHERE),
        )
        statement = statement.returning(table.c.id, table.c.schedule_id, table.c.scheduled_for)
        # The rows as parameters of one cached statement (SQLAlchemy sends them as one
        # multi-row INSERT per batch), not as a VALUES list compiled anew for every burst:
        # compiling a hundred rows' worth of VALUES took most of a burst's claim.
        for row in session.connection().execute(statement, claimed).all():
            ids[(row.schedule_id, row.scheduled_for)] = row.id
    out: list[int | None] = []
    for new, values in zip(news, rows, strict=True):
        if values["trigger"] in CLAIMED_TRIGGERS:
            run_id = ids.pop((new.schedule_id, new.scheduled_for), None)
        else:
            run_id = session.execute(
                _dialect_insert(session)(RunRow).values(values).returning(RunRow.id)
            ).scalar_one()
        if run_id is not None and new.status == RunStatus.FAILED:
            _note_on_schedule(session, run_id, new.schedule_id, new.queued_at, new.status)
            if health is not None:
                health.ended(session, new.schedule_id, run_id, new.status, new.queued_at)
        if run_id is not None and new.status != RunStatus.QUEUED:
            _observe_recorded_end(session, run_id, new)
        out.append(run_id)
    return out


def disarm(session: Session, run_ids: Sequence[int]) -> list[int]:
    """Delete the armed runs of `run_ids` (cron fires claimed ahead of their instant, still
    queued, never started); the ids deleted. Deleted, not ended: the instant has not come, so
    nothing happened to record, and its claim key must be free for the schedule as it now
    is (or for nothing, if it was switched off)."""
    if not run_ids:
        return []
    gone = session.execute(
        delete(RunRow)
        .where(
            RunRow.id.in_(list(run_ids)),
            RunRow.status == RunStatus.QUEUED.value,
            RunRow.started_at.is_(None),
            RunRow.trigger == "schedule",
        )
        .returning(RunRow.id)
    )
    return sorted(gone.scalars())


def _values(new: NewRun, priority: int) -> dict[str, Any]:
    ended = new.status != RunStatus.QUEUED
    return {
        "schedule_id": new.schedule_id,
        "trigger": new.trigger,
        "attempt": new.attempt,
        "scheduled_for": new.scheduled_for,
        "queued_at": new.queued_at,
        "status": new.status.value,
        "command": new.command,
        "output_tail": "",
        "owner": new.owner,
        "error": new.error,
        "finished_at": new.queued_at if ended else None,
        "parameter_overrides": new.parameter_overrides,
        "priority": priority,
        "not_before": new.not_before,
    }


CLAIMED_WHERE = "trigger IN ('schedule', 'catch_up')"  # uq_runs_claimed_fire's predicate


def _dialect_insert(session: Session) -> Any:
    # Imported here: the rest of the module speaks plain SQL that both databases share.
    from sqlalchemy.dialects import postgresql, sqlite

    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"no batch claim for {name}")


@dataclass(frozen=True)
class Start:
    """A run's process is up: what `start` records."""

    run_id: int
    at: datetime
    pid: int
    pid_started_at: float | None
    owner: str
    log_path: str


def start_many(
    session: Session, starts: Sequence[Start], *, health: HealthRecorder | None = None
) -> list[Moved]:
    """queued -> running for each of `starts`, in one transaction: each still its own
    conditional update, so a run cancelled before its start was written is refused (the
    caller stops its process). Then the starts' notifications, and the health the starts
    change, for the batch at once."""
    rows = [_start(session, s) for s in starts]
    moved = [
        Moved(s.run_id, RunStatus.RUNNING, row is not None)
        for s, row in zip(starts, rows, strict=True)
    ]
    _announce_starts(
        session, [(s.run_id, row, s.at) for s, row in zip(starts, rows, strict=True) if row]
    )
    if health is None:
        return moved
    started = [
        Started(row.schedule_id, s.run_id, row.trigger, row.scheduled_for, s.at) if row else None
        for s, row in zip(starts, rows, strict=True)
    ]
    changes = health.started(session, [s for s in started if s is not None])
    return _with_health(moved, started, changes)


def _with_health(
    moved: list[Moved], started: list[Started | None], changes: list[HealthChange]
) -> list[Moved]:
    """Each change on the Moved of its run, else of the first start of its schedule."""
    for change in changes:
        runs = [
            i
            for i, s in enumerate(started)
            if s is not None and s.schedule_id == change.schedule_id
        ]
        at = next((i for i in runs if moved[i].run_id == change.run_id), runs[0] if runs else None)
        if at is not None:
            moved[at] = replace(moved[at], health=(*moved[at].health, change))
    return moved


def adopt(session: Session, run_id: int, previous: str | None, owner: str) -> bool:
    """A queued run of an owner that is gone becomes `owner`'s: it never started, so it is
    not lost; it waits to start here. Refused when it moved or another process adopted it."""
    moved = session.execute(
        update(RunRow)
        .where(
            RunRow.id == run_id,
            RunRow.status == RunStatus.QUEUED.value,
            RunRow.owner.is_(None) if previous is None else RunRow.owner == previous,
        )
        .values(owner=owner)
        .returning(RunRow.id)
        .execution_options(synchronize_session=False)
    ).first()
    return moved is not None
