"""Overlap warnings on the calendar: known durations, known fires, exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tickwork import overlap
from tickwork.overlap import Expected, Load

NOW = datetime(2026, 12, 2, 10, 0, 30, tzinfo=UTC)


def at(hour: int, minute: int, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_p95_is_the_nearest_rank() -> None:
    assert overlap.p95([]) is None
    assert overlap.p95([5.0]) == 5.0
    # Twenty runs: the 19th longest of them stands, one outlier does not.
    assert overlap.p95([float(i) for i in range(1, 20)] + [1000.0]) == 19.0


def test_a_job_of_90_s_every_minute_overlaps_its_next_fires() -> None:
    warning = overlap.self_overlap("* * * * *", "UTC", Expected(90.0, True), NOW)
    assert warning is not None and warning.code == "self_overlap"
    # The first fire after 10:00:30 is 10:01; the one after it already finds it running.
    assert warning.instants == tuple(at(10, m) for m in range(2, 2 + overlap.MOST_INSTANTS))
    assert "p95 duration" in warning.message and "(1.5 min)" in warning.message
    assert "(1 min)" in warning.message


def test_a_job_of_90_s_every_five_minutes_does_not() -> None:
    assert overlap.self_overlap("*/5 * * * *", "UTC", Expected(90.0, True), NOW) is None


def test_without_history_the_timeout_stands_in() -> None:
    expected = overlap.expected([], timeout_seconds=7200)
    assert expected == Expected(7200.0, False)
    warning = overlap.self_overlap("0 * * * *", "Europe/Berlin", expected, NOW)
    assert warning is not None
    assert warning.instants[0] == at(12, 0)  # 11:00 UTC is the first, 12:00 finds it running
    assert "its timeout (2 h)" in warning.message and "(1 h)" in warning.message


def test_a_gap_only_on_some_days_is_found_within_the_week() -> None:
    # 23:00 and 00:30 on weekdays: the 90-minute gap overlaps a two-hour job, the others not.
    expected = Expected(7200.0, True)
    warning = overlap.self_overlap("0 23 * * *", "UTC", expected, NOW)
    assert warning is None
    warning = overlap.self_overlap("0,30 0,23 * * *", "UTC", expected, NOW)
    assert warning is not None and warning.instants[0] == at(23, 30)


def test_a_duration_of_a_minute_never_overlaps() -> None:
    assert overlap.self_overlap("* * * * *", "UTC", Expected(60.0, True), NOW) is None


def load(schedule_id: str, expression: str, seconds: float, policy: str = "forbid") -> Load:
    return Load(schedule_id, expression, "UTC", seconds, policy)


def test_two_schedules_at_the_same_minute_overload_one_slot() -> None:
    loads = [load("a", "0 3 * * *", 600), load("b", "0 3 * * *", 600), load("c", "0 9 * * *", 60)]
    forecast = overlap.forecast(loads, slots=1, start=NOW)
    assert forecast.peak == 2
    days = tuple(at(3, 0, day) for day in range(3, 3 + overlap.MOST_INSTANTS))
    assert forecast.by_schedule == {"a": days, "b": days}
    warning = overlap.slot_overload(forecast, "a", NOW)
    assert warning is not None and warning.code == "slot_overload"
    assert warning.instants == days
    assert "up to 2 runs" in warning.message and "1 run slot:" in warning.message
    assert overlap.slot_overload(forecast, "c", NOW) is None


def test_two_slots_hold_them() -> None:
    loads = [load("a", "0 3 * * *", 600), load("b", "0 3 * * *", 600)]
    forecast = overlap.forecast(loads, slots=2, start=NOW)
    assert forecast.by_schedule == {}
    assert overlap.slot_overload(forecast, "a", NOW) is None


def test_runs_that_end_before_the_next_starts_do_not_add_up() -> None:
    loads = [load("a", "0 3 * * *", 600), load("b", "10 3 * * *", 600)]
    assert overlap.forecast(loads, slots=1, start=NOW).by_schedule == {}
    loads = [load("a", "0 3 * * *", 601), load("b", "10 3 * * *", 600)]
    assert overlap.forecast(loads, slots=1, start=NOW).by_schedule["b"][0] == at(3, 10, 3)


def test_a_serial_policy_never_runs_a_schedule_twice_at_once() -> None:
    # Every minute, 150 s each: three at once when allowed, one under forbid.
    allowed = overlap.forecast([load("a", "* * * * *", 150, "allow")], slots=2, start=NOW)
    assert allowed.peak == 3
    serial = overlap.forecast([load("a", "* * * * *", 150, "forbid")], slots=2, start=NOW)
    assert serial.peak == 1 and serial.by_schedule == {}


def test_the_form_sees_the_load_of_the_others_without_its_saved_self() -> None:
    stored = load("a", "0 3 * * *", 600)
    forecast = overlap.forecast([stored, load("b", "0 3 * * *", 600)], slots=2, start=NOW)
    assert forecast.by_schedule == {}
    # A third at 03:00 would be one too many...
    new = overlap.slot_overload_of(forecast, load("", "0 3 * * *", 600), None, NOW)
    assert new is not None and new.instants[0] == at(3, 0, 3)
    assert "up to 3 runs" in new.message
    # ...but `a` itself, edited, replaces its saved version.
    edited = overlap.slot_overload_of(forecast, load("a", "5 3 * * *", 600), stored, NOW)
    assert edited is None
    # At 04:00 nothing else runs.
    assert overlap.slot_overload_of(forecast, load("", "0 4 * * *", 600), None, NOW) is None


def test_human_units() -> None:
    assert [overlap.human(s) for s in (45, 90, 150, 5400, 86400 * 2)] == [
        "45 s",
        "1.5 min",
        "2.5 min",
        "1.5 h",
        "2 d",
    ]


def test_the_horizon_is_a_week() -> None:
    # A fire eight days out is not looked at.
    far = NOW + timedelta(days=8)
    expression = f"0 3 {far.day} {far.month} *"
    loads = [load("a", expression, 600), load("b", expression, 600)]
    assert overlap.forecast(loads, slots=1, start=NOW).by_schedule == {}
