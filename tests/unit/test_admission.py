"""Admission on a fake clock: slots, priority, not_before, buffer policies, starting deadlines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.clock import FakeClock
from tickwork.executor.admission import BUFFER_ONE_SKIP, Admission, Ticket

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def ticket(run_id: int, schedule: str = "s", **fields: object) -> Ticket:
    base = Ticket(
        run_id=run_id,
        schedule_id=schedule,
        command=["true"],
        workflow_type="job",
        timeout_seconds=60,
        priority=0,
        scheduled_for=T0,
        queued_at=T0,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def started(admission: Admission, clock: FakeClock) -> list[int]:
    return [t.run_id for t in admission.take(clock.now()).start]


def test_with_one_slot_runs_start_by_priority_then_queue_time() -> None:
    clock = FakeClock(T0)
    admission = Admission(slots=1)
    admission.offer([ticket(1, "busy")])
    assert started(admission, clock) == [1]
    admission.offer(
        [
            ticket(2, "low", priority=-5),
            ticket(3, "late", queued_at=T0 + timedelta(seconds=2)),
            ticket(4, "early", queued_at=T0 + timedelta(seconds=1)),
            ticket(5, "high", priority=10, queued_at=T0 + timedelta(seconds=3)),
        ]
    )
    assert started(admission, clock) == []  # the slot is busy
    assert [w.ticket.run_id for w in admission.waiting(clock.now())] == [5, 4, 3, 2]
    assert {w.wait for w in admission.waiting(clock.now())} == {"slots"}
    order = []
    for running in (1, 5, 4, 3):
        admission.ended(running)
        order += started(admission, clock)
    assert order == [5, 4, 3, 2]


def test_equal_priority_and_time_go_by_run_id() -> None:
    admission = Admission(slots=1)
    admission.offer([ticket(9, "a"), ticket(7, "b"), ticket(8, "c")])
    assert [t.run_id for t in admission.take(T0).start] == [7]


def test_a_ticket_waits_for_not_before_without_holding_a_slot() -> None:
    clock = FakeClock(T0)
    admission = Admission(slots=1)
    later = T0 + timedelta(seconds=30)
    admission.offer([ticket(1, "retry", priority=50, not_before=later), ticket(2, "other")])
    assert started(admission, clock) == [2]  # the retry waits, the other takes the slot
    [waiting] = admission.waiting(clock.now())
    assert (waiting.ticket.run_id, waiting.wait) == (1, "not_before")
    assert "2026-11-30T09:00:30Z" in waiting.reason
    assert admission.next_wake(clock.now()) == later
    admission.ended(2)
    clock.advance(seconds=29)
    assert started(admission, clock) == []
    clock.advance(seconds=1)
    assert started(admission, clock) == [1]


def test_buffer_one_keeps_one_waiting_and_skips_a_newer_fire() -> None:
    clock = FakeClock(T0)
    admission = Admission(slots=4)
    policy = {"concurrency_policy": "buffer_one"}
    admission.offer([ticket(1, **policy)])
    assert started(admission, clock) == [1]
    assert not admission.offer([ticket(2, **policy)])  # the one that waits
    decision = admission.offer([ticket(3, **policy)])
    assert [(t.run_id, why) for t, why in decision.skip] == [(3, BUFFER_ONE_SKIP)]
    assert started(admission, clock) == []
    [waiting] = admission.waiting(clock.now())
    assert (waiting.ticket.run_id, waiting.wait) == (2, "overlap")
    admission.ended(1)
    assert started(admission, clock) == [2]


def test_buffer_all_starts_each_waiting_run_in_order_one_at_a_time() -> None:
    clock = FakeClock(T0)
    admission = Admission(slots=4)
    policy = {"concurrency_policy": "buffer_all"}
    admission.offer([ticket(1, **policy)])
    assert started(admission, clock) == [1]
    assert not admission.offer([ticket(n, **policy) for n in (2, 3, 4)])
    assert started(admission, clock) == []
    assert [w.wait for w in admission.waiting(clock.now())] == ["overlap"] * 3
    order = []
    for running in (1, 2, 3):
        admission.ended(running)
        order += started(admission, clock)
        assert admission.busy == 1
    assert order == [2, 3, 4]


def test_allow_runs_of_one_schedule_start_together() -> None:
    admission = Admission(slots=4)
    admission.offer([ticket(n) for n in (1, 2, 3)])
    assert [t.run_id for t in admission.take(T0).start] == [1, 2, 3]


def test_a_ticket_still_waiting_at_its_deadline_is_skipped() -> None:
    clock = FakeClock(T0)
    admission = Admission(slots=1)
    admission.offer([ticket(1, "busy")])
    assert started(admission, clock) == [1]
    admission.offer([ticket(2, "late", starting_deadline_seconds=10)])
    assert admission.next_wake(clock.now()) == T0 + timedelta(seconds=10)
    clock.advance(seconds=9)
    assert not admission.take(clock.now())
    clock.advance(seconds=1)
    decision = admission.take(clock.now())
    assert [(t.run_id, why) for t, why in decision.skip] == [
        (2, "could not start within 10 s of its instant")
    ]
    admission.ended(1)
    assert started(admission, clock) == []  # it is gone, not started late


def test_a_withdrawn_ticket_never_starts() -> None:
    admission = Admission(slots=1)
    admission.offer([ticket(1)])
    assert admission.withdraw(1) is not None
    assert admission.take(T0).start == []
    assert admission.withdraw(1) is None


def test_a_ticket_offered_twice_is_held_once() -> None:
    admission = Admission(slots=4)
    admission.offer([ticket(1)])
    admission.offer([ticket(1)])
    assert [t.run_id for t in admission.take(T0).start] == [1]
    admission.offer([ticket(1)])  # running already
    assert admission.take(T0).start == []


def armed(run_id: int, schedule: str, at: datetime, policy: str = "forbid") -> Ticket:
    return ticket(
        run_id, schedule, scheduled_for=at, not_before=at, armed=True, concurrency_policy=policy
    )


def test_an_armed_forbid_run_is_skipped_only_if_its_schedule_still_runs_at_its_instant() -> None:
    clock = FakeClock(T0)
    admission = Admission(slots=8)
    admission.offer([ticket(1, "slow"), ticket(2, "quick")])
    assert started(admission, clock) == [1, 2]
    at = T0 + timedelta(minutes=1)
    admission.offer([armed(3, "slow", at), armed(4, "quick", at), armed(5, "other", at, "allow")])
    clock.set(at - timedelta(seconds=1))
    assert started(admission, clock) == []  # armed: they wait for their instant
    admission.ended(2)  # quick's run ends before the instant, slow's does not
    clock.set(at)
    decision = admission.take(clock.now())
    assert [t.run_id for t in decision.start] == [4, 5]
    assert [(t.run_id, why) for t, why in decision.skip] == [(3, "previous run #1 still going")]


def test_withdrawing_armed_runs_leaves_the_others_and_the_due_ones() -> None:
    clock = FakeClock(T0)
    admission = Admission(slots=8)
    at = T0 + timedelta(seconds=2)
    retry = ticket(4, "a", not_before=at)  # waits for a delay, not an instant: kept
    admission.offer([armed(1, "a", at), armed(2, "b", at), armed(3, "a", T0), retry])
    gone = admission.withdraw_armed("a", clock.now())
    assert [t.run_id for t in gone] == [1]  # 3's instant has come: it starts, as due
    assert sorted(t.run_id for t in admission.withdraw_armed(None, clock.now())) == [2]
    clock.set(at)
    assert started(admission, clock) == [3, 4]
