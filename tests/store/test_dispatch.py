"""The dispatcher against the Executor contract and a fake clock, on both stores: what it
writes for a fire, what it hands to the executor, and what it asks the executor to stop; and
fires due at one instant claimed together (each once across dispatchers, forbid's skip and the
coalesced fires in the batch, tickets that carry what starting needs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.clock import FakeClock
from tests.conftest import TEST_REGISTRY
from tickwork.config import Settings
from tickwork.dispatch import Dispatcher, Due
from tickwork.errors import Conflict, NotFound
from tickwork.events import EventBus
from tickwork.executor.admission import Ticket
from tickwork.executor.base import Executor, QueueView, Stopped
from tickwork.scheduler.fires import FireRecorder
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
        self.withdrawn: list[int] = []

    def start(self) -> None:
        pass

    def submit(self, tickets: Sequence[Ticket]) -> None:
        self.submitted += [t.run_id for t in tickets]
        self.tickets += list(tickets)

    def queue(self) -> QueueView | None:
        return None

    def withdraw_armed(self, schedule_id: str | None) -> list[int]:
        gone = [
            t.run_id
            for t in self.tickets
            if t.armed and schedule_id in (None, t.schedule_id) and t.run_id not in self.withdrawn
        ]
        self.withdrawn += gone
        return gone

    def stop(self, run_id: int, reason: str) -> Stopped | None:
        if run_id not in self.running:
            return None
        self.stopped.append((run_id, reason))
        return "stopping"

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


def test_cancel_stops_a_launched_run_whose_start_is_not_recorded_yet(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor
) -> None:
    # "running" is written after the spawn, and not at all while the disk is full: the row
    # still says queued, but the process runs; its end (not this call) records the cancel.
    launched = dispatcher.run_now(schedule(store, "allow"))
    executor.running.add(launched.run_id)
    dispatcher.cancel(launched.run_id, "stop it")
    assert executor.stopped == [(launched.run_id, "stop it")]
    assert run(store, launched.run_id).status == "queued"


# -- fires due at one instant, claimed together (fire_many) ----------------------------------


def dispatcher_on(url: str, executor: RecordingExecutor, clock: FakeClock) -> Dispatcher:
    store = Store(url)
    return Dispatcher(store, load_registry(TEST_REGISTRY), executor, EventBus(), clock)


def schedules(store: Store, count: int) -> list[str]:
    ids = [schedule(store, "allow")]
    with store.session() as session:
        for n in range(1, count):
            session.add(
                ScheduleRow(
                    id=f"s{n:03d}",
                    name=f"s{n:03d}",
                    workflow_type="job",
                    parameters={},
                    cron_schedule="* * * * *",
                    timezone="UTC",
                    concurrency_policy="allow",
                    created_at=T0,
                    updated_at=T0,
                )
            )
            ids.append(f"s{n:03d}")
    return ids


def test_two_dispatchers_claim_a_burst_once(
    store: Store, executor: RecordingExecutor, clock: FakeClock
) -> None:
    ids = schedules(store, 50)
    other = RecordingExecutor()
    both = [dispatcher_on(store.url, e, clock) for e in (executor, other)]
    dues = [Due(i, T0) for i in ids]
    barrier = threading.Barrier(2)

    def fire(dispatcher: Dispatcher) -> None:
        barrier.wait()
        dispatcher.fire_many(dues, clock.now())

    threads = [threading.Thread(target=fire, args=(d,)) for d in both]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed = executor.submitted + other.submitted
    assert sorted(handed) == sorted(set(handed))
    assert len(handed) == 50
    with store.reading() as session:
        assert session.scalar(select(func.count()).select_from(RunRow)) == 50
    assert both[0].fire_many(dues, clock.now()) == [None] * 50  # all claimed already
    for dispatcher in both:
        dispatcher.store.dispose()


def test_forbid_skips_in_the_batch_and_the_rest_queue(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    busy, free = schedule(store, "forbid"), schedule(store, "allow")
    first = dispatcher.fire_at(busy, T0, clock.now())
    assert first is not None
    later = clock.advance(minutes=1)  # fired at its instant: forbid is decided now
    outcomes = dispatcher.fire_many([Due(busy, later), Due(free, later)], clock.now())
    skipped, queued = outcomes
    assert skipped is not None and skipped.status == "skipped"
    assert run(store, skipped.run_id).error == f"previous run #{first.run_id} still going"
    assert queued is not None and queued.status == "queued"
    assert executor.submitted == [first.run_id, queued.run_id]


def test_a_fire_claimed_ahead_of_its_instant_is_armed_for_it(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    busy = schedule(store, "forbid")
    first = dispatcher.fire_at(busy, T0, clock.now())
    assert first is not None
    soon = T0 + timedelta(minutes=1)
    clock.set(soon - timedelta(seconds=2))
    armed = dispatcher.fire_at(busy, soon, clock.now())
    # Queued, not skipped: the run going now may be over by its instant (the admission
    # decides then); it waits for the instant itself.
    assert armed is not None and armed.status == "queued" and armed.ticket is not None
    assert armed.ticket.armed and armed.ticket.not_before == soon
    row = run(store, armed.run_id)
    assert (row.status, row.not_before, row.scheduled_for) == ("queued", soon, soon)


def test_disarming_deletes_the_armed_run_and_frees_its_instant(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    sid, other = schedule(store, "allow"), schedule(store, "buffer_all")
    soon = T0 + timedelta(seconds=2)
    armed = dispatcher.fire_many([Due(sid, soon), Due(other, soon)], clock.now())
    mine, theirs = (a.run_id for a in armed if a is not None)
    dispatcher.disarm(sid)
    assert executor.withdrawn == [mine]
    with store.reading() as session:
        assert session.get(RunRow, mine) is None
        assert session.get(RunRow, theirs) is not None
    again = dispatcher.fire_at(sid, soon, clock.now())  # the schedule as it now is
    assert again is not None and again.run_id not in (mine, theirs)
    dispatcher.disarm(None)
    assert sorted(executor.withdrawn) == sorted([mine, theirs, again.run_id])
    with store.reading() as session:
        assert session.scalar(select(func.count()).select_from(RunRow)) == 0


def test_a_fire_of_a_switched_off_or_deleted_schedule_claims_nothing(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    off = schedule(store, "allow")
    with store.session() as session:
        session.get_one(ScheduleRow, off).enabled = False
    assert dispatcher.fire_many([Due(off, T0), Due("gone", T0)], clock.now()) == [None, None]
    assert executor.submitted == []


def test_tickets_carry_what_starting_needs(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    sid = schedule(store, "buffer_all")
    with store.session() as session:
        row = session.get_one(ScheduleRow, sid)
        row.priority, row.timeout_seconds, row.starting_deadline_seconds = 7, 90, 30
    outcome = dispatcher.fire_at(sid, T0, clock.now())
    assert outcome is not None
    [ticket] = executor.tickets
    assert ticket.run_id == outcome.run_id
    assert (ticket.priority, ticket.timeout_seconds, ticket.starting_deadline_seconds) == (
        7,
        90.0,
        30,
    )
    assert (ticket.concurrency_policy, ticket.workflow_type) == ("buffer_all", "job")
    assert (ticket.scheduled_for, ticket.queued_at, ticket.not_before) == (T0, clock.now(), None)
    assert ticket.command == run(store, outcome.run_id).command
    assert run(store, outcome.run_id).priority == 7  # the queue's order, kept on the run


def test_the_recorder_claims_held_fires_in_one_batch_and_coalesces_them(
    store: Store, dispatcher: Dispatcher, executor: RecordingExecutor, clock: FakeClock
) -> None:
    sid, other = schedule(store, "allow"), schedule(store, "forbid")
    recorder = FireRecorder(dispatcher, clock)
    for minute in range(3):
        recorder.add(sid, T0 + timedelta(minutes=minute))
    recorder.add(other, T0)
    calls: list[int] = []
    fire_many = dispatcher.fire_many

    def counted(dues: list[Due], now: object) -> object:
        calls.append(len(dues))
        return fire_many(dues, clock.now())

    dispatcher.fire_many = counted  # type: ignore[method-assign,assignment]
    recorder.start()
    assert recorder.wait_idle(10)
    recorder.stop()
    assert calls == [4]  # everything held, one claim
    with store.reading() as session:
        rows = session.scalars(select(RunRow).order_by(RunRow.scheduled_for, RunRow.id)).all()
    mine = [(r.scheduled_for, r.status) for r in rows if r.schedule_id == sid]
    assert mine == [
        (T0, "skipped"),
        (T0 + timedelta(minutes=1), "skipped"),
        (T0 + timedelta(minutes=2), "queued"),
    ]
    assert "ran instead" in str(rows[0].error)
    assert len(executor.submitted) == 2
