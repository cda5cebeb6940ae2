"""The local executor against a real store and real processes: a burst of tickets starts and
ends recorded, a run cancelled between its admission and its recorded start is stopped, and
queued runs stay queued at shutdown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TEST_REGISTRY, alive, wait_for
from tickwork.config import Settings
from tickwork.dispatch import Dispatcher
from tickwork.events import EventBus
from tickwork.executor.local import LocalExecutor
from tickwork.executor.process import Control, ProcessResult, ProcessSpec
from tickwork.executor.supervisor import Supervisor
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.tables import RunRow, ScheduleRow
from tickwork.workflows import load_registry

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path, workflows=TEST_REGISTRY, database_url=database_url, kill_grace_seconds=1
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.db_url)
    store.migrate()
    yield store
    store.dispose()


class CancelFirst(Supervisor):
    """Cancels the run's row right after the spawn, before its start is written: a cancel
    that raced the admission."""

    def __init__(self, store: Store) -> None:
        super().__init__(start=False)
        self.store = store
        self.pids: list[int] = []

    def launch(
        self, spec: ProcessSpec, control: Control, on_end: Callable[[ProcessResult], None]
    ) -> int:
        pid = super().launch(spec, control, on_end)
        self.pids.append(pid)
        run_id = int(spec.env["TICKWORK_RUN_ID"])
        with self.store.session() as session:
            assert lifecycle.cancel_queued(session, run_id, "cancelled before it started", T0)
        return pid


def schedule(store: Store, sleep: float) -> str:
    with store.session() as session:
        session.add(
            ScheduleRow(
                id=f"sleep-{sleep}",
                name=f"sleep {sleep}",
                workflow_type="job",
                parameters={"sleep": sleep},
                cron_schedule="* * * * *",
                timezone="UTC",
                concurrency_policy="allow",
                created_at=T0,
                updated_at=T0,
            )
        )
    return f"sleep-{sleep}"


def status(store: Store, run_id: int) -> RunRow:
    with store.reading() as session:
        row = session.get_one(RunRow, run_id)
        session.expunge(row)
        return row


def ended_row(store: Store, run_id: int) -> RunRow:
    def ended() -> RunRow | None:
        row = status(store, run_id)
        return row if row.status not in ("queued", "running") else None

    found: RunRow = wait_for(ended)
    return found


def executor_for(
    settings: Settings, store: Store, **kw: object
) -> tuple[LocalExecutor, Dispatcher]:
    registry = load_registry(TEST_REGISTRY)
    bus = EventBus()
    executor = LocalExecutor(settings, store, registry, bus, "host:1:1.00", **kw)  # type: ignore[arg-type]
    executor.start()
    return executor, Dispatcher(store, registry, executor, bus)


def test_a_burst_starts_and_every_end_is_recorded(settings: Settings, store: Store) -> None:
    executor, dispatcher = executor_for(settings, store)
    sid = schedule(store, 0)
    try:
        ids = [dispatcher.run_now(sid).run_id for _ in range(12)]
        ended = [ended_row(store, r) for r in ids]
        assert {r.status for r in ended} == {"success"}
        assert all(r.pid and r.started_at and r.log_path and r.finished_at for r in ended)
        assert all(r.started_at <= r.finished_at for r in ended if r.started_at and r.finished_at)
    finally:
        executor.shutdown(1)


def test_a_run_cancelled_before_its_start_is_written_is_stopped(
    settings: Settings, store: Store
) -> None:
    launcher = CancelFirst(store)
    executor, dispatcher = executor_for(settings, store, launcher=launcher)
    sid = schedule(store, 60)
    try:
        run_id = dispatcher.run_now(sid).run_id
        wait_for(lambda: launcher.pids)
        wait_for(lambda: not alive(launcher.pids[0]), timeout=10)  # stopped, not left to run
        wait_for(lambda: not executor.admission.running())
        row = status(store, run_id)
        assert (row.status, row.error, row.started_at) == (
            "cancelled",
            "cancelled before it started",
            None,
        )
    finally:
        executor.shutdown(1)


def test_queued_runs_stay_queued_at_shutdown(settings: Settings, store: Store) -> None:
    executor, dispatcher = executor_for(replace(settings, max_concurrent_runs=1), store)
    long, waiting = schedule(store, 60), schedule(store, 0)
    first = dispatcher.run_now(long).run_id
    wait_for(lambda: status(store, first).status == "running")
    second = dispatcher.run_now(waiting).run_id
    executor.shutdown(0.2)
    assert status(store, first).status == "cancelled"  # stopped after the grace
    assert status(store, second).status == "queued"  # the next start adopts it
