"""Schedule health: is a schedule doing what its calendar promises? Pure evaluation, no IO.

    stuck     a run has been going far past its usual time
    failing   its last `health_failures` final runs all failed, timed out or were lost
    missed    a fire it should have had has no run (tickwork was down past its catch-up, the
              scheduler stalled, a fire was dropped), and no on-time run came since
    late      its newest cron run started more than `health_late_seconds` after its instant
    ok        none of these

When several apply, the first in that order is the state: a stuck run is what needs a person
first, and a schedule that fails every time does not need telling that it was late too.
Missed and late are about the calendar, so they apply to enabled schedules only and to fires
since the schedule was last enabled or changed (its `updated_at`).

The store gathers the facts (store/health.py) and writes a transition only when the state
changes; each transition is a `HealthChange` that listeners (notifications) see inside the
writing transaction, so whatever they write commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from tickwork import cron
from tickwork.config import Settings
from tickwork.overlap import human, p95

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Health(StrEnum):
    OK = "ok"
    LATE = "late"
    MISSED = "missed"
    FAILING = "failing"
    STUCK = "stuck"


# Most urgent first: the order the dashboard lists unhealthy schedules in.
PRIORITY = (Health.STUCK, Health.FAILING, Health.MISSED, Health.LATE)
RANK = {state: rank for rank, state in enumerate((*PRIORITY, Health.OK))}
# Runs a cron fire made: only their start time says anything about the calendar. A manual
# run or a retry waits for a slot or its delay, and that is not the schedule being late.
CRON_TRIGGERS = ("schedule", "catch_up")
FAILED = frozenset({"failed", "timeout", "lost"})
FAILED_AS = {"failed": "failed", "timeout": "timed out", "lost": "was lost"}
# The error of a fire recorded `skipped` because no scheduler ran when it was due
# (scheduler/catch_up.py): it has a run row, but it did not run.
MISSED_PREFIX = "missed:"
# A run's usual time: the p95 of its schedule's last successful runs, once there are enough.
USUAL_RUNS = 20
USUAL_MIN_RUNS = 3
STUCK_FACTOR = 3
STUCK_MARGIN = timedelta(minutes=10)  # a run of seconds is not stuck after a minute


@dataclass(frozen=True)
class Policy:
    """The health settings, as times."""

    failures: int = 2
    late: timedelta = timedelta(seconds=60)
    stuck: timedelta = timedelta(hours=1)
    missed_grace: timedelta = timedelta(minutes=2)

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            failures=settings.health_failures,
            late=timedelta(seconds=settings.health_late_seconds),
            stuck=timedelta(seconds=settings.health_stuck_seconds),
            missed_grace=timedelta(seconds=settings.health_missed_grace_seconds),
        )


@dataclass(frozen=True)
class RunFact:
    """What health needs of one run."""

    id: int
    trigger: str
    status: str
    scheduled_for: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    retried: bool = False  # a retry of it is queued or ran: it is not the final outcome


@dataclass(frozen=True)
class Facts:
    """One schedule as health sees it."""

    enabled: bool
    changed_at: datetime  # its updated_at: fires before it were not expected of it as it is
    runs: Sequence[RunFact]  # newest first; running and ended ones (not queued/skipped/cancelled)
    more: bool = False  # `runs` was cut at a limit: older ones exist
    durations: Sequence[float] = ()  # its last successful runs' durations, for stuck
    missed_at: datetime | None = None  # the newest fire found without a run, if any


@dataclass(frozen=True)
class Verdict:
    state: Health
    reason: str | None
    since: datetime | None  # when the condition began; None for ok (the caller's now)
    run_id: int | None = None
    # `missed_at` is answered (an on-time run since, or the schedule changed): forget it.
    forget_missed: bool = False


@dataclass(frozen=True)
class HealthChange:
    """A transition as it was written: notifications turn these into messages."""

    schedule_id: str
    previous: Health
    state: Health
    reason: str | None
    since: datetime
    run_id: int | None


# Called with the writing transaction's session: rows it adds commit with the transition.
HealthListener = Callable[["Session", HealthChange], None]


def evaluate(facts: Facts, policy: Policy, now: datetime) -> Verdict:
    """The schedule's state, why, and since when."""
    forget = facts.missed_at is not None and _answered(facts, facts.missed_at, policy)
    for check in (_stuck, _failing, _missed, _late):
        found = check(facts, policy, now)
        if found is not None:
            return Verdict(found.state, found.reason, found.since, found.run_id, forget)
    return Verdict(Health.OK, None, None, None, forget)


def usual_time(durations: Sequence[float]) -> float | None:
    """The p95 of the recent successful durations; None while there are too few to say."""
    return p95(durations) if len(durations) >= USUAL_MIN_RUNS else None


def stuck_after(durations: Sequence[float], policy: Policy) -> timedelta:
    """How long a run may go before it is stuck: 3 × its usual time, and at least 10 minutes
    more than it; the `health_stuck_seconds` setting while the history is too short."""
    usual = usual_time(durations)
    if usual is None:
        return policy.stuck
    return max(STUCK_FACTOR * timedelta(seconds=usual), timedelta(seconds=usual) + STUCK_MARGIN)


