"""Overlap warnings: a schedule whose runs outlast the gap to its next fire (`self_overlap`),
and more runs expected at once than there are run slots (`slot_overload`).

Pure functions over cron expressions and durations, no IO: the service, the dashboard and the
cron preview feed them what the store says. They warn, they never block a save.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from tickwork import cron

HORIZON = timedelta(days=7)  # how far ahead both warnings look
RECENT_RUNS = 20  # ended runs whose p95 duration stands for the next one
MOST_INSTANTS = 5  # instants a warning names
# Two fires are at least a minute apart, so a shorter run can never overlap its next one:
# most schedules are decided without walking their fires at all.
MIN_GAP_SECONDS = 60.0
# Policies under which a schedule never runs twice at once (the next waits, is skipped or
# replaces the first): its runs count once however long they are.
SERIAL_POLICIES = frozenset({"forbid", "replace", "buffer_one", "buffer_all"})


def p95(durations: Sequence[float]) -> float | None:
    """The 95th percentile by nearest rank: with 20 runs, the second longest."""
    if not durations:
        return None
    ordered = sorted(durations)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Expected:
    """How long a schedule's next run is expected to take, and where that figure came from."""

    seconds: float
    from_history: bool  # False: no ended runs yet, the timeout stands in


def expected(durations: Sequence[float], timeout_seconds: int) -> Expected:
    figure = p95(durations)
    if figure is None:
        return Expected(float(timeout_seconds), False)
    return Expected(figure, True)


def human(seconds: float) -> str:
    """A duration as people say it: `90 s`, `2.5 min`, `3 h`, `2 d`."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


@dataclass(frozen=True)
class Warning:
    """One warning as the API shows it (schemas.ScheduleWarning)."""

    code: str
    message: str
    instants: tuple[datetime, ...] = ()


def self_overlap(
    expression: str, timezone: str, duration: Expected, now: datetime
) -> Warning | None:
    """Warn when a run is expected to outlast the gap to the next fire, over the next week."""
    if duration.seconds <= MIN_GAP_SECONDS:
        return None
    hour = now.replace(minute=0, second=0, microsecond=0)
    if duration.seconds <= _shortest_gap(expression, timezone, hour):
        return None
    found = _short_gaps(expression, timezone, duration.seconds, _minute(now))
    instants = tuple(at for at, _ in found if at > now)[:MOST_INSTANTS]
    if not instants:
        return None
    shortest = min(gap for _, gap in found)
    source = "the p95 duration of its recent runs" if duration.from_history else "its timeout"
    return Warning(
        "self_overlap",
        f"{source} ({human(duration.seconds)}) is longer than the shortest gap between"
        f" its fires ({human(shortest)}): a run would still be going when the next is due",
        instants,
    )


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


@lru_cache(maxsize=4096)
def _shortest_gap(expression: str, timezone: str, start: datetime) -> float:
    """The shortest gap between two fires within HORIZON (and a bit) of `start`, cached by
    the hour: a page of schedules that do not overlap, the usual case, costs one walk of a
    week's fires per expression an hour, not one per row per request."""
    shortest = float("inf")
    previous: datetime | None = None
    end = start + HORIZON + timedelta(hours=1)
    for at in cron.fire_times(expression, cron.zone(timezone), start):
        if at > end:
            break
        if previous is not None:
            shortest = min(shortest, (at - previous).total_seconds())
            if shortest <= MIN_GAP_SECONDS:
                break  # no two fires are closer than a minute
        previous = at
    return shortest


@lru_cache(maxsize=4096)
def _short_gaps(
    expression: str, timezone: str, seconds: float, start: datetime
) -> tuple[tuple[datetime, float], ...]:
    """The first fires within HORIZON of `start` that come less than `seconds` after the one
    before, with that gap. Cached by the minute: a page of schedules asks again and again."""
    found: list[tuple[datetime, float]] = []
    previous: datetime | None = None
    end = start + HORIZON
    for at in cron.fire_times(expression, cron.zone(timezone), start):
        if at > end:
            break
        if previous is not None and (gap := (at - previous).total_seconds()) < seconds:
            found.append((at, gap))
            if len(found) > MOST_INSTANTS:
                break
        previous = at
    return tuple(found)


# -- run slots ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """A schedule as the slot forecast sees it."""

    schedule_id: str
    expression: str
    timezone: str
    seconds: float
    policy: str

    @property
    def shape(self) -> tuple[str, str, float, bool]:
        # Schedules of one shape have the same intervals: each shape is walked once.
        return (self.expression, self.timezone, self.seconds, self.policy in SERIAL_POLICIES)


def intervals(
    expression: str, timezone: str, seconds: float, serial: bool, start: datetime
) -> list[tuple[datetime, datetime]]:
    """When the runs of a schedule would be running over HORIZON from `start`; a serial
    schedule's overlapping runs are one stretch (it never has two going at once)."""
    length = timedelta(seconds=max(seconds, 1.0))
    end = start + HORIZON
    out: list[tuple[datetime, datetime]] = []
    for at in cron.fire_times(expression, cron.zone(timezone), start):
        if at > end:
            break
        if serial and out and at < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], at + length))
        else:
            out.append((at, at + length))
    return out


