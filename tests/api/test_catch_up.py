"""Catch-up after downtime, against the calendar on a fake clock: one run for all missed
fires within the window, none for `skip`, none for fires older than the window; and a restart
finds the downtime by the stored heartbeat."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.conftest import finished_run, schedule_body
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime
from tickwork.scheduler.catch_up import MISSED_RECORDS_MAX

# A Monday 10:20 in Berlin (CET): the weekday-hourly calendar fired at 09:00 and 10:00.
NOW = datetime(2026, 11, 30, 9, 20, tzinfo=UTC)
DOWN_SINCE = NOW - timedelta(hours=3)  # down since 07:20 Berlin


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(settings, clock=clock)
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture
def make_old(make_schedule: Callable, clock: FakeClock) -> Callable[..., dict[str, Any]]:
    """A schedule created a week before NOW: every fire since DOWN_SINCE is one it had."""

    def make(**fields: Any) -> dict[str, Any]:
        clock.set(NOW - timedelta(days=7))
        try:
            return make_schedule(workflow_type="job", parameters={}, **fields)
        finally:
            clock.set(NOW)

    return make


def catch_up_runs(client: FlaskClient, schedule_id: str) -> list[dict]:
    items = client.get(f"/api/v1/schedules/{schedule_id}/runs").get_json()["items"]
    return [r for r in items if r["trigger"] == "catch_up"]


def test_missed_fires_give_exactly_one_run(
    client: FlaskClient, runtime: Runtime, make_old: Callable
) -> None:
    schedule = make_old(cron_schedule="0 8-23 * * 1-5")
    started = runtime.engine.catch_up(DOWN_SINCE, window=86400)
    assert len(started) == 1
    (run,) = catch_up_runs(client, schedule["id"])
    assert run["scheduled_for"] == "2026-11-30T09:00:00Z"  # 10:00 Berlin, the latest missed
    # A second start (or a second scheduler) finds the instant claimed: still one.
    assert runtime.engine.catch_up(DOWN_SINCE, window=86400) == []
    assert len(catch_up_runs(client, schedule["id"])) == 1


def test_skip_policy_and_old_fires_are_not_caught_up(
    client: FlaskClient, runtime: Runtime, make_old: Callable
) -> None:
    skipper = make_old(name="skip", catch_up="skip")
    weekend = make_old(name="weekend", cron_schedule="0 9,15,21 * * 6,0")
    # Down since Friday: the weekend's last fire (Sunday 21:00) is outside a 6-hour window.
    assert runtime.engine.catch_up(NOW - timedelta(days=3), window=6 * 3600) == []
    assert catch_up_runs(client, skipper["id"]) == []
    assert catch_up_runs(client, weekend["id"]) == []


def test_nothing_is_caught_up_when_no_fire_was_missed(
    client: FlaskClient, runtime: Runtime, make_old: Callable
) -> None:
    make_old(cron_schedule="0 8-23 * * 1-5")
    assert runtime.engine.catch_up(NOW - timedelta(minutes=10), window=86400) == []


def skipped_runs(client: FlaskClient, schedule_id: str) -> list[dict]:
    items = client.get(f"/api/v1/schedules/{schedule_id}/runs?page_size=200").get_json()["items"]
    return sorted((r for r in items if r["status"] == "skipped"), key=lambda r: r["scheduled_for"])


def test_the_other_missed_fires_are_recorded_as_skipped(
    client: FlaskClient, runtime: Runtime, make_old: Callable
) -> None:
    schedule = make_old(cron_schedule="0 8-23 * * 1-5")
    runtime.engine.catch_up(DOWN_SINCE, window=86400)
    skipped = skipped_runs(client, schedule["id"])
    # 08:00 and 09:00 Berlin did not run; 10:00 is the catch-up run.
    assert [r["scheduled_for"] for r in skipped] == ["2026-11-30T07:00:00Z", "2026-11-30T08:00:00Z"]
    assert all("tickwork was not running" in r["error"] for r in skipped)
    assert all("2026-11-30T09:00:00Z" in r["error"] for r in skipped)
    # Recorded once: a second start claims nothing more.
    runtime.engine.catch_up(DOWN_SINCE, window=86400)
    assert len(skipped_runs(client, schedule["id"])) == 2


def test_under_the_skip_policy_every_missed_fire_is_recorded_skipped(
    client: FlaskClient, runtime: Runtime, make_old: Callable
) -> None:
    schedule = make_old(cron_schedule="0 8-23 * * 1-5", catch_up="skip")
    assert runtime.engine.catch_up(DOWN_SINCE, window=86400) == []
    skipped = skipped_runs(client, schedule["id"])
    assert [r["scheduled_for"][11:16] for r in skipped] == ["07:00", "08:00", "09:00"]
    assert all("catch-up policy: skip" in r["error"] for r in skipped)


def test_a_long_downtime_records_only_the_latest_missed_fires(
    client: FlaskClient, runtime: Runtime, make_old: Callable
) -> None:
    schedule = make_old(cron_schedule="* * * * *")
    runtime.engine.catch_up(DOWN_SINCE, window=86400)  # 180 missed minutes
    skipped = skipped_runs(client, schedule["id"])
    assert len(skipped) == MISSED_RECORDS_MAX - 1  # and the catch-up run is the 20th
    assert skipped[-1]["scheduled_for"] == "2026-11-30T09:19:00Z"
    assert catch_up_runs(client, schedule["id"])[0]["scheduled_for"] == "2026-11-30T09:20:00Z"


def create(client: FlaskClient, **fields: Any) -> str:
    body = schedule_body(workflow_type="job", parameters={}, cron_schedule="* * * * *", **fields)
    response = client.post("/api/v1/schedules", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


@contextmanager
def serving(settings: Settings, clock: FakeClock) -> Iterator[FlaskClient]:
    """One life of a server on `clock`. Its stop leaves what a kill -9 leaves for catch-up:
    the last heartbeat, written at start and at every poll."""
    rt = Runtime(settings, clock=clock)
    rt.start()
    try:
        yield create_app(rt).test_client()
    finally:
        rt.stop()


def test_a_restart_within_a_minute_catches_up_once(settings: Settings, clock: FakeClock) -> None:
    """Down across a minute boundary: one catch_up run for the missed fire, not more."""
    clock.set(datetime(2026, 11, 30, 9, 20, 50, tzinfo=UTC))
    with serving(settings, clock) as client:
        every, skipper = (
            create(client, name=name, catch_up=policy)
            for name, policy in (("every minute", "once"), ("skipper", "skip"))
        )
    clock.advance(seconds=30)  # 09:21:20: the 09:21 fire fell while it was down
    with serving(settings, clock) as client:
        (caught,) = catch_up_runs(client, every)
        assert caught["scheduled_for"] == "2026-11-30T09:21:00Z"
        assert finished_run(client, caught["id"])["status"] == "success"
        assert catch_up_runs(client, skipper) == []
        assert [r["scheduled_for"] for r in skipped_runs(client, skipper)] == [
            "2026-11-30T09:21:00Z"
        ]
    clock.advance(seconds=30)  # 09:21:50: down again, but across no boundary
    with serving(settings, clock) as client:
        assert len(catch_up_runs(client, every)) == 1
        assert len(skipped_runs(client, skipper)) == 1
