"""Fires claimed ahead of their instant (Settings.fire_lead_seconds), on a fake clock through a
real runtime: the run waits armed for its instant and starts then; a schedule switched off or
changed meanwhile withdraws it (the change re-arms it as the schedule now is); a paused
scheduler withdraws them all; the trigger fires `lead` before each cron instant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.conftest import finished_run, schedule_body, wait_for
from tickwork import cron
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime
from tickwork.scheduler.trigger import CrontabTrigger

# Once a year, at INSTANT: APScheduler runs on real time, and a real fire in the middle of a
# test would claim an instant of its own on the fake clock.
YEARLY = "21 9 30 11 *"
INSTANT = datetime(2026, 11, 30, 9, 21, tzinfo=UTC)
LEAD = 2.0


@pytest.fixture
def armed_runtime(settings: Settings) -> Iterator[tuple[Runtime, FlaskClient, FakeClock]]:
    clock = FakeClock(INSTANT - timedelta(seconds=30))
    rt = Runtime(replace(settings, fire_lead_seconds=LEAD), clock=clock)
    rt.start()
    try:
        yield rt, create_app(rt).test_client(), clock
    finally:
        rt.stop()


def make(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    body = schedule_body(
        **{"workflow_type": "job", "parameters": {}, "cron_schedule": YEARLY, **fields},
        timezone="UTC",
    )
    response = client.post("/api/v1/schedules", json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def arm(rt: Runtime, clock: FakeClock, schedule: dict[str, Any]) -> None:
    """APScheduler's call `LEAD` before the instant."""
    clock.set(INSTANT - timedelta(seconds=LEAD) + timedelta(milliseconds=3))
    rt.engine._fire(schedule["id"], YEARLY, "UTC", lead=LEAD)
    assert rt.engine.fires.wait_idle(timeout=10)


def runs_of(client: FlaskClient, schedule: dict[str, Any]) -> list[dict[str, Any]]:
    return list(client.get(f"/api/v1/schedules/{schedule['id']}/runs").get_json()["items"])


def test_an_armed_run_waits_for_its_instant_then_starts(
    armed_runtime: tuple[Runtime, FlaskClient, FakeClock],
) -> None:
    rt, client, clock = armed_runtime
    schedule = make(client, concurrency_policy="forbid")
    arm(rt, clock, schedule)
    (run,) = runs_of(client, schedule)
    assert (run["status"], run["scheduled_for"]) == ("queued", "2026-11-30T09:21:00Z")
    # Its log is made ready ahead, so the spawn at the instant does no file work first.
    log_file = rt.settings.logs_dir / schedule["id"] / f"{run['id']}.log"
    assert log_file.exists() and log_file.stat().st_size == 0
    queue = client.get("/api/v1/queue").get_json()
    assert [(w["run"]["id"], w["wait"]) for w in queue["items"]] == [(run["id"], "not_before")]
    clock.set(INSTANT)
    ended = finished_run(client, run["id"])
    assert ended["status"] == "success"
    assert ended["started_at"] >= "2026-11-30T09:21:00"


def test_switching_a_schedule_off_withdraws_its_armed_run(
    armed_runtime: tuple[Runtime, FlaskClient, FakeClock],
) -> None:
    rt, client, clock = armed_runtime
    schedule = make(client)
    arm(rt, clock, schedule)
    (run,) = runs_of(client, schedule)
    log_file = rt.settings.logs_dir / schedule["id"] / f"{run['id']}.log"
    assert log_file.exists()
    toggled = client.post(f"/api/v1/schedules/{schedule['id']}/toggle", json={"enabled": False})
    assert toggled.status_code == 200, toggled.get_json()
    assert runs_of(client, schedule) == []  # never due: nothing to show
    assert not log_file.exists()
    clock.set(INSTANT + timedelta(seconds=5))
    assert rt.executor.queue() is not None and rt.executor.queue().waiting == []  # type: ignore[union-attr]
    assert runs_of(client, schedule) == []


def test_a_change_before_the_instant_arms_it_again_as_the_schedule_now_is(
    armed_runtime: tuple[Runtime, FlaskClient, FakeClock],
) -> None:
    rt, client, clock = armed_runtime
    schedule = make(client, parameters={})
    arm(rt, clock, schedule)
    (first,) = runs_of(client, schedule)
    patched = client.patch(
        f"/api/v1/schedules/{schedule['id']}", json={"parameters": {"say": ["changed"]}}
    )
    assert patched.status_code == 200, patched.get_json()
    # The job is back in APScheduler; its instant is less than the lead away, so it fires now.
    rt.engine._fire(schedule["id"], YEARLY, "UTC", lead=LEAD)
    assert rt.engine.fires.wait_idle(timeout=10)
    (again,) = runs_of(client, schedule)
    # (SQLite may give it the withdrawn run's id again: the command tells them apart.)
    assert again["scheduled_for"] == first["scheduled_for"]
    command = client.get(f"/api/v1/runs/{again['id']}").get_json()["command"]
    assert "changed" in command
    clock.set(INSTANT)
    ended = finished_run(client, again["id"])
    assert ended["status"] == "success"
    log = client.get(f"/api/v1/runs/{again['id']}/log").get_json()["content"]
    assert "changed" in log


def test_pausing_the_scheduler_withdraws_every_armed_run(
    armed_runtime: tuple[Runtime, FlaskClient, FakeClock],
) -> None:
    rt, client, clock = armed_runtime
    one, two = make(client, name="one"), make(client, name="two")
    arm(rt, clock, one)
    arm(rt, clock, two)
    assert len(runs_of(client, one)) == len(runs_of(client, two)) == 1
    paused = client.post("/api/v1/scheduler/pause", json={"note": "maintenance"})
    assert paused.status_code == 200, paused.get_json()
    wait_for(lambda: runs_of(client, one) == runs_of(client, two) == [])


def test_the_trigger_fires_its_lead_before_each_instant() -> None:
    lead = timedelta(seconds=LEAD)
    trigger = CrontabTrigger("0 * * * *", cron.zone("Europe/Berlin"), lead)
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Berlin skips 02:00-03:00
    first = trigger.get_next_fire_time(None, now)
    assert first == datetime(2026, 3, 29, 1, 0, tzinfo=UTC) - lead
    second = trigger.get_next_fire_time(first, now)
    assert second == datetime(2026, 3, 29, 2, 0, tzinfo=UTC) - lead  # 04:00 CEST
    # An instant less than the lead away comes out in the past: APScheduler fires it at once.
    close = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, close) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC) - lead
    plain = CrontabTrigger("0 * * * *", cron.zone("UTC"))
    assert plain.get_next_fire_time(None, now) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
