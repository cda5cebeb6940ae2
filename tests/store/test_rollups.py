"""The rollups on both stores: every way a run ends is counted once, in its hour and its day;
a rebuild from the history gives what the ends added up to; pruning drops what no window
reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.store.stores import store_with
from tickwork.statistics import Tally
from tickwork.store import lifecycle, rollups
from tickwork.store.db import Store
from tickwork.store.lifecycle import Finish, NewRun, RunStatus
from tickwork.store.tables import RollupDurationRow, RollupRow, ScheduleRow

T0 = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
DAY = datetime(2026, 11, 30, tzinfo=UTC)
HOUR = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    schedules = {"s1": {"group": "etl"}, "s2": {}}
    with store_with(tmp_path, database_url, T0, schedules) as store:
        yield store


def queued(store: Store, schedule_id: str = "s1", **fields: object) -> int:
    values: dict[str, object] = {
        "schedule_id": schedule_id,
        "trigger": "manual",
        "scheduled_for": T0,
        "queued_at": T0,
        "command": ["true"],
        "owner": "host:1:1.00",
        **fields,
    }
    with store.session() as session:
        run_id = lifecycle.insert(session, NewRun(**values))  # type: ignore[arg-type]
    assert run_id is not None
    return run_id


def ran(
    store: Store,
    seconds: float,
    outcome: RunStatus = RunStatus.SUCCESS,
    schedule_id: str = "s1",
    start: datetime = T0,
    cpu: float | None = None,
    memory: int | None = None,
) -> int:
    run_id = queued(store, schedule_id)
    with store.session() as session:
        lifecycle.start(session, run_id, start, 4242, 1.0, "host:1:1.00", "/tmp/log")
        end = Finish(
            outcome=outcome,
            started_at=start,
            finished_at=start + timedelta(seconds=seconds),
            exit_code=0,
            output_tail="",
            error=None,
            cpu_seconds=cpu,
            peak_memory_bytes=memory,
        )
        assert lifecycle.finish(session, run_id, end)
    return run_id


def tally(store: Store, grain: str = "day", scopes: list[str] | None = None) -> dict[str, Tally]:
    """Per scope: each schedule's, group's and everything's, over the day before T0 on."""
    found = {}
    with store.reading() as session:
        for kind in rollups.KINDS:
            found |= rollups.tallies(
                session,
                grain,  # type: ignore[arg-type]
                DAY - timedelta(days=1),
                scopes,
                kind=kind,
                per_start=False,
            )
    return {scope: value for (scope, _), value in found.items()}


S1 = rollups.schedule_scope("s1")


def test_a_finished_run_counts_in_its_hour_and_its_day(store: Store) -> None:
    ran(store, 12.0, cpu=1.5, memory=50_000_000)
    ran(store, 30.0, RunStatus.FAILED, cpu=0.5, memory=80_000_000)
    with store.reading() as session:
        rows = session.scalars(select(RollupRow).order_by(RollupRow.scope, RollupRow.grain)).all()
        assert [(r.scope, r.grain, r.start) for r in rows] == [
            (scope, grain, start)
            for scope in ("all", "group:etl", S1)
            for grain, start in (("day", DAY), ("hour", HOUR))
        ]
        assert [r.schedule_id for r in rows] == [None] * 4 + ["s1"] * 2
        for row in rows:
            assert (row.success, row.failed, row.timed_runs) == (1, 1, 2)
            assert row.duration_seconds == pytest.approx(42.0)
            assert row.duration_max == pytest.approx(30.0)
            assert (row.cpu_runs, row.cpu_seconds) == (2, pytest.approx(2.0))
            assert row.peak_memory_bytes == 80_000_000
        buckets = session.scalars(select(RollupDurationRow.runs)).all()
        # two runs, each in its hour's and its day's histogram, of three scopes
        assert sum(buckets) == 12
    figures = tally(store)[S1]
    assert figures.runs == 2 and figures.success_rate == 0.5
    assert figures.cpu_seconds_mean == pytest.approx(1.0)


