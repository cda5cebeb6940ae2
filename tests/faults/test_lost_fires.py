"""Every due instant becomes a run row, even while the store cannot be written.

APScheduler's job used to write the run itself: with the SQLite file locked it waited 30 s,
failed, and APScheduler dropped the next fire as "maximum number of running instances
reached"; neither fire appeared anywhere. Now the job only notes the instant and the fire
recorder writes it once the store answers again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import finished_run, wait_for
from tickwork import cron
from tickwork.config import Settings
from tickwork.runtime import Runtime

# Once a year, so that no real fire comes between the instants the tests hand in.
YEARLY = "0 3 1 1 *"


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    return None  # the lock below is SQLite's own


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, busy_timeout_seconds=0.5)  # each write attempt gives up quickly


@contextmanager
def write_locked(runtime: Runtime) -> Iterator[None]:
    """Another process's view of the file: a connection that holds the write lock."""
    path = runtime.store.engine.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None, timeout=1)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def runs_of(client: FlaskClient, schedule_id: str) -> list[dict[str, Any]]:
    items = client.get(f"/api/v1/schedules/{schedule_id}/runs?page_size=200").get_json()["items"]
    return list(reversed(items))  # oldest first


def test_fires_while_the_store_is_locked_are_all_recorded(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={}, cron_schedule=YEARLY)
    zone = cron.zone(schedule["timezone"])
    due = cron.latest_fire(YEARLY, zone, datetime.now(UTC))
    assert due is not None
    earlier = cron.latest_fire(YEARLY, zone, due.replace(month=6, year=due.year - 1))
    assert earlier is not None
    with write_locked(runtime):
        # Two fires come due while the file is locked for longer than SQLite's busy timeout.
        # The jobs return at once, holding their instants.
        runtime.engine.fires.add(schedule["id"], earlier)
        runtime.engine._fire(schedule["id"], YEARLY, schedule["timezone"])
        assert not runtime.engine.fires.wait_idle(timeout=3)  # write attempts failed
        assert runtime.engine.fires.held == 2
    assert runtime.engine.fires.wait_idle(timeout=30)
    runs = runs_of(client, schedule["id"])
    assert [r["scheduled_for"] for r in runs] == [
        earlier.isoformat().replace("+00:00", "Z"),
        due.isoformat().replace("+00:00", "Z"),
    ]
    skipped, ran = runs
    assert skipped["status"] == "skipped"
    assert "the store could not be written" in skipped["error"]
    assert due.isoformat().replace("+00:00", "Z") in skipped["error"]
    assert finished_run(client, ran["id"])["status"] == "success"


def test_a_fire_recorded_once_is_not_recorded_again(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={}, cron_schedule=YEARLY)
    due = cron.latest_fire(YEARLY, cron.zone(schedule["timezone"]), datetime.now(UTC))
    assert due is not None
    for _ in range(3):
        runtime.engine.fires.add(schedule["id"], due)
    assert runtime.engine.fires.wait_idle(timeout=20)
    runs = runs_of(client, schedule["id"])
    assert len(runs) == 1
    assert finished_run(client, runs[0]["id"])["status"] == "success"


def test_a_long_outage_does_not_make_the_scheduler_warn_every_poll(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # A busy timeout longer than the 2 s poll: each poll waits past the next one's turn.
    runtime = Runtime(replace(settings, busy_timeout_seconds=5))
    runtime.start()
    try:
        with caplog.at_level("WARNING"), write_locked(runtime):
            wait_for(lambda: "scheduler poll: storage unavailable" in caplog.text, timeout=30)
        assert "maximum number of running instances" not in caplog.text
    finally:
        runtime.stop()
