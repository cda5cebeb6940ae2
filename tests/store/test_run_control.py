"""Follow-ups of a run's end on both stores: retries (attempt, parent, delays with backoff and
the cap), chains on the final outcome only, forbidden overlap, and pause on failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import TEST_REGISTRY
from tickwork.config import Settings
from tickwork.errors import ValidationFailed
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.lifecycle import Finish, Moved, NewRun, RunStatus
from tickwork.store.tables import DependencyRow, RunRow, ScheduleRow, SettingRow

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
OWNER = "host:1:1.00"


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    settings = Settings(data_dir=tmp_path, workflows=TEST_REGISTRY, database_url=database_url)
    store = Store(settings.db_url)
    store.migrate()
    yield store
    store.dispose()


def schedule(store: Store, sid: str, **fields: Any) -> None:
    values: dict[str, Any] = {
        "id": sid,
        "name": sid.upper(),
        "workflow_type": "job",
        "parameters": {},
        "cron_schedule": "0 * * * *",
        "timezone": "UTC",
        "created_at": T0,
        "updated_at": T0,
        **fields,
    }
    with store.session() as session:
        session.add(ScheduleRow(**values))


def depends(store: Store, sid: str, upstream: str, on: str) -> None:
    with store.session() as session:
        session.add(DependencyRow(schedule_id=sid, upstream_id=upstream, on=on, position=0))


def queue(store: Store, sid: str = "a", **fields: Any) -> int:
    new = NewRun(
        **{
            "schedule_id": sid,
            "trigger": "manual",
            "scheduled_for": T0,
            "queued_at": T0,
            "command": ["python", "jobs.py", "--exit", "1"],
            "owner": OWNER,
            **fields,
        }
    )
    with store.session() as session:
        run_id = lifecycle.insert(session, new)
    assert run_id is not None
    return run_id


def argv(row: ScheduleRow) -> list[str]:
    return ["python", "jobs.py", "--say", row.id]


def end(
    store: Store,
    run_id: int,
    outcome: RunStatus,
    at: datetime,
    build: lifecycle.Argv | None = argv,
) -> Moved:
    finish = Finish(outcome, at, at, 0 if outcome == RunStatus.SUCCESS else 1, "", None)
    with store.session() as session:
        moved = lifecycle.finish(session, run_id, finish, argv=build)
    assert moved.done
    return moved


def run(store: Store, run_id: int) -> RunRow:
    with store.reading() as session:
        found = session.get_one(RunRow, run_id)
        session.expunge(found)
        return found


def runs_of(store: Store, sid: str) -> list[RunRow]:
    with store.reading() as session:
        found = list(session.scalars(select(RunRow).where(RunRow.schedule_id == sid)))
        session.expunge_all()
        return sorted(found, key=lambda r: r.id)


def the_schedule(store: Store, sid: str) -> ScheduleRow:
    with store.reading() as session:
        found = session.get_one(ScheduleRow, sid)
        session.expunge(found)
        return found


# -- retries --------------------------------------------------------------------------------


def test_a_failure_queues_the_next_attempt_after_its_delay_growing_to_the_cap(
    store: Store,
) -> None:
    schedule(
        store,
        "a",
        max_retries=3,
        retry_delay_seconds=10,
        retry_backoff=2.0,
        retry_max_delay_seconds=25,
        priority=7,
    )
    first = queue(store, parameter_overrides={"exit": 1})
    ends = [T0 + timedelta(seconds=5), T0 + timedelta(seconds=60), T0 + timedelta(seconds=200)]
    # 10 s after the first attempt, 20 s after the second, then 40 s capped to 25 s.
    delays = [10, 20, 25]
    current = first
    for attempt, (at, delay) in enumerate(zip(ends, delays, strict=True), start=1):
        moved = end(store, current, RunStatus.FAILED, at)
        assert len(moved.follow_ups) == 1
        retry = run(store, moved.follow_ups[0])
        due = at + timedelta(seconds=delay)
        assert (retry.trigger, retry.attempt, retry.parent_run_id, retry.status) == (
            "retry",
            attempt + 1,
            current,
            "queued",
        )
        assert (retry.not_before, retry.scheduled_for, retry.queued_at) == (due, due, at)
        assert retry.command == ["python", "jobs.py", "--exit", "1"]
        assert (retry.parameter_overrides, retry.priority, retry.owner) == ({"exit": 1}, 7, OWNER)
        current = retry.id
    # The fourth attempt was the last: max_retries=3 means three retries after the first run.
    assert end(store, current, RunStatus.FAILED, T0 + timedelta(seconds=400)).follow_ups == ()
    assert [r.attempt for r in runs_of(store, "a")] == [1, 2, 3, 4]


def test_a_timeout_and_an_executor_failure_are_retried_too(store: Store) -> None:
    schedule(store, "a", max_retries=5, retry_delay_seconds=0)
    timed_out = queue(store)
    moved = end(store, timed_out, RunStatus.TIMEOUT, T0)
    assert run(store, moved.follow_ups[0]).not_before == T0  # no delay: due at once
    with store.session() as session:
        failed = lifecycle.fail(session, moved.follow_ups[0], "spawn failed", T0, argv=argv)
    assert failed.done and run(store, failed.follow_ups[0]).attempt == 3


@pytest.mark.parametrize("outcome", [RunStatus.SUCCESS, RunStatus.CANCELLED])
def test_success_and_cancel_are_not_retried(store: Store, outcome: RunStatus) -> None:
    schedule(store, "a", max_retries=3)
    assert end(store, queue(store), outcome, T0).follow_ups == ()
    assert len(runs_of(store, "a")) == 1


def test_a_lost_run_is_not_retried(store: Store) -> None:
    schedule(store, "a", max_retries=3)
    with store.session() as session:
        moved = lifecycle.lose(session, queue(store), "owner gone", T0, argv=argv)
    assert moved.done and moved.follow_ups == ()
    assert len(runs_of(store, "a")) == 1


def test_a_cancelled_retry_ends_the_attempts(store: Store) -> None:
    schedule(store, "a", max_retries=3, retry_delay_seconds=60)
    retry = end(store, queue(store), RunStatus.FAILED, T0).follow_ups[0]
    with store.session() as session:
        assert lifecycle.cancel_queued(session, retry, "cancelled before it started", T0)
    assert [(r.attempt, r.status) for r in runs_of(store, "a")] == [
        (1, "failed"),
        (2, "cancelled"),
    ]


def test_a_switched_off_schedule_gets_no_retry(store: Store) -> None:
    schedule(store, "a", max_retries=3, enabled=False)
    assert end(store, queue(store), RunStatus.FAILED, T0).follow_ups == ()
    assert len(runs_of(store, "a")) == 1


def test_switching_off_cancels_only_queued_retries(store: Store) -> None:
    schedule(store, "a", max_retries=3)
    retry = end(store, queue(store), RunStatus.FAILED, T0).follow_ups[0]
    manual = queue(store)
    with store.session() as session:
        assert lifecycle.cancel_retries(session, "a", "switched off", T0) == [retry]
    assert (run(store, retry).status, run(store, retry).error) == ("cancelled", "switched off")
    assert run(store, manual).status == "queued"


# -- chains ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "on", "chained"),
    [
        (RunStatus.SUCCESS, "success", True),
        (RunStatus.SUCCESS, "failure", False),
        (RunStatus.SUCCESS, "always", True),
        (RunStatus.FAILED, "success", False),
        (RunStatus.FAILED, "failure", True),
        (RunStatus.FAILED, "always", True),
        (RunStatus.TIMEOUT, "failure", True),
        (RunStatus.CANCELLED, "always", False),
    ],
)
def test_a_dependent_runs_when_the_outcome_matches(
    store: Store, outcome: RunStatus, on: str, chained: bool
) -> None:
    schedule(store, "a")
    schedule(store, "b", priority=-3)
    depends(store, "b", "a", on)
    upstream = queue(store)
    at = T0 + timedelta(minutes=5)
    moved = end(store, upstream, outcome, at)
    downstream = runs_of(store, "b")
    assert len(downstream) == int(chained)
    assert moved.follow_ups == tuple(r.id for r in downstream)
    if chained:
        (only,) = downstream
        assert (only.trigger, only.parent_run_id, only.attempt, only.status) == (
            "chain",
            upstream,
            1,
            "queued",
        )
        assert (only.scheduled_for, only.queued_at, only.not_before) == (at, at, None)
        assert (only.command, only.priority) == (["python", "jobs.py", "--say", "b"], -3)


def test_a_lost_run_chains_its_failure_dependents(store: Store) -> None:
    schedule(store, "a")
    schedule(store, "b")
    depends(store, "b", "a", "failure")
    with store.session() as session:
        moved = lifecycle.lose(session, queue(store), "owner gone", T0, argv=argv)
    assert [r.trigger for r in runs_of(store, "b")] == ["chain"]
    assert moved.follow_ups == (runs_of(store, "b")[0].id,)


def test_retries_exhausted_then_the_chain_runs_exactly_once(store: Store) -> None:
    schedule(store, "a", max_retries=2, retry_delay_seconds=0)
    schedule(store, "b")
    depends(store, "b", "a", "always")
    current = queue(store)
    for _ in range(2):
        moved = end(store, current, RunStatus.FAILED, T0)
        assert runs_of(store, "b") == []  # a failure that is retried is not final
        current = moved.follow_ups[0]
    last = end(store, current, RunStatus.FAILED, T0)
    (chained,) = runs_of(store, "b")
    assert last.follow_ups == (chained.id,) and chained.parent_run_id == current
    assert [r.attempt for r in runs_of(store, "a")] == [1, 2, 3]


def test_a_retry_that_succeeds_chains_on_success(store: Store) -> None:
    schedule(store, "a", max_retries=1, retry_delay_seconds=0)
    schedule(store, "b")
    depends(store, "b", "a", "success")
    retry = end(store, queue(store), RunStatus.FAILED, T0).follow_ups[0]
    assert end(store, retry, RunStatus.SUCCESS, T0).follow_ups == (runs_of(store, "b")[0].id,)


def test_a_switched_off_dependent_is_not_chained(store: Store) -> None:
    schedule(store, "a")
    schedule(store, "b", enabled=False)
    depends(store, "b", "a", "always")
    assert end(store, queue(store), RunStatus.SUCCESS, T0).follow_ups == ()
    assert runs_of(store, "b") == []


def test_without_a_registry_nothing_is_chained(store: Store) -> None:
    schedule(store, "a")
    schedule(store, "b")
    depends(store, "b", "a", "always")
    assert end(store, queue(store), RunStatus.SUCCESS, T0, build=None).follow_ups == ()
    assert runs_of(store, "b") == []


def test_parameters_the_workflow_refuses_record_the_chained_run_failed(store: Store) -> None:
    schedule(store, "a")
    schedule(store, "b")
    depends(store, "b", "a", "always")

    def refuses(row: ScheduleRow) -> list[str]:
        raise ValidationFailed.one("parameters.sleep", "must be a number")

    moved = end(store, queue(store), RunStatus.SUCCESS, T0, build=refuses)
    (chained,) = runs_of(store, "b")
    assert moved.follow_ups == ()  # nothing for the executor
    assert (chained.status, chained.error, chained.trigger) == (
        "failed",
        "parameters.sleep: must be a number",
        "chain",
    )
    assert the_schedule(store, "b").last_status == "failed"


@pytest.mark.parametrize(("policy", "status"), [("forbid", "skipped"), ("allow", "queued")])
def test_a_chained_run_meets_the_dependents_overlap_policy(
    store: Store, policy: str, status: str
) -> None:
    schedule(store, "a")
    schedule(store, "b", concurrency_policy=policy)
    depends(store, "b", "a", "success")
    busy = queue(store, "b")
    moved = end(store, queue(store), RunStatus.SUCCESS, T0)
    chained = runs_of(store, "b")[-1]
    assert (chained.trigger, chained.status) == ("chain", status)
    if status == "skipped":
        assert chained.error == f"previous run #{busy} still going"
        assert moved.follow_ups == ()
    else:
        assert moved.follow_ups == (chained.id,)


def test_every_matching_dependent_gets_one_run(store: Store) -> None:
    schedule(store, "a")
    for sid, on in (("b", "success"), ("c", "always"), ("d", "failure")):
        schedule(store, sid)
        depends(store, sid, "a", on)
    moved = end(store, queue(store), RunStatus.SUCCESS, T0)
    assert sorted(moved.follow_ups) == sorted(r.id for s in "bc" for r in runs_of(store, s))
    assert [len(runs_of(store, s)) for s in "bcd"] == [1, 1, 0]


# -- pause on failure -----------------------------------------------------------------------


def version(store: Store) -> str | None:
    with store.reading() as session:
        found = session.get(SettingRow, lifecycle.VERSION_KEY)
        return found.value if found else None


def test_a_final_failure_switches_a_pause_on_failure_schedule_off(store: Store) -> None:
    schedule(store, "a", pause_on_failure=True, max_retries=1, retry_delay_seconds=0)
    first = queue(store)
    retried = end(store, first, RunStatus.FAILED, T0)
    assert retried.switched_off == () and the_schedule(store, "a").enabled  # not final yet
    before = version(store)
    at = T0 + timedelta(minutes=1)
    last = end(store, retried.follow_ups[0], RunStatus.TIMEOUT, at)
    assert last.switched_off == ("a",)
    row = the_schedule(store, "a")
    assert (row.enabled, row.pause_note, row.paused_until, row.updated_at) == (
        False,
        f"switched off: run #{retried.follow_ups[0]} failed",
        None,
        at,
    )
    assert version(store) != before  # every scheduler drops its job at its next poll


def test_success_leaves_a_pause_on_failure_schedule_on(store: Store) -> None:
    schedule(store, "a", pause_on_failure=True)
    assert end(store, queue(store), RunStatus.SUCCESS, T0).switched_off == ()
    assert the_schedule(store, "a").enabled


def test_the_version_key_is_the_schedulers() -> None:
    from tickwork.scheduler.state import VERSION_KEY

    assert lifecycle.VERSION_KEY == VERSION_KEY
