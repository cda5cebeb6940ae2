"""Health evaluation by example: each state from the facts that make it, which one wins when
several apply, and since when. Pure: no store, no clock but the instants given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tickwork.config import Settings
from tickwork.health import (
    Facts,
    Health,
    Policy,
    RunFact,
    covers,
    evaluate,
    expected_fires,
    newest_missing,
    stuck_after,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CHANGED = NOW - timedelta(days=7)
POLICY = Policy()  # the defaults: 2 failures, late after 60 s, stuck after 1 h, 2 min grace


def run(run_id: int, status: str, at: datetime, trigger: str = "schedule", **kw: Any) -> RunFact:
    """A run of the fire at `at` that started on time and took a minute, unless told."""
    started = kw.pop("started_at", at if status != "queued" else None)
    finished = kw.pop(
        "finished_at", None if status == "running" else (started or at) + timedelta(minutes=1)
    )
    return RunFact(run_id, trigger, status, at, started, finished, **kw)


def facts(*runs: RunFact, **kw: Any) -> Facts:
    values: dict[str, Any] = {"enabled": True, "changed_at": CHANGED, "runs": runs}
    return Facts(**(values | kw))


def hour(h: int) -> datetime:
    return NOW.replace(hour=h)


def test_a_schedule_without_runs_is_ok() -> None:
    verdict = evaluate(facts(), POLICY, NOW)
    assert (verdict.state, verdict.reason, verdict.since) == (Health.OK, None, None)


def test_the_policy_comes_from_the_settings() -> None:
    policy = Policy.of(Settings(health_failures=5, health_late_seconds=10))
    assert (policy.failures, policy.late) == (5, timedelta(seconds=10))
    assert Policy.of(Settings()) == POLICY


# -- failing ------------------------------------------------------------------------------------


def test_one_failure_is_not_failing_two_in_a_row_are() -> None:
    one = facts(run(2, "failed", hour(11)), run(1, "success", hour(10)))
    assert evaluate(one, POLICY, NOW).state == Health.OK
    two = facts(run(3, "timeout", hour(11)), run(2, "failed", hour(10)), run(1, "success", hour(9)))
    verdict = evaluate(two, POLICY, NOW)
    assert verdict.state == Health.FAILING
    assert verdict.reason == "2 runs in a row failed; the last, run #3, timed out"
    assert verdict.run_id == 3
    # It began to fail when the second failure ended.
    assert verdict.since == hour(11) + timedelta(minutes=1)


def test_the_count_is_a_setting() -> None:
    runs = facts(run(2, "failed", hour(11)), run(1, "success", hour(10)))
    assert evaluate(runs, Policy(failures=1), NOW).state == Health.FAILING
    four = facts(*(run(i, "lost", hour(6 + i)) for i in (4, 3, 2, 1)))
    verdict = evaluate(four, Policy(failures=3), NOW)
    assert verdict.reason == "4 runs in a row failed; the last, run #4, was lost"
    assert verdict.since == hour(9) + timedelta(minutes=1)  # when #3 made it three


def test_a_success_ends_the_streak() -> None:
    runs = facts(run(3, "success", hour(11)), run(2, "failed", hour(10)), run(1, "failed", hour(9)))
    assert evaluate(runs, POLICY, NOW).state == Health.OK


def test_a_failure_that_is_retried_does_not_count_until_its_last_attempt() -> None:
    retried = facts(
        run(3, "failed", hour(11), retried=True),
        run(2, "failed", hour(10)),
        run(1, "success", hour(9)),
    )
    assert evaluate(retried, POLICY, NOW).state == Health.OK
    final = facts(
        run(4, "failed", hour(11), trigger="retry"),
        run(3, "failed", hour(11), retried=True),
        run(2, "failed", hour(10)),
    )
    assert evaluate(final, POLICY, NOW).state == Health.FAILING


def test_a_running_run_neither_breaks_nor_counts_in_the_streak() -> None:
    runs = facts(run(3, "running", hour(11)), run(2, "failed", hour(10)), run(1, "failed", hour(9)))
    assert evaluate(runs, POLICY, NOW).state == Health.FAILING


def test_a_streak_as_long_as_the_runs_read_says_so() -> None:
    runs = facts(run(2, "failed", hour(11)), run(1, "failed", hour(10)), more=True)
    assert evaluate(runs, POLICY, NOW).reason == (
        "2 or more runs in a row failed; the last, run #2, failed"
    )


# -- stuck --------------------------------------------------------------------------------------


def test_without_history_a_run_is_stuck_after_the_setting() -> None:
    started = NOW - timedelta(minutes=59)
    assert evaluate(facts(run(1, "running", started)), POLICY, NOW).state == Health.OK
    started = NOW - timedelta(minutes=61)
    verdict = evaluate(facts(run(1, "running", started)), POLICY, NOW)
    assert verdict.state == Health.STUCK
    assert verdict.since == started + timedelta(hours=1)
    assert verdict.reason == (
        "run #1 has been running for more than 1 h (health_stuck_seconds: too few successful "
        "runs to know its usual time)"
    )


def test_with_history_it_is_three_times_the_p95_and_at_least_ten_minutes_more() -> None:
    quick = [30.0] * 19 + [60.0]  # p95 of 20: the second longest, 30 s
    assert stuck_after(quick, POLICY) == timedelta(seconds=30 + 600)
    slow = [900.0] * 20  # 15 min: 3 × is 45 min, more than 25
    assert stuck_after(slow, POLICY) == timedelta(minutes=45)
    assert stuck_after([900.0, 900.0], POLICY) == timedelta(hours=1)  # two runs: too few
    started = NOW - timedelta(minutes=46)
    verdict = evaluate(facts(run(1, "running", started), durations=slow), POLICY, NOW)
    assert verdict.state == Health.STUCK
    assert verdict.reason == (
        "run #1 has been running for more than 45 min (about 3× its usual 15 min "
        "(p95 of its last 20 successful runs))"
    )
    younger = facts(run(1, "running", NOW - timedelta(minutes=44)), durations=slow)
    assert evaluate(younger, POLICY, NOW).state == Health.OK


# -- missed -------------------------------------------------------------------------------------


def test_a_fire_without_a_run_is_missed_until_an_on_time_run() -> None:
    missed = facts(run(1, "success", hour(9)), missed_at=hour(10))
    verdict = evaluate(missed, POLICY, NOW)
    assert verdict.state == Health.MISSED
    assert verdict.reason == "the fire due at 2026-11-30T10:00:00Z did not run"
    assert verdict.since == hour(10) and not verdict.forget_missed
    late = run(2, "success", hour(11), started_at=hour(11) + timedelta(minutes=5))
    still = evaluate(facts(late, missed_at=hour(10)), POLICY, NOW)
    assert still.state == Health.MISSED  # a late run does not answer it
    on_time = facts(run(2, "success", hour(11)), missed_at=hour(10))
    answered = evaluate(on_time, POLICY, NOW)
    assert answered.state == Health.OK and answered.forget_missed


def test_a_manual_run_does_not_answer_a_missed_fire() -> None:
    manual = facts(run(2, "success", hour(11), trigger="manual"), missed_at=hour(10))
    assert evaluate(manual, POLICY, NOW).state == Health.MISSED


def test_switching_a_schedule_off_or_changing_it_forgets_a_missed_fire() -> None:
    off = evaluate(facts(missed_at=hour(10), enabled=False), POLICY, NOW)
    assert off.state == Health.OK
    changed = evaluate(facts(missed_at=hour(10), changed_at=hour(11)), POLICY, NOW)
    assert changed.state == Health.OK and changed.forget_missed


def test_covering_runs_and_the_newest_missing_fire() -> None:
    assert covers("success", None) and covers("skipped", "previous run #4 still going")
    assert not covers("skipped", "missed: tickwork was not running when it was due")
    expected = [hour(9), hour(10), hour(11)]
    assert newest_missing(expected, {hour(9): True, hour(10): False, hour(11): True}) == hour(10)
    assert newest_missing(expected, {hour(9): True, hour(10): True, hour(11): True}) is None
    assert newest_missing(expected, {}) == hour(11)


def test_expected_fires_follow_the_calendar_of_the_zone() -> None:
    # Berlin leaves summer time on 25 October 2026 at 03:00 CEST: 02:30 happens twice, and
    # cron fires it once, in its first (summer time) copy.
    after = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    until = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    got = expected_fires("30 2 * * *", "Europe/Berlin", after, until, 20)
    assert [iso_of(t) for t in got] == [
        "2026-10-25T00:30:00+00:00",  # 02:30 CEST
        "2026-10-26T01:30:00+00:00",  # 02:30 CET
    ]
    assert expected_fires("30 2 * * *", "Europe/Berlin", after, after, 20) == []
    assert len(expected_fires("* * * * *", "UTC", NOW - timedelta(hours=1), NOW, 20)) == 20


def iso_of(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


# -- late ---------------------------------------------------------------------------------------


def test_a_cron_run_that_started_long_after_its_instant_is_late() -> None:
    start = hour(11) + timedelta(seconds=61)
    verdict = evaluate(facts(run(1, "success", hour(11), started_at=start)), POLICY, NOW)
    assert verdict.state == Health.LATE
    assert verdict.since == start
    assert verdict.reason == (
        "run #1 started 61 s after its fire at 2026-11-30T11:00:00Z (late after 60 s)"
    )
    on_time = run(1, "success", hour(11), started_at=hour(11) + timedelta(seconds=60))
    assert evaluate(facts(on_time), POLICY, NOW).state == Health.OK


def test_the_next_on_time_start_clears_late_and_other_triggers_do_not_count() -> None:
    late = run(1, "success", hour(10), started_at=hour(10) + timedelta(minutes=5))
    assert evaluate(facts(run(2, "running", hour(11)), late), POLICY, NOW).state == Health.OK
    manual = run(2, "success", hour(11), trigger="manual", started_at=hour(11) + timedelta(hours=1))
    assert evaluate(facts(manual), POLICY, NOW).state == Health.OK
    assert evaluate(facts(manual, late), POLICY, NOW).state == Health.LATE
    catch_up = run(3, "success", hour(8), trigger="catch_up", started_at=hour(11))
    assert evaluate(facts(catch_up), POLICY, NOW).state == Health.LATE
    assert evaluate(facts(late, enabled=False), POLICY, NOW).state == Health.OK


# -- which one wins -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ({"stuck", "failing", "missed", "late"}, Health.STUCK),
        ({"failing", "missed", "late"}, Health.FAILING),
        ({"missed", "late"}, Health.MISSED),
        ({"late"}, Health.LATE),
        (set(), Health.OK),
    ],
)
def test_stuck_beats_failing_beats_missed_beats_late(present: set[str], expected: Health) -> None:
    runs: list[RunFact] = []
    if "stuck" in present:
        runs.append(run(9, "running", NOW - timedelta(hours=2), trigger="manual"))
    if "late" in present:
        runs.append(run(8, "failed", hour(11), started_at=hour(11) + timedelta(minutes=3)))
    else:
        runs.append(run(8, "failed" if "failing" in present else "success", hour(11)))
    runs.append(run(7, "failed" if "failing" in present else "success", hour(10)))
    missed_at = hour(11) + timedelta(minutes=30) if "missed" in present else None
    assert evaluate(facts(*runs, missed_at=missed_at), POLICY, NOW).state == expected
