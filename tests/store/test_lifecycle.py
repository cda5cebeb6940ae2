"""Each run transition on both stores: it moves exactly the run it names, refuses from the
wrong statuses (and says so), and a second try of the same move changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest

from tests.clock import FakeClock
from tests.store.stores import store_with
from tickwork import schemas
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.lifecycle import Finish, NewRun, RunStatus
from tickwork.store.tables import RunRow, ScheduleRow

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ALL = list(RunStatus)


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    with store_with(tmp_path, database_url, T0, {"s1": {}, "s2": {}}) as store:
        yield store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


def new(schedule_id: str = "s1", trigger: str = "manual", **fields: object) -> NewRun:
    values: dict[str, object] = {
        "schedule_id": schedule_id,
        "trigger": trigger,
        "scheduled_for": T0,
        "queued_at": T0,
        "command": ["true"],
        "owner": "host:1:1.00",
        **fields,
    }
    return NewRun(**values)  # type: ignore[arg-type]


def insert(store: Store, run: NewRun | None = None) -> int:
    with store.session() as session:
        run_id = lifecycle.insert(session, run or new())
    assert run_id is not None
    return run_id


def row(store: Store, run_id: int) -> RunRow:
    with store.reading() as session:
        found = session.get(RunRow, run_id)
        assert found is not None
        session.expunge(found)
        return found


def force(store: Store, run_id: int, status: RunStatus) -> None:
    """Put a run in `status` the way the transitions would, for the refusal tests."""
    with store.session() as session:
        if status == RunStatus.QUEUED:
            return
        lifecycle.start(session, run_id, T0, 4242, 1.0, "host:1:1.00", "/tmp/log")
        if status == RunStatus.RUNNING:
            return
        if status == RunStatus.LOST:
            assert lifecycle.lose(session, run_id, "gone", T0)
        elif status == RunStatus.SKIPPED:
            session.execute(
                RunRow.__table__.update()
                .where(RunRow.id == run_id)
                .values(status=RunStatus.SKIPPED.value)
            )
        else:
            assert lifecycle.finish(session, run_id, ended(status))


def ended(outcome: RunStatus, at: datetime = T0 + timedelta(seconds=3)) -> Finish:
    return Finish(outcome, T0, at, 0 if outcome == RunStatus.SUCCESS else 1, "out\x00", None)


def test_status_values_are_the_strings_the_api_and_database_use() -> None:
    assert [s.value for s in RunStatus] == [
        "queued",
        "running",
        "success",
        "failed",
        "timeout",
        "cancelled",
        "lost",
        "skipped",
    ]
    assert RunStatus.QUEUED == "queued"
    assert get_args(schemas.RunStatus) == tuple(RunStatus)  # the API's Literal agrees


def test_insert_claims_a_cron_instant_once(store: Store) -> None:
    first = insert(store, new(trigger="schedule"))
    with store.session() as session:
        assert lifecycle.insert(session, new(trigger="catch_up")) is None  # same key
        assert lifecycle.insert(session, new(trigger="manual")) is not None  # no key
    assert row(store, first).status == "queued"


def test_a_run_recorded_ended_finishes_as_it_is_queued(store: Store) -> None:
    run_id = insert(store, new(status=RunStatus.FAILED, error="bad parameter"))
    run = row(store, run_id)
    assert (run.status, run.error, run.finished_at) == ("failed", "bad parameter", T0)
    with store.reading() as session:
        schedule = session.get_one(ScheduleRow, "s1")
        assert (schedule.last_status, schedule.last_run) == ("failed", T0)


def test_insert_refuses_a_status_a_new_run_cannot_have(store: Store) -> None:
    with store.session() as session, pytest.raises(ValueError):
        lifecycle.insert(session, new(status=RunStatus.RUNNING))


def test_start_moves_only_the_queued_run_it_names(store: Store, clock: FakeClock) -> None:
    run_id, other = insert(store), insert(store)
    with store.session() as session:
        moved = lifecycle.start(session, run_id, clock.now(), 4242, 1.5, "me", "/tmp/x.log")
    assert moved and moved.to == RunStatus.RUNNING
    run = row(store, run_id)
    assert (run.status, run.started_at, run.pid, run.pid_started_at, run.owner) == (
        "running",
        T0,
        4242,
        1.5,
        "me",
    )
    assert row(store, other).status == "queued"
    with store.session() as session:  # a second start is refused: it is running already
        assert not lifecycle.start(session, run_id, clock.now(), 1, 1.0, "me", "/tmp/x.log")
    assert row(store, run_id).pid == 4242


@pytest.mark.parametrize("status", [s for s in ALL if s != RunStatus.QUEUED])
def test_start_is_refused_unless_queued(store: Store, status: RunStatus) -> None:
    run_id = insert(store)
    force(store, run_id, status)
    with store.session() as session:
        moved = lifecycle.start(session, run_id, T0, 1, 1.0, "me", "/tmp/x.log")
    assert not moved.done
    assert row(store, run_id).status == status


def test_finish_records_the_outcome_once(store: Store, clock: FakeClock) -> None:
    run_id = insert(store)
    with store.session() as session:
        lifecycle.start(session, run_id, clock.now(), 4242, 1.0, "me", "/tmp/x.log")
    clock.advance(seconds=2.5)
    with store.session() as session:
        assert lifecycle.finish(session, run_id, ended(RunStatus.SUCCESS, clock.now()))
    run = row(store, run_id)
    assert (run.status, run.exit_code, run.duration_seconds) == ("success", 0, 2.5)
    assert run.output_tail == "out\ufffd"  # PostgreSQL refuses NUL in text
    # A second finish of the same run (a retried write, a late cancel) changes nothing.
    clock.advance(seconds=60)
    with store.session() as session:
        again = lifecycle.finish(session, run_id, ended(RunStatus.FAILED, clock.now()))
    assert not again.done
    after = row(store, run_id)
    assert (after.status, after.finished_at, after.duration_seconds) == (
        "success",
        run.finished_at,
        2.5,
    )
    with store.reading() as session:
        assert session.get_one(ScheduleRow, "s1").last_status == "success"


def test_finish_of_a_run_that_never_started_takes_the_process_start(store: Store) -> None:
    run_id = insert(store)
    with store.session() as session:
        assert lifecycle.finish(session, run_id, ended(RunStatus.FAILED))
    run = row(store, run_id)
    assert (run.status, run.started_at, run.duration_seconds) == ("failed", T0, 3.0)


def test_finish_refuses_a_status_a_process_does_not_end_as(store: Store) -> None:
    run_id = insert(store)
    with store.session() as session, pytest.raises(ValueError):
        lifecycle.finish(session, run_id, ended(RunStatus.LOST))


@pytest.mark.parametrize("status", [s for s in ALL if s not in lifecycle.ACTIVE])
@pytest.mark.parametrize("transition", ["finish", "fail", "lose"])
def test_an_ended_run_is_never_rewritten(store: Store, status: RunStatus, transition: str) -> None:
    run_id = insert(store)
    force(store, run_id, status)
    before = row(store, run_id)
    later = T0 + timedelta(hours=1)
    with store.session() as session:
        if transition == "finish":
            moved = lifecycle.finish(session, run_id, ended(RunStatus.SUCCESS, later))
        elif transition == "fail":
            moved = lifecycle.fail(session, run_id, "executor error", later)
        else:
            moved = lifecycle.lose(session, run_id, "owner gone", later)
    assert not moved.done
    after = row(store, run_id)
    assert (after.status, after.error, after.finished_at) == (
        before.status,
        before.error,
        before.finished_at,
    )


def test_fail_of_a_queued_run_took_no_time(store: Store, clock: FakeClock) -> None:
    run_id = insert(store)
    clock.advance(seconds=30)
    with store.session() as session:
        assert lifecycle.fail(session, run_id, "workflow gone", clock.now())
    run = row(store, run_id)
    assert (run.status, run.error, run.started_at, run.duration_seconds) == (
        "failed",
        "workflow gone",
        clock.now(),
        0.0,
    )


def test_lose_ends_queued_and_running_runs(store: Store, clock: FakeClock) -> None:
    queued, running = insert(store), insert(store)
    force(store, running, RunStatus.RUNNING)
    clock.advance(seconds=10)
    with store.session() as session:
        assert lifecycle.lose(session, queued, "stopped before it started", clock.now())
        assert lifecycle.lose(session, running, "stopped while it ran", clock.now())
        assert not lifecycle.lose(session, running, "again", clock.now())
    assert row(store, queued).status == row(store, running).status == "lost"
    assert row(store, queued).duration_seconds == 10.0  # waited since it was queued
    assert row(store, running).error == "stopped while it ran"


def test_cancel_queued_leaves_a_started_run_to_its_executor(store: Store) -> None:
    queued, running = insert(store), insert(store)
    force(store, running, RunStatus.RUNNING)
    with store.session() as session:
        assert lifecycle.cancel_queued(session, queued, "cancelled before it started", T0)
        assert not lifecycle.cancel_queued(session, running, "cancelled", T0)
        assert not lifecycle.cancel_queued(session, queued, "twice", T0)
    assert (row(store, queued).status, row(store, queued).error) == (
        "cancelled",
        "cancelled before it started",
    )
    assert row(store, running).status == "running"


def test_skip_ends_only_a_queued_run(store: Store) -> None:
    queued, running = insert(store), insert(store)
    force(store, running, RunStatus.RUNNING)
    with store.session() as session:
        assert lifecycle.skip(session, queued, "starting deadline passed", T0)
        assert not lifecycle.skip(session, running, "starting deadline passed", T0)
    assert row(store, queued).status == "skipped"
    assert row(store, running).status == "running"


def test_a_transition_of_an_unknown_run_moves_nothing(store: Store) -> None:
    with store.session() as session:
        assert not lifecycle.start(session, 999, T0, 1, 1.0, "me", "/tmp/x.log")
        assert not lifecycle.lose(session, 999, "gone", T0)


def test_cancel_unstarted_takes_only_this_owners_queued_runs(store: Store) -> None:
    mine, running = insert(store), insert(store)
    force(store, running, RunStatus.RUNNING)
    theirs = insert(store, new(owner="elsewhere:2:2.00"))
    with store.session() as session:
        assert lifecycle.cancel_unstarted(session, "host:1:1.00", "shut down", T0) == [mine]
    assert [row(store, i).status for i in (mine, running, theirs)] == [
        "cancelled",
        "running",
        "queued",
    ]
    with store.session() as session:
        assert lifecycle.cancel_unstarted(session, "host:1:1.00", "shut down", T0) == []


def test_an_older_run_ending_late_does_not_hide_a_newer_one(store: Store) -> None:
    old, newer = insert(store), insert(store)
    force(store, old, RunStatus.RUNNING)
    force(store, newer, RunStatus.RUNNING)
    with store.session() as session:
        lifecycle.finish(session, old, ended(RunStatus.FAILED))
        schedule = session.get_one(ScheduleRow, "s1")
        assert schedule.last_status == "running"  # the newer run's
