"""The outbox at the store, on both databases: rows commit with the end that made them (or
not at all), a lost run and a cancelled retry count right for `recovered`, and the run path
reads and writes nothing more while nobody hears of a schedule."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from tests.conftest import TEST_REGISTRY
from tickwork.config import Settings
from tickwork.store import lifecycle, outbox
from tickwork.store.db import Store
from tickwork.store.lifecycle import Finish, NewRun, RunStatus
from tickwork.store.tables import ChannelRow, OutboxRow, ScheduleRow

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
OWNER = "host:1:1.00"


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    settings = Settings(data_dir=tmp_path, workflows=TEST_REGISTRY, database_url=database_url)
    store = Store(settings.db_url)
    store.migrate()
    yield store
    with store.reading() as session:
        outbox.forget_channels(session)
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


def channel(store: Store, cid: str, default: bool = False, on: list[str] | None = None) -> None:
    with store.session() as session:
        session.add(
            ChannelRow(
                id=cid,
                name=cid,
                url="json://127.0.0.1:1",
                default=default,
                on=on or [],
                created_at=T0,
                updated_at=T0,
            )
        )
        outbox.forget_channels(session)


def queue(store: Store, sid: str, **fields: Any) -> int:
    new = NewRun(sid, "manual", T0, T0, ["python", "jobs.py"], OWNER, **fields)
    with store.session() as session:
        run_id = lifecycle.insert(session, new)
    assert run_id is not None
    return run_id


def finish(store: Store, run_id: int, outcome: RunStatus, at: datetime = T0) -> None:
    end = Finish(outcome, at, at, 0 if outcome == RunStatus.SUCCESS else 1, "a\nb\n", None)
    with store.session() as session:
        assert lifecycle.finish(session, run_id, end).done


def rows(store: Store) -> list[tuple[str, int | None, str]]:
    with store.reading() as session:
        found = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
        return [(r.channel_id, r.run_id, r.event) for r in found]


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", note)


def test_a_row_commits_with_the_end_or_not_at_all(store: Store) -> None:
    channel(store, "c")
    schedule(store, "a", notify=[{"channel": "c", "on": ["failed"]}])
    run_id = queue(store, "a")
    end = Finish(RunStatus.FAILED, T0, T0, 1, "", None)
    with pytest.raises(RuntimeError), store.session() as session:
        lifecycle.finish(session, run_id, end)
        raise RuntimeError("the transaction fails after the end was written")
    assert rows(store) == []
    finish(store, run_id, RunStatus.FAILED)
    assert rows(store) == [("c", run_id, "failed")]
    with store.reading() as session:
        [row] = session.scalars(select(OutboxRow)).all()
    assert row.body["output_tail"] == "a\nb"
    assert (row.body["schedule_name"], row.body["status"], row.body["exit_code"]) == (
        "A",
        "failed",
        1,
    )


def test_without_channels_the_run_path_touches_no_notification_table(store: Store) -> None:
    schedule(store, "a")
    run_id = queue(store, "a")
    with store.session() as session:
        outbox.channels(session)  # the snapshot as the sender leaves it
    with statements(store) as seen:
        with store.session() as session:
            lifecycle.start_many(
                session, [lifecycle.Start(run_id, T0, 1, 1.0, OWNER, "/tmp/x.log")]
            )
        finish(store, run_id, RunStatus.SUCCESS)
    assert seen and not [sql for sql in seen if "notification" in sql]


def test_a_schedule_nobody_hears_of_writes_no_row_and_reads_no_run(store: Store) -> None:
    channel(store, "c")  # a channel exists, but "a" names none and it is no default
    schedule(store, "a")
    run_id = queue(store, "a")
    finish(store, run_id, RunStatus.FAILED)
    second = queue(store, "a")
    with statements(store) as seen:
        finish(store, second, RunStatus.SUCCESS)
    assert not [sql for sql in seen if "notification" in sql]
    # ... and the history is not asked whether this success is a recovery (runs_1: the
    # retried-or-not subquery of lifecycle.follows_failure).
    assert not [sql for sql in seen if "runs_1" in sql]
    assert rows(store) == []


def test_a_lost_run_counts_as_a_failure_before_a_recovery(store: Store) -> None:
    channel(store, "c")
    schedule(store, "a", notify=[{"channel": "c", "on": ["failed", "recovered"]}])
    lost = queue(store, "a")
    with store.session() as session:
        lifecycle.lose(session, lost, "gone", T0)
    ok = queue(store, "a")
    finish(store, ok, RunStatus.SUCCESS)
    assert rows(store) == [("c", lost, "failed"), ("c", ok, "recovered")]


def test_a_failure_whose_retry_was_cancelled_is_final(store: Store) -> None:
    channel(store, "c")
    schedule(store, "a", max_retries=2, notify=[{"channel": "c", "on": ["recovered"]}])
    first = queue(store, "a")
    finish(store, first, RunStatus.FAILED)
    with store.session() as session:
        lifecycle.cancel_retries(session, "a", "switched off", T0)
    ok = queue(store, "a")
    finish(store, ok, RunStatus.SUCCESS, T0 + timedelta(minutes=1))
    assert rows(store) == [("c", ok, "recovered")]


def test_the_start_batch_reads_its_schedules_once(store: Store) -> None:
    channel(store, "c")
    for sid in ("a", "b"):
        schedule(store, sid, notify=[{"channel": "c", "on": ["started"]}])
    runs = [queue(store, sid) for sid in ("a", "b", "a")]
    starts = [lifecycle.Start(r, T0, 1, 1.0, OWNER, f"/tmp/{r}.log") for r in runs]
    with statements(store) as seen:
        with store.session() as session:
            lifecycle.start_many(session, starts)
    assert len([sql for sql in seen if "FROM schedules" in sql]) == 1
    assert rows(store) == [("c", r, "started") for r in runs]


def test_enqueue_reads_the_list_of_a_schedule_it_is_not_given(store: Store) -> None:
    channel(store, "c")
    channel(store, "d", default=True, on=["missed"])
    schedule(store, "a", notify=[{"channel": "c", "on": ["stuck"]}])
    schedule(store, "b")
    with store.session() as session:
        assert outbox.enqueue(session, "a", "stuck", 5, T0, {"message": "m"})
        assert outbox.enqueue(session, "b", "missed", None, T0, {"message": "m"})
        assert outbox.enqueue(session, "b", "stuck", None, T0, {}) == []
        assert outbox.enqueue(session, "nope", "missed", None, T0, {}) == []
    assert rows(store) == [("c", 5, "stuck"), ("d", None, "missed")]
