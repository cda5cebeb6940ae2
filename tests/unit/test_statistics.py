"""The numbers behind statistics: percentiles from the histogram stay within 4.4 % of the
exact nearest-rank percentile, windows are whole UTC hours and days ending with now, and
tallies add up."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from tickwork import statistics
from tickwork.statistics import WINDOWS, Tally


def exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("q", [0.5, 0.95, 0.99])
def test_a_percentile_from_buckets_is_within_its_promise(seed: int, q: float) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(3, 1.5) for _ in range(2000)]
    counts: dict[int, int] = {}
    for value in values:
        counts[statistics.bucket(value)] = counts.get(statistics.bucket(value), 0) + 1
    estimate = statistics.percentile(counts, q, max(values))
    assert estimate is not None
    assert abs(estimate - exact(values, q)) / exact(values, q) < 0.045


def test_a_percentile_is_never_above_the_longest_run_and_none_without_runs() -> None:
    counts = {statistics.bucket(10.0): 3}
    assert statistics.percentile(counts, 0.95, 10.0) == pytest.approx(10.0, rel=0.045)
    assert (statistics.percentile(counts, 0.95, 10.0) or 0) <= 10.0
    assert statistics.percentile({}, 0.5, None) is None
    # Zero and sub-millisecond durations share the lowest bucket rather than breaking log2.
    assert statistics.bucket(0.0) == statistics.bucket(0.0001) == statistics.bucket(0.001)


def test_the_24h_window_is_24_whole_hours_ending_with_the_current_one() -> None:
    now = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # Europe's spring-forward night, in UTC
    starts = WINDOWS["24h"].starts(now)
    assert len(starts) == 24
    assert starts[0] == datetime(2026, 3, 28, 2, tzinfo=UTC)
    assert starts[-1] == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_day_windows_end_with_today_in_utc() -> None:
    now = datetime(2026, 12, 4, 23, 59, tzinfo=UTC)
    for name, days in (("7d", 7), ("30d", 30), ("90d", 90)):
        starts = WINDOWS[name].starts(now)
        assert len(starts) == days
        assert starts[-1] == datetime(2026, 12, 4, tzinfo=UTC)
    assert WINDOWS["90d"].starts(now)[0] == datetime(2026, 9, 6, tzinfo=UTC)


def test_tallies_add_up_and_rate_only_runs_with_a_verdict() -> None:
    a = Tally(counts={"success": 3, "failed": 1}, cpu_runs=2, cpu_seconds=3.0, duration_max=5.0)
    b = Tally(counts={"success": 1, "cancelled": 4, "skipped": 2}, duration_max=9.0)
    total = Tally().add(a).add(b)
    assert total.runs == 11
    assert total.failures == 1
    assert total.success_rate == pytest.approx(0.8)  # cancelled and skipped do not count
    assert total.duration_max == 9.0
    assert total.cpu_seconds_mean == pytest.approx(1.5)
    assert Tally(counts={"skipped": 1}).success_rate is None