def shortest_stuck_after(policy: Policy) -> timedelta:
    """No run younger than this can be stuck, whatever its history: the periodic check looks
    only at runs older than it."""
    return min(STUCK_MARGIN, policy.stuck)


def _stuck(facts: Facts, policy: Policy, now: datetime) -> Verdict | None:
    limit = stuck_after(facts.durations, policy)
    going = sorted(
        (r for r in facts.runs if r.status == "running" and r.started_at is not None),
        key=lambda r: (r.started_at, r.id),
    )
    for run in going:
        assert run.started_at is not None
        if now - run.started_at > limit:
            usual = usual_time(facts.durations)
            why = (
                f"about {STUCK_FACTOR}× its usual {human(usual)} (p95 of its last "
                f"{len(facts.durations)} successful runs)"
                if usual is not None
                else "health_stuck_seconds: too few successful runs to know its usual time"
            )
            reason = f"run #{run.id} has been running for more than {_said(limit)} ({why})"
            return Verdict(Health.STUCK, reason, run.started_at + limit, run.id)
    return None


def _failing(facts: Facts, policy: Policy, now: datetime) -> Verdict | None:
    streak: list[RunFact] = []
    broken = False  # by a success: the streak is all there is
    for run in facts.runs:
        if run.status == "running" or (run.status in FAILED and run.retried):
            continue  # not an outcome yet, or not the final one
        if run.status not in FAILED:
            broken = True
            break
        streak.append(run)
    if len(streak) < policy.failures:
        return None
    last = streak[0]
    # The failure that made the count reach the setting is when it began to fail.
    reached = streak[len(streak) - policy.failures]
    count = f"{len(streak)}{' or more' if facts.more and not broken else ''}"
    reason = f"{count} runs in a row failed; the last, run #{last.id}, {FAILED_AS[last.status]}"
    since = reached.finished_at or reached.started_at or now
    return Verdict(Health.FAILING, reason, since, last.id)


def _missed(facts: Facts, policy: Policy, now: datetime) -> Verdict | None:
    instant = facts.missed_at
    if not facts.enabled or instant is None or _answered(facts, instant, policy):
        return None
    return Verdict(Health.MISSED, f"the fire due at {iso(instant)} did not run", instant)


def _late(facts: Facts, policy: Policy, now: datetime) -> Verdict | None:
    newest = next((r for r in facts.runs if _cron_start(r) is not None), None)
    if not facts.enabled or newest is None or newest.scheduled_for < facts.changed_at:
        return None
    delay = _cron_start(newest)
    if delay is None or delay <= policy.late:
        return None
    assert newest.started_at is not None
    reason = (
        f"run #{newest.id} started {_said(delay)} after its fire at "
        f"{iso(newest.scheduled_for)} (late after {_said(policy.late)})"
    )
    return Verdict(Health.LATE, reason, newest.started_at, newest.id)


def _answered(facts: Facts, instant: datetime, policy: Policy) -> bool:
    """Whether a missed fire at `instant` no longer counts: the schedule was enabled or
    changed since, or a cron run after it started on time."""
    if instant < facts.changed_at:
        return True
    for run in facts.runs:
        delay = _cron_start(run)
        if delay is not None and delay <= policy.late and run.scheduled_for > instant:
            return True
    return False


def _cron_start(run: RunFact) -> timedelta | None:
    """How long after its instant a cron run started; None for other runs and unstarted ones."""
    if run.trigger not in CRON_TRIGGERS or run.started_at is None:
        return None
    return run.started_at - run.scheduled_for


# -- missed fires: the calendar against the runs it made --------------------------------------


def covers(status: str, error: str | None) -> bool:
    """Whether a run at a fire's instant means the fire happened: any run but a `skipped` one
    that records the fire as missed (policy skips, such as forbid's overlap, did happen)."""
    return not (status == "skipped" and (error or "").startswith(MISSED_PREFIX))


def expected_fires(
    expression: str, timezone: str, after: datetime, until: datetime, most: int
) -> list[datetime]:
    """The latest `most` fires in (after, until], oldest first."""
    if until <= after:
        return []
    tz = cron.zone(timezone)
    first = cron.next_fire(expression, tz, after)  # cached: schedules share `after` and cron
    if first is None or first > until:
        return []
    return cron.fires_between(expression, tz, after, until, most)


def newest_missing(expected: Sequence[datetime], runs: Mapping[datetime, bool]) -> datetime | None:
    """The newest of `expected` without a run that covers it (`runs`: instant -> covers)."""
    for instant in reversed(expected):
        if not runs.get(instant, False):
            return instant
    return None


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _said(delta: timedelta) -> str:
    """A duration in a reason: whole seconds up to two minutes (`61 s`, not `1.02 min`)."""
    seconds = delta.total_seconds()
    return f"{seconds:.0f} s" if seconds < 120 else human(seconds)