@dataclass
class SlotForecast:
    """How many runs are expected at once over HORIZON from `start`, as a step function:
    `levels[i]` runs from `times[i]` until `times[i + 1]`."""

    start: datetime
    slots: int
    times: list[datetime] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    # Per schedule, the overloaded moments while one of its runs would be going.
    by_schedule: dict[str, tuple[datetime, ...]] = field(default_factory=dict)
    peak: int = 0

    def level_at(self, at: datetime) -> int:
        i = bisect_right(self.times, at) - 1
        return self.levels[i] if i >= 0 else 0

    def highest(self, begin: datetime, end: datetime) -> tuple[int, datetime]:
        """The most runs at once in [begin, end), and the first moment it is reached."""
        best, when = self.level_at(begin), begin
        for i in range(bisect_right(self.times, begin), bisect_left(self.times, end)):
            if self.levels[i] > best:
                best, when = self.levels[i], self.times[i]
        return best, when


def forecast(loads: Iterable[Load], slots: int, start: datetime) -> SlotForecast:
    """Sweep every enabled schedule's expected runs over the next week."""
    loads = list(loads)
    shapes = Counter(load.shape for load in loads)
    walked = {shape: intervals(*shape, start) for shape in shapes}
    events: Counter[datetime] = Counter()
    for shape, weight in shapes.items():
        for begin, end in walked[shape]:
            events[begin] += weight
            events[end] -= weight
    result = SlotForecast(start, slots)
    level = 0
    for at in sorted(events):
        level += events[at]
        result.times.append(at)
        result.levels.append(level)
    result.peak = max(result.levels, default=0)
    if result.peak <= slots:
        return result
    over = _overloaded(result)
    moments = {shape: _moments(walked[shape], over) for shape in shapes}
    result.by_schedule = {
        load.schedule_id: found for load in loads if (found := moments[load.shape])
    }
    return result


def _overloaded(result: SlotForecast) -> list[tuple[datetime, datetime, int]]:
    """The stretches with more runs than slots, in time order."""
    out = []
    for i, level in enumerate(result.levels):
        if level > result.slots and i + 1 < len(result.times):
            out.append((result.times[i], result.times[i + 1], level))
    return out


def _moments(
    spans: list[tuple[datetime, datetime]], over: list[tuple[datetime, datetime, int]]
) -> tuple[datetime, ...]:
    """The starts of the first few overloaded stretches that meet one of `spans`."""
    ends = [end for _, end, _ in over]
    found: list[datetime] = []
    for begin, end in spans:
        i = bisect_right(ends, begin)
        while i < len(over) and over[i][0] < end:
            if over[i][0] not in found:
                found.append(over[i][0])
            if len(found) == MOST_INSTANTS:
                return tuple(found)
            i += 1
    return tuple(found)


def slot_overload(
    base: SlotForecast, schedule_id: str, now: datetime, peak: int | None = None
) -> Warning | None:
    """The warning for a stored schedule, from the forecast of all of them."""
    instants = tuple(at for at in base.by_schedule.get(schedule_id, ()) if at > now)
    if not instants:
        return None
    return _slot_warning(peak or max(base.level_at(at) for at in instants), base.slots, instants)


def slot_overload_of(
    base: SlotForecast, candidate: Load, stored: Load | None, now: datetime
) -> Warning | None:
    """The warning for a schedule being edited: the forecast of the others (without `stored`,
    its saved version) with `candidate` added, looked at while the candidate would run."""
    serial = candidate.policy in SERIAL_POLICIES
    mine = intervals(candidate.expression, candidate.timezone, candidate.seconds, serial, now)
    old = intervals(*stored.shape, base.start) if stored is not None else []
    old_starts = [begin for begin, _ in old]
    found: list[datetime] = []
    peak = 0
    for begin, end in mine:
        level, when = _highest_without(base, old, old_starts, begin, end)
        if level + 1 > base.slots:
            peak = max(peak, level + 1)
            found.append(when)
            if len(found) == MOST_INSTANTS:
                break
    return _slot_warning(peak, base.slots, tuple(found)) if found else None


def _highest_without(
    base: SlotForecast,
    old: list[tuple[datetime, datetime]],
    old_starts: list[datetime],
    begin: datetime,
    end: datetime,
) -> tuple[int, datetime]:
    """The most runs of the others at once in [begin, end): the forecast less `old`."""
    points = [begin] + base.times[bisect_right(base.times, begin) : bisect_left(base.times, end)]
    best, when = -1, begin
    for at in points:
        level = base.level_at(at) - _covering(old, old_starts, at)
        if level > best:
            best, when = level, at
    return best, when


def _covering(spans: list[tuple[datetime, datetime]], starts: list[datetime], at: datetime) -> int:
    """How many of `spans` (sorted by start, all of one length) cover `at`."""
    count = 0
    i = bisect_right(starts, at) - 1
    # Spans of one length that started in order also end in order: stop at the first one over.
    while i >= 0 and spans[i][1] > at:
        count += 1
        i -= 1
    return count


def _slot_warning(peak: int, slots: int, instants: tuple[datetime, ...]) -> Warning:
    return Warning(
        "slot_overload",
        f"up to {peak} runs are expected at once in the next 7 days, more than the"
        f" {slots} run slot{'s' if slots != 1 else ''}: some will wait for a free one",
        instants,
    )
