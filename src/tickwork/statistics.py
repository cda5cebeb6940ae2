"""Run statistics as numbers: the windows they cover and durations kept as a histogram.

A run's duration is counted in a bucket of a geometric histogram (eight buckets per doubling),
not kept as a list: buckets add up across hours, days, schedules and groups, so a percentile
over a million runs is a sum of a few hundred counts. A percentile read back from the buckets
is the geometric middle of the bucket it falls in, within 4.4 % of the true value, and never
above the longest duration seen.

Pure: no IO, no clock of its own. The store keeps the counts (store/rollups.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar

Grain = Literal["hour", "day"]
WindowName = Literal["24h", "7d", "30d", "90d"]
# Buckets per doubling: 2^(1/8) apart, so a bucket's middle is within 2^(1/16)-1 = 4.4 %.
PER_DOUBLING = 8
# Durations below a millisecond share the lowest bucket (a log of zero has none).
SHORTEST = 0.001


@dataclass(frozen=True)
class Window:
    """A stretch of whole hours or days ending with the one `now` is in, oldest first."""

    name: WindowName
    grain: Grain
    points: int

    def start(self, now: datetime) -> datetime:
        return self.starts(now)[0]

    def starts(self, now: datetime) -> list[datetime]:
        """The start of each point of the series (UTC)."""
        last = truncate(now, self.grain)
        step = STEP[self.grain]
        return [last - step * (self.points - 1 - i) for i in range(self.points)]


STEP: dict[Grain, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
WINDOWS: dict[str, Window] = {
    "24h": Window("24h", "hour", 24),
    "7d": Window("7d", "day", 7),
    "30d": Window("30d", "day", 30),
    "90d": Window("90d", "day", 90),
}
# How long each grain's counts are kept: the longest window that reads it, and a point more.
KEPT: dict[Grain, timedelta] = {"hour": timedelta(hours=25), "day": timedelta(days=91)}


def truncate(at: datetime, grain: Grain) -> datetime:
    """The start (UTC) of the hour or day `at` is in."""
    at = at.astimezone(UTC)
    if grain == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket(seconds: float) -> int:
    """The histogram bucket a duration is counted in."""
    return math.floor(PER_DOUBLING * math.log2(max(seconds, SHORTEST)))


def middle(index: int) -> float:
    """The duration a bucket stands for: its geometric middle."""
    return float(2 ** ((index + 0.5) / PER_DOUBLING))


def percentile(counts: Mapping[int, int], q: float, longest: float | None) -> float | None:
    """The `q` quantile (0 < q <= 1) of the durations counted in `counts` (bucket -> runs),
    at most `longest`; None when nothing was counted. Nearest rank, as a sorted list would
    give: the smallest duration with at least q of the runs at or below it."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= rank:
            value = middle(index)
            return round(min(value, longest) if longest is not None else value, 3)
    return None  # unreachable: the counts add up to total


def merged(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Histograms added together, bucket by bucket."""
    out: dict[int, int] = {}
    for histogram in histograms:
        for index, runs in histogram.items():
            out[index] = out.get(index, 0) + runs
    return out


# Outcomes a success rate is out of: a run that was cancelled or skipped neither failed nor
# succeeded, and a lost run's job may have done its work but nobody knows.
RATED = ("success", "failed", "timeout", "lost")
FAILED = ("failed", "timeout", "lost")


@dataclass
class Tally:
    """What some runs came to: counts by status, and of those that ran, durations (a
    histogram), CPU and memory. Tallies add up (hours to days, schedules to groups)."""

    counts: dict[str, int] = field(default_factory=dict)
    timed_runs: int = 0
    duration_seconds: float = 0.0
    duration_max: float | None = None
    cpu_runs: int = 0
    cpu_seconds: float = 0.0
    peak_memory_bytes: int | None = None
    durations: dict[int, int] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return sum(self.counts.values())

    @property
    def failures(self) -> int:
        return sum(self.counts.get(name, 0) for name in FAILED)

    @property
    def success_rate(self) -> float | None:
        """Successes out of the runs with a verdict; None before any."""
        rated = sum(self.counts.get(name, 0) for name in RATED)
        return round(self.counts.get("success", 0) / rated, 4) if rated else None

    @property
    def cpu_seconds_mean(self) -> float | None:
        return round(self.cpu_seconds / self.cpu_runs, 3) if self.cpu_runs else None

    def duration(self, q: float) -> float | None:
        return percentile(self.durations, q, self.duration_max)

    def add(self, other: Tally) -> Tally:
        """This tally with `other` added in (in place, and returned)."""
        for name, runs in other.counts.items():
            self.counts[name] = self.counts.get(name, 0) + runs
        self.timed_runs += other.timed_runs
        self.duration_seconds += other.duration_seconds
        self.duration_max = _larger(self.duration_max, other.duration_max)
        self.cpu_runs += other.cpu_runs
        self.cpu_seconds += other.cpu_seconds
        self.peak_memory_bytes = _larger(self.peak_memory_bytes, other.peak_memory_bytes)
        self.durations = merged((self.durations, other.durations))
        return self


_Number = TypeVar("_Number", int, float)


def _larger(a: _Number | None, b: _Number | None) -> _Number | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
