"""The Store's run listeners (store/observers.py) on both databases: told of each start and end
once it committed, never of a transaction that rolled back, with what ran and what never did;
a schedule's last success that only moves forwards; and what the metrics make of a lost run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.clock import FakeClock
from tests.store.stores import store_with
from tickwork.metrics import Metrics
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.lifecycle import Finish, NewRun, RunStatus
from tickwork.store.observers import RunChange
from tickwork.store.tables import ScheduleRow

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
OWNER = "host:1:1.00"


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    with store_with(tmp_path, database_url, T0, {"s1": {}}) as store:
        yield store


@pytest.fixture
def heard(store: Store) -> list[list[RunChange]]:
    """Each batch the listeners were told, in order."""
    batches: list[list[RunChange]] = []
    store.run_listeners.append(lambda changes: batches.append(list(changes)))
    return batches


def queue(store: Store, trigger: str = "manual", **fields: object) -> int:
    values: dict[str, object] = {
        "schedule_id": "s1",
        "trigger": trigger,
        "scheduled_for": T0,
        "queued_at": T0,
        "command": ["true"],
        "owner": OWNER,
        **fields,
    }
    with store.session() as session:
        run_id = lifecycle.insert(session, NewRun(**values))  # type: ignore[arg-type]
    assert run_id is not None
    return run_id


def start(store: Store, run_id: int, at: datetime) -> None:
    with store.session() as session:
        assert lifecycle.start(session, run_id, at, 4242, 1.0, OWNER, "/tmp/log")


def succeed(store: Store, run_id: int, at: datetime) -> None:
    with store.session() as session:
        end = Finish(RunStatus.SUCCESS, T0, at, 0, "", None)
        assert lifecycle.finish(session, run_id, end)


def test_a_start_and_an_end_are_told_after_they_commit(
    store: Store, heard: list[list[RunChange]]
) -> None:
    run_id = queue(store, trigger="schedule")
    assert heard == []  # queued is neither a start nor an end
    start(store, run_id, T0 + timedelta(seconds=2))
    succeed(store, run_id, T0 + timedelta(seconds=9))
    began = T0 + timedelta(seconds=2)
    assert heard == [
        [RunChange(run_id, "s1", "schedule", "running", T0, began)],
        [RunChange(run_id, "s1", "schedule", "success", T0, began, T0 + timedelta(seconds=9))],
    ]
    assert heard[1][0].ran_for == 7.0
    assert heard[0][0].ran_for is None


def test_a_transaction_that_rolls_back_tells_nothing(
    store: Store, heard: list[list[RunChange]]
) -> None:
    run_id = queue(store)
    with pytest.raises(RuntimeError), store.session() as session:
        assert lifecycle.start(session, run_id, T0, 4242, 1.0, OWNER, "/tmp/log")
        raise RuntimeError("the unit failed after the start")
    assert heard == []
    start(store, run_id, T0)  # the run is still queued: the start was never written
    assert [c.status for batch in heard for c in batch] == ["running"]


def test_a_savepoint_that_rolls_back_drops_only_its_own_notes(
    store: Store, heard: list[list[RunChange]]
) -> None:
    kept, dropped, later = queue(store), queue(store), queue(store)
    with store.session() as session:
        assert lifecycle.start(session, kept, T0, 4242, 1.0, OWNER, "/tmp/log")
        with pytest.raises(RuntimeError), session.begin_nested():
            assert lifecycle.start(session, dropped, T0, 4243, 1.0, OWNER, "/tmp/log")
            raise RuntimeError("a part of the unit failed")
        with session.begin_nested():  # released: SQLAlchemy calls that a commit too
            assert lifecycle.start(session, later, T0, 4244, 1.0, OWNER, "/tmp/log")
        assert heard == []  # nothing before the outer COMMIT
    assert [[c.run_id for c in batch] for batch in heard] == [[kept, later]]


def test_a_fire_the_claim_key_refuses_leaves_the_others_told(
    store: Store, heard: list[list[RunChange]]
) -> None:
    skipped = NewRun("s1", "schedule", T0, T0, [], OWNER, status=RunStatus.SKIPPED, error="forbid")
    with store.session() as session:
        first = lifecycle.insert(session, skipped)
        assert lifecycle.insert(session, skipped) is None  # its savepoint rolled back
    assert [[c.run_id for c in batch] for batch in heard] == [[first]]


def test_ends_without_a_run_have_no_start(store: Store, heard: list[list[RunChange]]) -> None:
    cancelled = queue(store)
    skipped = queue(store)
    failed = queue(store)
    abandoned = queue(store)
    at = T0 + timedelta(seconds=5)
    with store.session() as session:
        assert lifecycle.cancel_queued(session, cancelled, "cancelled", at)
        assert lifecycle.skip(session, skipped, "deadline passed", at)
        assert lifecycle.fail(session, failed, "could not spawn", at)
        assert lifecycle.cancel_unstarted(session, OWNER, "shutting down", at) == [abandoned]
    recorded = queue(store, trigger="schedule", status=RunStatus.SKIPPED, error="forbid")
    ends = [(c.run_id, c.status, c.started_at, c.finished_at) for b in heard for c in b]
    assert ends == [
        (cancelled, "cancelled", None, at),
        (skipped, "skipped", None, at),
        (failed, "failed", None, at),
        (abandoned, "cancelled", None, at),
        (recorded, "skipped", None, T0),
    ]
    assert len(heard) == 2  # one batch per transaction


def test_a_run_that_ran_and_failed_has_its_time(store: Store, heard: list[list[RunChange]]) -> None:
    run_id = queue(store)
    start(store, run_id, T0)
    with store.session() as session:
        assert lifecycle.fail(session, run_id, "lost its log", T0 + timedelta(seconds=4))
    assert heard[-1][0].status == "failed"
    assert heard[-1][0].ran_for == 4.0


def test_a_listener_that_fails_stops_neither_the_others_nor_the_end(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    told: list[Sequence[RunChange]] = []

    def broken(changes: Sequence[RunChange]) -> None:
        raise ValueError("a bug in a listener")

    store.run_listeners.extend([broken, told.append])
    run_id = queue(store)
    start(store, run_id, T0)
    assert [c.run_id for batch in told for c in batch] == [run_id]
    assert "a run listener failed" in caplog.text
    with store.reading() as session:
        assert session.get_one(ScheduleRow, "s1").last_status == "running"


def test_the_last_success_only_moves_forwards(store: Store) -> None:
    early, late = queue(store), queue(store)
    for run_id in (early, late):
        start(store, run_id, T0)
    succeed(store, late, T0 + timedelta(minutes=5))
    succeed(store, early, T0 + timedelta(minutes=1))  # `allow`: an older run ends after
    with store.reading() as session:
        schedule = session.get_one(ScheduleRow, "s1")
        assert schedule.last_success_at == T0 + timedelta(minutes=5)
    failed = queue(store)
    start(store, failed, T0)
    with store.session() as session:
        end = Finish(RunStatus.FAILED, T0, T0 + timedelta(minutes=9), 1, "", None)
        assert lifecycle.finish(session, failed, end)
    with store.reading() as session:
        assert session.get_one(ScheduleRow, "s1").last_success_at == T0 + timedelta(minutes=5)


def test_the_metrics_count_a_lost_run_but_give_it_no_duration(store: Store) -> None:
    """A lost run's end is when a restart noticed it: hours of downtime are not its time."""
    metrics = Metrics(store, FakeClock(T0), lambda: None)
    store.run_listeners.append(metrics.observe)
    run_id = queue(store)
    start(store, run_id, T0)
    with store.session() as session:
        assert lifecycle.lose(session, run_id, "its owner died", T0 + timedelta(hours=3))
    body, _ = metrics.render(None)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    lost = (("schedule", "s1"), ("status", "lost"), ("trigger", "manual"))
    assert samples[("tickwork_runs_finished_total", lost)] == 1
    assert not [key for key in samples if key[0] == "tickwork_run_duration_seconds_count"]
