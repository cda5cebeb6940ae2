"""The dispatcher against the Executor contract and a fake clock, on both stores: what it
writes for a fire, what it hands to the executor, and what it asks the executor to stop."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.clock import FakeClock
from tests.conftest import TEST_REGISTRY
from tickwork.config import Settings
from tickwork.dispatch import Dispatcher
from tickwork.errors import Conflict, NotFound
from tickwork.events import EventBus
from tickwork.executor.admission import Ticket
from tickwork.executor.base import Executor, QueueView
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.tables import RunRow, ScheduleRow
from tickwork.workflows import load_registry

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class RecordingExecutor:
    """Runs nothing: notes what it was given, and stops what it was told it runs."""

    instance = "host:1:1.00"

    def __init__(self) -> None:
        self.submitted: list[int] = []
        self.tickets: list[Ticket] = []
        self.running: set[int] = set()
        self.stopped: list[tuple[int, str]] = []

    def start(self) -> None:
        pass

    def submit(self, tickets: Sequence[Ticket]) -> None:
        self.submitted += [t.run_id for t in tickets]
        self.tickets += list(tickets)

    def queue(self) -> QueueView | None:
        return None

    def stop(self, run_id: int, reason: str) -> bool:
        if run_id not in self.running:
            return False
        self.stopped.append((run_id, reason))
        return True

    def shutdown(self, grace: float) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    settings = Settings(data_dir=tmp_path, workflows=TEST_REGISTRY, database_url=database_url)
    store = Store(settings.db_url)
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def executor() -> RecordingExecutor:
    return RecordingExecutor()


@pytest.fixture
def dispatcher(store: Store, executor: RecordingExecutor, clock: FakeClock) -> Dispatcher:
    contract: Executor = executor  # the dispatcher sees only the contract
    return Dispatcher(store, load_registry(TEST_REGISTRY), contract, EventBus(), clock)


def schedule(store: Store, policy: str) -> str:
    with store.session() as session:
        session.add(
            ScheduleRow(
                id=policy,
                name=policy,
                workflow_type="job",
                parameters={},
                cron_schedule="* * * * *",
                timezone="UTC",
                concurrency_policy=policy,
                created_at=T0,
                updated_at=T0,
            )
        )
    return policy


def run(store: Store, run_id: int) -> RunRow:
    with store.reading() as session:
        found = session.get_one(RunRow, run_id)
        session.expunge(found)
        return found


def test_a_fire_is_queued_at_the_clocks_instant_and_handed_over_once(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    sid = schedule(store, "forbid")
    clock.advance(seconds=0.25)
    outcome = dispatcher.fire_at(sid, T0, clock.now())
    assert outcome is not None and outcome.status == "queued"
    queued = run(store, outcome.run_id)
    assert (queued.scheduled_for, queued.queued_at, queued.owner) == (
        T0,
        clock.now(),
        executor.instance,
    )
    assert executor.submitted == [outcome.run_id]
    assert dispatcher.fire_at(sid, T0, clock.now()) is None  # the instant is claimed
    assert executor.submitted == [outcome.run_id]


def test_forbid_records_the_next_fire_skipped_while_one_is_active(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    sid = schedule(store, "forbid")
    first = dispatcher.fire_at(sid, T0, clock.now())
    assert first is not None
    clock.advance(minutes=1)
    second = dispatcher.fire_at(sid, T0 + timedelta(minutes=1), clock.now())
    assert second is not None and second.status == "skipped"
    skipped = run(store, second.run_id)
    assert (skipped.error, skipped.finished_at) == (
        f"previous run #{first.run_id} still going",
        clock.now(),
    )
    assert executor.submitted == [first.run_id]


def test_replace_cancels_a_queued_run_and_stops_a_running_one(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    sid = schedule(store, "replace")
    fires = [dispatcher.fire_at(sid, T0 + timedelta(minutes=i), clock.now()) for i in range(2)]
    waiting, second = (f.run_id for f in fires if f is not None)
    cancelled = run(store, waiting)
    assert (cancelled.status, cancelled.error, cancelled.finished_at) == (
        "cancelled",
        f"replaced by run #{second} before it started",
        clock.now(),
    )
    with store.session() as session:
        assert lifecycle.start(session, second, clock.now(), 1, 1.0, "me", "/tmp/x.log")
    executor.running.add(second)
    third = dispatcher.fire_at(sid, T0 + timedelta(minutes=2), clock.now())
    assert third is not None and third.status == "queued"
    assert executor.stopped == [(second, f"replaced by run #{third.run_id}")]
    assert executor.submitted == [waiting, second, third.run_id]


def test_cancel_says_why_it_cannot(store: Store, dispatcher: Dispatcher) -> None:
    sid = schedule(store, "allow")
    with pytest.raises(NotFound):
        dispatcher.cancel(999)
    done = dispatcher.run_now(sid)
    dispatcher.cancel(done.run_id)
    with pytest.raises(Conflict, match="already ended: cancelled"):
        dispatcher.cancel(done.run_id)
    elsewhere = dispatcher.run_now(sid)
    with store.session() as session:  # running, but not in this executor
        lifecycle.start(session, elsewhere.run_id, T0, 1, 1.0, "other", "/tmp/x.log")
    with pytest.raises(Conflict, match="not running in this process"):
        dispatcher.cancel(elsewhere.run_id)
