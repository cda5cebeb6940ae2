"""A run's resource series with fed readings and a fake clock: the sampling, the cap, the merges,
the figures over the whole run, and what the writer is handed."""

from __future__ import annotations

import pytest

from tickwork.resources import CLOCK_TICKS, Meter, Sample, Series, TreeUse, merge

MiB = 1024 * 1024


def point(at: float, cpu: float = 0.0, rss: int = 0, processes: int = 1) -> Sample:
    return Sample(at, cpu, rss, processes, 1.0)


class Tree:
    """A process tree read by passes on a fake clock; `at` of its points is 1e6 + its time."""

    def __init__(self, series: Series) -> None:
        self.meter = Meter(series, now=0.0)
        self.now = 0.0
        self._ticks = 0.0

    def run(self, seconds: float, step: float, cpu: float, rss: int) -> None:
        """Readings every `step` s for `seconds` s of the tree busy at `cpu` percent."""
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now += step
            self._ticks += cpu / 100 * CLOCK_TICKS * step
            self.meter.read(self.now, 1_000_000 + self.now, TreeUse(rss, round(self._ticks), 1))


def test_it_samples_cpu_as_the_growth_of_ticks_over_the_interval() -> None:
    series = Series(2.0)
    Tree(series).run(4.0, 0.5, cpu=50, rss=10 * MiB)
    first, second = series.points()
    assert first.cpu_percent == pytest.approx(50, abs=1)
    assert second.cpu_percent == pytest.approx(50, abs=1)
    assert (first.at, second.at) == (1_000_002.0, 1_000_004.0)
    assert first.span_seconds == 2.0


def test_a_sample_keeps_the_most_memory_and_processes_seen_between_samples() -> None:
    meter = Meter(Series(2.0), now=0.0)
    meter.read(0.5, 0.5, TreeUse(10 * MiB, 0, 1))
    meter.read(1.0, 1.0, TreeUse(90 * MiB, 0, 3))  # a spike between samples
    assert meter.read(1.5, 1.5, TreeUse(20 * MiB, 0, 2)) is None
    sample = meter.read(2.0, 2.0, TreeUse(15 * MiB, 0, 1))
    assert sample is not None
    assert (sample.rss_bytes, sample.processes) == (90 * MiB, 3)
    after = meter.read(4.0, 4.0, TreeUse(15 * MiB, 0, 1))
    assert after is not None and after.rss_bytes == 15 * MiB  # the spike was that sample's


def test_ticks_that_leave_the_tree_never_make_negative_cpu() -> None:
    meter = Meter(Series(1.0), now=0.0, cpu_ticks=500)
    sample = meter.read(1.0, 1.0, TreeUse(MiB, 100, 1))  # an escaped descendant took its ticks
    assert sample is not None and sample.cpu_percent == 0.0


def test_readings_a_pass_apart_do_not_drift_the_points() -> None:
    series = Series(2.0)
    Tree(series).run(100.0, 0.3, cpu=10, rss=MiB)  # 2 s is not a whole number of passes
    points = series.points()
    assert len(points) == pytest.approx(50, abs=1)
    spans = [b.at - a.at for a, b in zip(points, points[1:], strict=False)]
    assert sum(spans) / len(spans) == pytest.approx(2.0, abs=0.05)


def test_merge_takes_the_mean_of_cpu_and_the_most_of_memory() -> None:
    merged = merge(Sample(1.0, 20.0, 5 * MiB, 4, 1.0), Sample(2.0, 60.0, 3 * MiB, 1, 1.0))
    assert merged == Sample(2.0, 40.0, 5 * MiB, 4, 2.0)