def test_every_other_end_is_counted_by_its_status(store: Store) -> None:
    cancel, skip, lose, fail = (queued(store) for _ in range(4))
    with store.session() as session:
        lifecycle.cancel_queued(session, cancel, "cancelled by alice", T0)
        lifecycle.skip(session, skip, "deadline passed", T0)
        lifecycle.lose(session, lose, "owner gone", T0)  # never started
        lifecycle.fail(session, fail, "could not spawn", T0)
    queued(store, status=RunStatus.SKIPPED, error="overlap")  # recorded ended
    queued(store)  # cancelled below: its owner shuts down before it starts
    with store.session() as session:
        lifecycle.cancel_unstarted(session, "host:1:1.00", "shutting down", T0)
    queued(store)  # still queued: not an end, not counted
    figures = tally(store)[S1]
    assert figures.counts == {
        "success": 0,
        "failed": 1,
        "timeout": 0,
        "cancelled": 1 + 1,
        "lost": 1,
        "skipped": 2,
    }
    # None of them ran: the failure could not spawn, the lost run was lost before its start.
    assert figures.timed_runs == 0 and figures.duration_max is None


def test_a_second_end_of_the_same_run_counts_nothing(store: Store) -> None:
    run_id = ran(store, 5.0)
    with store.session() as session:
        end = Finish(RunStatus.FAILED, T0, T0 + timedelta(seconds=9), 1, "", None)
        assert not lifecycle.finish(session, run_id, end)
        assert not lifecycle.lose(session, run_id, "late news", T0)
    assert tally(store)[S1].counts["success"] == 1
    assert tally(store)[S1].runs == 1


def test_groups_and_everything_add_up(store: Store) -> None:
    ran(store, 1.0, schedule_id="s1")
    ran(store, 2.0, RunStatus.TIMEOUT, schedule_id="s2")
    ran(store, 3.0, schedule_id="s2")
    scopes = tally(store)
    assert scopes["group:etl"].runs == 1 and scopes["group:"].runs == 2
    assert scopes["group:"].counts["timeout"] == 1
    assert scopes["all"].runs == 3 and scopes["all"].duration_max == pytest.approx(3.0)
    assert scopes["all"].duration(0.5) == pytest.approx(2.0, rel=0.045)


def test_a_group_keeps_the_runs_its_schedules_ended_in_it(store: Store) -> None:
    ran(store, 1.0, schedule_id="s1")
    with store.session() as session:
        schedule = session.get(ScheduleRow, "s1")
        assert schedule is not None
        schedule.group = "reports"
    ran(store, 1.0, schedule_id="s1")
    scopes = tally(store)
    assert (scopes["group:etl"].runs, scopes["group:reports"].runs, scopes[S1].runs) == (1, 1, 2)


def test_a_rebuild_counts_what_the_ends_added_up_to(store: Store) -> None:
    for seconds, outcome in ((4.0, RunStatus.SUCCESS), (40.0, RunStatus.FAILED)):
        ran(store, seconds, outcome, cpu=1.0, memory=10)
    skipped = queued(store, "s2")
    with store.session() as session:
        lifecycle.skip(session, skipped, "deadline passed", T0)
    before = {grain: tally(store, grain) for grain in ("hour", "day")}
    with store.session() as session:
        assert rollups.rebuild(session, T0 + timedelta(hours=1)) == 3
    after = {grain: tally(store, grain) for grain in ("hour", "day")}
    assert after == before


def test_pruning_drops_hours_after_a_day_and_days_after_91(store: Store) -> None:
    ran(store, 1.0, start=T0 - timedelta(days=2))
    ran(store, 1.0, start=T0 - timedelta(days=95))
    ran(store, 1.0)
    with store.session() as session:
        rollups.prune(session, T0)
    with store.reading() as session:
        kept = session.execute(
            select(RollupRow.grain, RollupRow.start).where(RollupRow.scope == S1)
        ).all()
        kept_buckets = session.execute(
            select(RollupDurationRow.grain, RollupDurationRow.start).where(
                RollupDurationRow.scope == S1
            )
        ).all()
    assert sorted(kept) == [
        ("day", DAY - timedelta(days=2)),
        ("day", DAY),
        ("hour", HOUR),
    ]
    assert sorted(kept_buckets) == sorted(kept)


def test_deleting_a_schedule_deletes_its_own_rollups_not_its_groups(store: Store) -> None:
    ran(store, 1.0, schedule_id="s2")
    with store.session() as session:
        session.delete(session.get(ScheduleRow, "s2"))
    with store.reading() as session:
        for table in (RollupRow, RollupDurationRow):
            scopes = session.scalars(select(table.scope).distinct()).all()
            assert sorted(scopes) == ["all", "group:"]  # the history of the whole happened
