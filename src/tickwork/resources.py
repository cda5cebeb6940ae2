"""A run's resource use over time: CPU percent, resident memory and process count of its whole
process tree, as a series of at most POINTS_MAX points however long the run goes.

No IO and no clock of its own: the supervisor's pass over /proc reads every tree already (for
peak memory and the sweep), and hands each run's figures to its `Meter` with the time it read
them; the meter turns readings into samples at the series' interval. When the series is full,
neighbouring points are merged in pairs (the mean of their CPU, the most of their memory and
processes) and the interval doubles, so a run of a day keeps its whole shape in the same few
hundred points as a run of ten minutes, and a short spike of memory is never averaged away.

The series is fed from the supervisor's thread and read from the executor's writer, so it
holds a lock; `take` hands the writer what is new since its last take (or everything, after
a merge rewrote the points).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

# Even, so a full series merges into whole pairs.
POINTS_MAX = 300
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    """What a run's tree used over the `span_seconds` ending at `at` (epoch seconds)."""

    at: float
    cpu_percent: float  # the mean over the span; 100 is one core busy
    rss_bytes: int  # the most resident memory seen in the span
    processes: int  # the most live processes seen in the span
    span_seconds: float  # the series' interval when it was taken


def merge(first: Sample, second: Sample) -> Sample:
    """Two neighbours as one point over both spans, at the end of the second."""
    return Sample(
        at=second.at,
        cpu_percent=round((first.cpu_percent + second.cpu_percent) / 2, 2),
        rss_bytes=max(first.rss_bytes, second.rss_bytes),
        processes=max(first.processes, second.processes),
        span_seconds=first.span_seconds + second.span_seconds,
    )


@dataclass(frozen=True)
class Taken:
    """New points for the store: `replace` says the stored ones are to go first (a merge
    rewrote them, or an earlier write was lost)."""

    replace: bool
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class Summary:
    """A whole run's figures, over every sample taken (not the merged points): means weighted
    by the time each sample covers; None without samples."""

    cpu_percent_mean: float | None
    cpu_percent_peak: float | None
    memory_mean_bytes: int | None


class Series:
    """One run's points. `on_new` is called (from the feeding thread) when points arrive and
    none were waiting for a take: one call per take, not one per point."""

    def __init__(
        self,
        interval: float,
        cap: int = POINTS_MAX,
        on_new: Callable[[], None] | None = None,
    ) -> None:
        if interval <= 0 or cap < 2 or cap % 2:
            raise ValueError("a series needs an interval above 0 and an even cap of 2 or more")
        self._lock = threading.Lock()
        self._interval = interval
        self._cap = cap
        self._points: list[Sample] = []
        self.on_new = on_new
        self._taken = 0  # points handed to the writer (a prefix of _points)
        self._rewrite = False  # the next take replaces what is stored
        self._waiting = False  # points arrived since the last take
        # Over every sample: seconds covered, and CPU percent and memory times those seconds.
        self._span = 0.0
        self._cpu_area = 0.0
        self._rss_area = 0.0
        self._cpu_peak: float | None = None

    @property
    def interval(self) -> float:
        with self._lock:
            return self._interval

    def add(self, sample: Sample, covered: float) -> None:
        """Append `sample`, which covered `covered` seconds (the span as measured, which the
        pass's timing makes a little longer or shorter than the interval)."""
        with self._lock:
            self._points.append(sample)
            self._span += covered
            self._cpu_area += sample.cpu_percent * covered
            self._rss_area += sample.rss_bytes * covered
            self._cpu_peak = max(self._cpu_peak or 0.0, sample.cpu_percent)
            if len(self._points) >= self._cap:
                pairs = zip(self._points[::2], self._points[1::2], strict=True)
                self._points = [merge(a, b) for a, b in pairs]
                self._interval *= 2
                self._rewrite, self._taken = True, 0
            notify = not self._waiting
            self._waiting = True
        if notify and self.on_new is not None:
            self.on_new()

    def points(self) -> list[Sample]:
        with self._lock:
            return list(self._points)

    def take(self) -> Taken:
        """What the store lacks, marked as handed over."""
        with self._lock:
            taken = Taken(self._rewrite, tuple(self._points[self._taken :]))
            self._taken, self._rewrite, self._waiting = len(self._points), False, False
            return taken

    def lost(self) -> None:
        """A take was not written: the next one rewrites the whole series."""
        with self._lock:
            self._rewrite, self._taken = True, 0

    def summary(self) -> Summary:
        with self._lock:
            if self._span <= 0:
                return Summary(None, self._cpu_peak, None)
            return Summary(
                round(self._cpu_area / self._span, 2),
                self._cpu_peak,
                round(self._rss_area / self._span),
            )


@dataclass(frozen=True)
class TreeUse:
    """A process tree as one pass read it."""

    rss_bytes: int
    cpu_ticks: int  # user and system time of its processes and the children they waited for
    processes: int


class Meter:
    """Turns one run's readings (each pass over /proc) into samples at its series' interval.

    CPU is the growth of the tree's CPU ticks over the time between two samples; memory and
    process count are the most seen by any reading in between. Times are the caller's: a
    monotonic `now` for spans and an epoch `wall` for the points' `at`."""

    def __init__(self, series: Series, now: float, cpu_ticks: int = 0) -> None:
        self.series = series
        self._since = now
        self._due = now + series.interval
        self._ticks = cpu_ticks
        self._rss = 0
        self._processes = 0

    @property
    def due(self) -> float:
        return self._due

    def read(self, now: float, wall: float, use: TreeUse) -> Sample | None:
        """Take in one reading; the sample it completed, if the interval is over."""
        self._rss = max(self._rss, use.rss_bytes)
        self._processes = max(self._processes, use.processes)
        if now < self._due:
            return None
        covered = now - self._since
        # A descendant that escaped the tree takes its ticks with it: never a negative use.
        used = max(0, use.cpu_ticks - self._ticks) / CLOCK_TICKS
        interval = self.series.interval
        sample = Sample(
            at=wall,
            cpu_percent=round(100 * used / covered, 2) if covered > 0 else 0.0,
            rss_bytes=self._rss,
            processes=self._processes,
            span_seconds=interval,
        )
        self.series.add(sample, covered)
        interval = self.series.interval  # doubled, if that sample filled the series
        # The next one is due an interval after this one was due, not after this reading:
        # readings come a pass apart, and the points should not drift by a pass each time.
        self._due = max(self._due + interval, now + interval / 2)
        self._since, self._ticks = now, use.cpu_ticks
        self._rss = self._processes = 0
        return sample