def test_a_full_series_merges_pairs_and_doubles_its_interval() -> None:
    series = Series(1.0, cap=8)
    for i in range(7):
        series.add(point(i + 1, cpu=10 * i, rss=i * MiB), 1.0)
    assert len(series.points()) == 7 and series.interval == 1.0
    series.add(point(8, cpu=70, rss=7 * MiB), 1.0)
    points = series.points()
    assert series.interval == 2.0
    assert [p.at for p in points] == [2, 4, 6, 8]
    assert [p.cpu_percent for p in points] == [5, 25, 45, 65]
    assert [p.rss_bytes for p in points] == [MiB, 3 * MiB, 5 * MiB, 7 * MiB]
    assert all(p.span_seconds == 2.0 for p in points)


def test_a_long_run_keeps_its_whole_shape_within_the_cap() -> None:
    series = Series(2.0, cap=300)
    tree = Tree(series)
    tree.run(3600.0, 0.5, cpu=100, rss=50 * MiB)  # an hour busy, then an hour idle and larger
    tree.run(3600.0, 0.5, cpu=0, rss=200 * MiB)
    points = series.points()
    assert 150 <= len(points) < 300
    assert series.interval == 32.0  # 2 s doubled four times: 7200 s in at most 300 points
    assert points[0].at - 1_000_000 <= 32.0  # it still begins at the start
    assert tree.now - (points[-1].at - 1_000_000) <= 32.0  # and reaches the end
    half = len(points) // 2
    assert points[1].cpu_percent == pytest.approx(100, abs=1)
    assert points[-2].cpu_percent == pytest.approx(0, abs=1)
    assert points[1].rss_bytes == 50 * MiB and points[half + 2].rss_bytes == 200 * MiB


def test_the_summary_is_over_every_sample_weighted_by_time() -> None:
    series = Series(1.0, cap=4)
    series.add(point(1, cpu=100, rss=10 * MiB), 1.0)
    series.add(point(4, cpu=0, rss=40 * MiB), 3.0)  # a late pass: this one covered 3 s
    series.add(point(5, cpu=50, rss=10 * MiB), 1.0)
    series.add(point(6, cpu=50, rss=10 * MiB), 1.0)  # the merge does not change the figures
    summary = series.summary()
    assert summary.cpu_percent_mean == pytest.approx(200 / 6, abs=0.01)
    assert summary.cpu_percent_peak == 100
    assert summary.memory_mean_bytes == round((10 + 120 + 10 + 10) * MiB / 6)


def test_no_samples_means_no_figures() -> None:
    summary = Series(2.0).summary()
    assert (summary.cpu_percent_mean, summary.cpu_percent_peak, summary.memory_mean_bytes) == (
        None,
        None,
        None,
    )


def test_take_hands_over_only_what_is_new_and_everything_after_a_merge() -> None:
    series = Series(1.0, cap=4)
    series.add(point(1), 1.0)
    series.add(point(2), 1.0)
    first = series.take()
    assert not first.replace and [p.at for p in first.samples] == [1, 2]
    series.add(point(3), 1.0)
    assert [p.at for p in series.take().samples] == [3]
    assert series.take().samples == ()
    series.add(point(4), 1.0)  # full: merged into two points
    merged = series.take()
    assert merged.replace and [p.at for p in merged.samples] == [2, 4]


def test_a_lost_take_makes_the_next_rewrite_the_series() -> None:
    series = Series(1.0)
    series.add(point(1), 1.0)
    series.take()
    series.lost()
    series.add(point(2), 1.0)
    taken = series.take()
    assert taken.replace and [p.at for p in taken.samples] == [1, 2]


def test_new_points_ask_for_one_write_until_they_are_taken() -> None:
    calls: list[int] = []
    series = Series(1.0, on_new=lambda: calls.append(1))
    for i in range(5):
        series.add(point(i), 1.0)
    assert len(calls) == 1
    series.take()
    series.add(point(6), 1.0)
    assert len(calls) == 2


@pytest.mark.parametrize(("interval", "cap"), [(0.0, 300), (-1.0, 300), (1.0, 301), (1.0, 0)])
def test_a_series_refuses_a_useless_shape(interval: float, cap: int) -> None:
    with pytest.raises(ValueError):
        Series(interval, cap=cap)
