"""Health in the store, on both databases and a fake clock: each state reached through the
writes that cause it (a run's end and start in their own transaction, the periodic check for
what only time reveals), each transition written once, seen by the listeners inside its
transaction and published after COMMIT."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.clock import FakeClock
from tests.store.stores import store_with
from tickwork.health import Health, HealthChange, Policy, Verdict
from tickwork.scheduler.health_check import HealthCheck, loop_lag_in
from tickwork.scheduler.state import store_paused
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.health import HealthRecorder
from tickwork.store.lifecycle import Finish, NewRun, RunStatus
from tickwork.store.tables import ScheduleRow, SettingRow

# A Monday; the schedule fires hourly and was last changed at 07:30.
NOW = datetime(2026, 11, 30, 10, 3, tzinfo=UTC)
CHANGED = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return NOW.replace(hour=hour, minute=minute, second=second)


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    with store_with(tmp_path, database_url, CHANGED, {"s1": {"name": "hourly"}}) as store:
        yield store


class Heard:
    """A listener that writes a row in the transaction it is called in, and the bus."""

    def __init__(self) -> None:
        self.changes: list[HealthChange] = []
        self.published: list[HealthChange] = []

    def __call__(self, session: Session, change: HealthChange) -> None:
        self.changes.append(change)
        session.add(SettingRow(key=f"heard.{len(self.changes)}", value=change.state.value))


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def recorder(heard: Heard) -> HealthRecorder:
    return HealthRecorder(Policy(), [heard], publish=heard.published.append)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def check(store: Store, recorder: HealthRecorder, clock: FakeClock) -> HealthCheck:
    return HealthCheck(store, recorder, clock, interval=30)


def queue(store: Store, instant: datetime, trigger: str = "schedule", **kw: Any) -> int:
    new = NewRun("s1", trigger, instant, instant, ["true"], "me", **kw)
    with store.session() as session:
        run_id = lifecycle.insert(session, new)
    assert run_id is not None
    return run_id


def start(store: Store, recorder: HealthRecorder, run_id: int, when: datetime) -> lifecycle.Moved:
    with store.session() as session:
        return lifecycle.start(session, run_id, when, 4242, None, "me", "x.log", health=recorder)


def finish(
    store: Store, recorder: HealthRecorder, run_id: int, outcome: RunStatus, when: datetime
) -> lifecycle.Moved:
    end = Finish(outcome, when, when, 0 if outcome == RunStatus.SUCCESS else 1, "", None)
    with store.session() as session:
        return lifecycle.finish(session, run_id, end, health=recorder)


def ran(
    store: Store,
    recorder: HealthRecorder,
    instant: datetime,
    outcome: RunStatus = RunStatus.SUCCESS,
    *,
    delay: timedelta = timedelta(0),
    took: timedelta = timedelta(minutes=1),
    trigger: str = "schedule",
) -> lifecycle.Moved:
    run_id = queue(store, instant, trigger)
    start(store, recorder, run_id, instant + delay)
    return finish(store, recorder, run_id, outcome, instant + delay + took)


def health_of(store: Store) -> tuple[str, str | None, datetime | None]:
    with store.reading() as session:
        row = session.get(ScheduleRow, "s1")
        assert row is not None
        return row.health, row.health_reason, row.health_since


def heard_rows(store: Store) -> list[str]:
    with store.reading() as session:
        keys = session.scalars(select(SettingRow.key).where(SettingRow.key.like("heard.%")))
        return sorted(keys)


# -- failing, at a run's end ----------------------------------------------------------------------


def test_the_second_failure_in_a_row_makes_it_failing_and_a_success_recovers_it(
    store: Store, recorder: HealthRecorder, heard: Heard
) -> None:
    ran(store, recorder, at(8), RunStatus.FAILED)
    assert health_of(store)[0] == "ok" and heard.changes == []
    moved = ran(store, recorder, at(9), RunStatus.TIMEOUT)
    state, reason, since = health_of(store)
    assert state == "failing" and since == at(9, 1)
    assert reason == f"2 runs in a row failed; the last, run #{moved.run_id}, timed out"
    (change,) = moved.health
    assert change == HealthChange("s1", Health.OK, Health.FAILING, reason, at(9, 1), moved.run_id)
    # The listener's row committed with the transition; the bus heard of it after COMMIT.
    assert heard.changes == [change] == heard.published and heard_rows(store) == ["heard.1"]
    third = ran(store, recorder, at(10), RunStatus.FAILED)
    assert third.health == () and len(heard.changes) == 1  # still failing: no transition
    assert health_of(store)[1] == (
        f"3 runs in a row failed; the last, run #{third.run_id}, failed"
    )  # the reason is kept current
    assert health_of(store)[2] == at(9, 1)  # and the state's since is not moved
    recovered = ran(store, recorder, at(11))
    (back,) = recovered.health
    assert (back.previous, back.state, back.reason) == (Health.FAILING, Health.OK, None)
    assert back.run_id == recovered.run_id and back.since == at(11, 1)
    assert health_of(store) == ("ok", None, at(11, 1))


def test_a_retried_failure_is_not_final_and_a_lost_run_is(
    store: Store, recorder: HealthRecorder
) -> None:
    with store.session() as session:
        row = session.get(ScheduleRow, "s1")
        assert row is not None
        row.max_retries = 1
    ran(store, recorder, at(8), RunStatus.FAILED)  # its retry is queued: not final
    first = queue(store, at(9))
    start(store, recorder, first, at(9))
    with store.session() as session:
        moved = lifecycle.fail(session, first, "boom", at(9, 1), health=recorder)
    assert moved.follow_ups and health_of(store)[0] == "ok"
    lost = queue(store, at(10))
    start(store, recorder, lost, at(10))
    with store.session() as session:
        lifecycle.lose(session, lost, "gone", at(10, 5), health=recorder)
    assert health_of(store)[0] == "ok"  # one final failure: the loss (the retries wait)
    with store.session() as session:
        lifecycle.cancel_retries(session, "s1", "switched off", at(10, 6))
    ran(store, recorder, at(11), RunStatus.FAILED)
    # The cancelled retries ended the attempts: their parents' failures count now.
    assert health_of(store)[0] == "failing"


def test_a_run_recorded_failed_as_it_is_written_counts(
    store: Store, recorder: HealthRecorder
) -> None:
    ran(store, recorder, at(8), RunStatus.FAILED)
    refused = NewRun("s1", "schedule", at(9), at(9), [], "me", RunStatus.FAILED, "bad parameter")
    with store.session() as session:
        lifecycle.insert_many(session, [refused], health=recorder)
    assert health_of(store)[0] == "failing"


def test_a_listener_that_fails_leaves_the_end_and_the_transition_standing(
    store: Store, heard: Heard
) -> None:
    def broken(session: Session, change: HealthChange) -> None:
        session.add(SettingRow(key="half.written", value="x"))
        raise RuntimeError("a bug in notifications")

    recorder = HealthRecorder(Policy(failures=1), [broken, heard])
    moved = ran(store, recorder, at(8), RunStatus.FAILED)
    assert moved.done and moved.health[0].state == Health.FAILING
    assert health_of(store)[0] == "failing" and heard_rows(store) == ["heard.1"]
    with store.reading() as session:
        assert session.get(SettingRow, "half.written") is None  # its savepoint rolled back


def test_a_transition_is_written_once_when_another_writer_moved_first(
    store: Store, recorder: HealthRecorder, heard: Heard
) -> None:
    with store.session() as session:
        stale = recorder.stored(session, "s1")
    assert stale is not None
    with store.session() as session:
        session.get(ScheduleRow, "s1").health = "late"  # type: ignore[union-attr]
    verdict = Verdict(Health.STUCK, "run #1 ...", NOW, 1)
    with store.session() as session:
        assert recorder.write(session, stale, verdict, NOW) is None
    assert health_of(store)[0] == "late" and heard.changes == []


# -- late, at a run's start ---------------------------------------------------------------------


def test_a_late_start_makes_it_late_and_the_next_on_time_start_clears_it(
    store: Store, recorder: HealthRecorder
) -> None:
    late = queue(store, at(8))
    moved = start(store, recorder, late, at(8, 1, 30))
    assert moved.health[0].state == Health.LATE
    assert health_of(store) == (
        "late",
        f"run #{late} started 90 s after its fire at 2026-11-30T08:00:00Z (late after 60 s)",
        at(8, 1, 30),
    )
    finish(store, recorder, late, RunStatus.SUCCESS, at(8, 2))
    assert health_of(store)[0] == "late"  # its success does not make it on time
    manual = queue(store, at(8, 30), trigger="manual")
    start(store, recorder, manual, at(8, 45))  # a manual run neither makes nor clears it
    assert health_of(store)[0] == "late"
    on_time = queue(store, at(9))
    assert start(store, recorder, on_time, at(9, 0, 1)).health[0].state == Health.OK
    assert health_of(store)[0] == "ok"


def test_starts_of_healthy_schedules_read_nothing_more(
    store: Store, recorder: HealthRecorder
) -> None:
    runs = [queue(store, at(h)) for h in (8, 9)]
    starts = [lifecycle.Start(r, at(8 + i), 1, None, "me", "x") for i, r in enumerate(runs)]
    with store.session() as session:
        moved = lifecycle.start_many(session, starts, health=recorder)
    assert [m.done for m in moved] == [True, True] and all(m.health == () for m in moved)


# -- stuck and missed: the periodic check ----------------------------------------------------------


def test_a_run_far_past_its_usual_time_is_stuck_until_it_ends(
    store: Store, recorder: HealthRecorder, check: HealthCheck, clock: FakeClock
) -> None:
    for hour in (7, 8, 9):
        ran(store, recorder, at(hour), took=timedelta(minutes=5))
    slow = queue(store, at(10))
    start(store, recorder, slow, at(10))
    clock.set(at(10, 14))
    assert check.check() == []  # 5 min usual: stuck after 3 × that, and usual + 10 min
    clock.set(at(10, 16))
    (change,) = check.check()
    assert (change.state, change.run_id, change.since) == (Health.STUCK, slow, at(10, 15))
    assert change.reason == (
        f"run #{slow} has been running for more than 15 min (about 3× its usual 5 min "
        "(p95 of its last 3 successful runs))"
    )
    clock.set(at(10, 20))
    assert check.check() == []  # still stuck: nothing written again
    (done,) = finish(store, recorder, slow, RunStatus.SUCCESS, at(10, 30)).health
    assert (done.previous, done.state) == (Health.STUCK, Health.OK)


def test_a_fire_without_a_run_is_missed_once_its_grace_has_passed(
    store: Store, recorder: HealthRecorder, check: HealthCheck, clock: FakeClock, heard: Heard
) -> None:
    ran(store, recorder, at(8))
    ran(store, recorder, at(9))
    clock.set(at(10, 1, 30))  # the 10:00 fire is 90 s old: within the 2 min grace
    assert check.check() == [] and health_of(store)[0] == "ok"
    clock.set(at(10, 3))
    (change,) = check.check()
    assert change.state == Health.MISSED and change.since == at(10)
    assert change.reason == "the fire due at 2026-11-30T10:00:00Z did not run"
    assert heard.published == [change]
    clock.set(at(10, 30))
    assert check.check() == []  # known: not found again
    on_time = queue(store, at(11))
    (back,) = start(store, recorder, on_time, at(11, 0, 2)).health
    assert (back.previous, back.state) == (Health.MISSED, Health.OK)
    with store.reading() as session:
        assert session.get(ScheduleRow, "s1").health_missed_at is None  # type: ignore[union-attr]


def test_a_fire_recorded_missed_by_catch_up_is_missing_and_a_policy_skip_is_not(
    store: Store, recorder: HealthRecorder, check: HealthCheck, clock: FakeClock
) -> None:
    reason = "missed: tickwork was not running when it was due"
    queue(store, at(8), status=RunStatus.SKIPPED, error=reason)
    queue(store, at(9), status=RunStatus.SKIPPED, error="previous run #1 still going")
    queue(store, at(10), status=RunStatus.SKIPPED, error="previous run #1 still going")
    (change,) = check.check()
    assert change.reason == "the fire due at 2026-11-30T08:00:00Z did not run"


def test_a_missed_fire_under_a_stuck_run_is_still_known_when_the_run_ends(
    store: Store, recorder: HealthRecorder, check: HealthCheck, clock: FakeClock
) -> None:
    long = queue(store, at(8, 15), trigger="manual")
    start(store, recorder, long, at(8, 15))
    ran(store, recorder, at(8))
    ran(store, recorder, at(9))
    (change,) = check.check()  # 10:00 missed too, but the stuck run comes first
    assert change.state == Health.STUCK and change.since == at(9, 15)
    (after,) = finish(store, recorder, long, RunStatus.SUCCESS, at(10, 10)).health
    assert (after.state, after.reason) == (
        Health.MISSED,
        "the fire due at 2026-11-30T10:00:00Z did not run",
    )


def test_fires_before_the_last_change_and_while_paused_are_not_missed(
    store: Store, recorder: HealthRecorder, check: HealthCheck, clock: FakeClock
) -> None:
    with store.session() as session:
        store_paused(session, True)
    assert check.check() == []  # paused: 08:00 to 10:00 have no runs, nothing is missed
    clock.set(at(11, 30))
    assert check.check() == []  # and the horizon moved on: 11:00 was dropped by the pause
    with store.session() as session:
        store_paused(session, False)
    clock.set(at(12, 3))
    (change,) = check.check()  # resumed: 12:00 had no run
    assert change.reason == "the fire due at 2026-11-30T12:00:00Z did not run"
    with store.session() as session:  # switching it off and on answers the missed fire
        row = session.get(ScheduleRow, "s1")
        assert row is not None
        row.updated_at = at(12, 4)
    clock.set(at(12, 5))
    (back,) = check.check()
    assert (back.previous, back.state) == (Health.MISSED, Health.OK)


def test_the_check_measures_how_late_it_came(
    store: Store, check: HealthCheck, clock: FakeClock
) -> None:
    check.check()
    clock.advance(seconds=30)
    check.check()
    with store.reading() as session:
        assert loop_lag_in(session, clock.now(), 30) == 0.0
    clock.advance(seconds=37.5)  # due after 30 s: 7.5 s late
    check.check()
    with store.reading() as session:
        assert loop_lag_in(session, clock.now(), 30) == 7.5
        # A loop that stalls writes no lag: the overdue time since its last turn says it.
        assert loop_lag_in(session, clock.now() + timedelta(seconds=90), 30) == 60.0


def test_a_change_is_published_at_the_outer_commit_and_not_when_rolled_back(
    store: Store, recorder: HealthRecorder, heard: Heard
) -> None:
    """A savepoint released after the change (SQLAlchemy calls that a commit too) must not
    tell the page early; a transaction that is rolled back tells it nothing."""
    ran(store, recorder, at(8), RunStatus.FAILED)
    failing = queue(store, at(9))
    start(store, recorder, failing, at(9))
    end = Finish(RunStatus.FAILED, at(9), at(9, 1), 1, "", None)
    with store.session() as session:
        assert lifecycle.finish(session, failing, end, health=recorder).health
        with session.begin_nested():
            session.add(SettingRow(key="after.the.change", value="x"))
        assert heard.published == []  # the savepoint is released, the transaction is not
    assert [c.state for c in heard.published] == [Health.FAILING]
    ran(store, recorder, at(10))  # ok again: published
    heard.published.clear()
    ran(store, recorder, at(11), RunStatus.FAILED)  # one failure: still ok
    last = queue(store, at(12))
    start(store, recorder, last, at(12))
    second = Finish(RunStatus.FAILED, at(12), at(12, 1), 1, "", None)
    with pytest.raises(RuntimeError), store.session() as session:
        assert lifecycle.finish(session, last, second, health=recorder).health
        raise RuntimeError("the unit fails after the change")
    assert heard.published == []
    assert health_of(store)[0] == "ok"  # and the store agrees: nothing changed
