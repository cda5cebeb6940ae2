"""GET /api/v1/health, a schedule's `health`, and the unhealthy schedules the status lists first.

On both databases and a fake clock. Runs are real processes where the executor's wiring is what
is tested (failing and recovered); the periodic check is driven by hand, or by the scheduler's
own job where that job is what is tested.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.conftest import finished_run, wait_for
from tickwork import __version__
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.events import Event
from tickwork.health import Health, Verdict
from tickwork.runtime import Runtime
from tickwork.scheduler.state import beat
from tickwork.schemas import ScheduleCreateRequest
from tickwork.store import lifecycle
from tickwork.store.lifecycle import NewRun

API = "/api/v1"
NOW = datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
YEARLY = "0 3 1 1 *"  # 03:00 UTC on 1 January: two hours before NOW, never during a test


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The scheduler's own check stays out of the way: tests turn it themselves.
    return replace(settings, health_check_interval_seconds=3600, default_timezone="UTC")


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(settings, clock=clock)
    rt.start()
    yield rt
    rt.stop()


def health(client: FlaskClient) -> dict[str, Any]:
    response = client.get(f"{API}/health")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def run_to_end(client: FlaskClient, schedule_id: str) -> dict[str, Any]:
    run = client.post(f"{API}/schedules/{schedule_id}/run").get_json()
    return finished_run(client, run["id"])


def test_it_reports_tickwork_and_a_failing_schedule(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    body = health(client)
    assert body == {
        "status": "ok",
        "problems": [],
        "heartbeat_age_seconds": 0.0,  # the fake clock stands still
        "loop_lag_seconds": None,  # no check has run yet
        "database": {"reachable": True, "error": None},
        "queue_depth": 0,
        "disk_free_bytes": body["disk_free_bytes"],
        "disk_free_ratio": body["disk_free_ratio"],
        "unhealthy": [],
        "version": __version__,
    }
    assert body["disk_free_bytes"] > 0 and 0 < body["disk_free_ratio"] <= 1
    schedule = make_schedule(name="flaky", workflow_type="job", parameters={"exit": 3})
    assert schedule["health"] == {"state": "ok", "reason": None, "since": None}
    run_to_end(client, schedule["id"])
    last = run_to_end(client, schedule["id"])
    expected = {
        "state": "failing",
        "reason": f"2 runs in a row failed; the last, run #{last['id']}, failed",
        "since": last["finished_at"],
    }
    assert client.get(f"{API}/schedules/{schedule['id']}").get_json()["health"] == expected
    runtime.health_check.check()
    body = health(client)
    assert body["status"] == "ok"  # a failing job is listed; it does not degrade tickwork
    assert body["loop_lag_seconds"] == 0.0
    assert body["unhealthy"] == [{"id": schedule["id"], "name": "flaky", "health": expected}]
    status = client.get(f"{API}/schedules/status").get_json()
    assert status["unhealthy"] == body["unhealthy"]


def test_a_transition_is_published_after_it_committed_and_a_success_recovers(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    seen: list[Any] = []
    runtime.health_listeners.append(lambda session, change: seen.append(change))
    events = runtime.bus.subscribe()
    schedule = make_schedule(name="flaky", workflow_type="job", parameters={"exit": 1})
    run_to_end(client, schedule["id"])
    run_to_end(client, schedule["id"])

    def health_event() -> Event | None:
        while True:
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                return None
            if event.kind == "schedule" and event.data.get("action") == "health":
                return event

    event = wait_for(health_event)
    assert event.data == {"action": "health", "schedule_id": schedule["id"], "health": "failing"}
    assert [(c.previous, c.state) for c in seen] == [(Health.OK, Health.FAILING)]
    fixed = client.put(f"{API}/schedules/{schedule['id']}", json={"parameters": {"exit": 0}})
    assert fixed.status_code == 200
    good = run_to_end(client, schedule["id"])
    assert good["status"] == "success"
    assert wait_for(health_event).data["health"] == "ok"
    assert seen[-1].previous == Health.FAILING and seen[-1].run_id == good["id"]
    assert client.get(f"{API}/schedules/{schedule['id']}").get_json()["health"] == {
        "state": "ok",
        "reason": None,
        "since": good["finished_at"],
    }


def test_unhealthy_schedules_come_most_urgent_first(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    made = {state: make_schedule(name=f"is {state}") for state in ("late", "missed", "stuck")}
    made["failing"] = make_schedule(name="also failing")
    made["failing too"] = make_schedule(name="failing longer")
    make_schedule(name="fine")
    since = {"failing too": NOW - timedelta(hours=2)}
    for key, schedule in made.items():
        state = Health(key.split()[0])
        with runtime.store.session() as session:
            stored = runtime.health.stored(session, schedule["id"])
            assert stored is not None
            verdict = Verdict(state, f"{key} because", since.get(key, NOW - timedelta(hours=1)))
            assert runtime.health.write(session, stored, verdict, NOW) is not None
    listed = [(u["name"], u["health"]["state"]) for u in health(client)["unhealthy"]]
    assert listed == [
        ("is stuck", "stuck"),
        ("failing longer", "failing"),  # unhealthy longest first within a state
        ("also failing", "failing"),
        ("is missed", "missed"),
        ("is late", "late"),
    ]
    status = client.get(f"{API}/schedules/status").get_json()
    assert [u["name"] for u in status["unhealthy"]] == [name for name, _ in listed]


def test_the_schedulers_own_check_finds_a_fire_that_did_not_run(
    settings: Settings, clock: FakeClock
) -> None:
    clock.set(NOW - timedelta(hours=3))  # made at 02:00: its 03:00 fire is expected
    rt = Runtime(replace(settings, health_check_interval_seconds=1), clock=clock)
    rt.start()
    try:
        client = create_app(rt).test_client()
        made = client.post(
            f"{API}/schedules",
            json={"name": "yearly", "workflow_type": "job", "cron_schedule": YEARLY},
        )
        assert made.status_code == 201, made.get_json()
        clock.set(NOW)  # 05:00: the 03:00 fire never ran (nothing fires on a fake clock)

        def missed() -> dict[str, Any] | None:
            found = health(client)["unhealthy"]
            return found[0] if found else None

        found = wait_for(missed, timeout=15)
        assert found["health"] == {
            "state": "missed",
            "reason": "the fire due at 2027-01-01T03:00:00Z did not run",
            "since": "2027-01-01T03:00:00Z",
        }
    finally:
        rt.stop()


def test_it_is_degraded_without_a_live_scheduler_and_counts_the_queue(
    settings: Settings, clock: FakeClock, make_queued: Callable[[Runtime], None]
) -> None:
    rt = Runtime(settings, clock=clock)
    rt.start(scheduler=False)  # a web process: the scheduler runs elsewhere, or nowhere
    try:
        client = create_app(rt).test_client()
        body = health(client)
        assert body["status"] == "degraded"
        assert body["problems"] == ["no scheduler has run on this store yet"]
        assert body["heartbeat_age_seconds"] is None
        with rt.store.session() as session:
            beat(session, NOW - timedelta(seconds=95))
        body = health(client)
        assert body["heartbeat_age_seconds"] == 95.0
        assert body["problems"] == [
            "the scheduler's last heartbeat is 1.58 min old: no scheduler is running, "
            "or it is stalled"
        ]
        with rt.store.session() as session:
            beat(session, NOW - timedelta(seconds=1))
        make_queued(rt)
        body = health(client)
        assert (body["status"], body["problems"], body["queue_depth"]) == ("ok", [], 2)
        assert client.get("/readyz").status_code == 200  # no scheduler is expected here
    finally:
        rt.stop()


@pytest.fixture
def make_queued() -> Callable[[Runtime], None]:
    """Two runs waiting, written straight to the store: no executor runs in a web process."""

    def make(rt: Runtime) -> None:
        request = ScheduleCreateRequest(name="waits", workflow_type="job", cron_schedule=YEARLY)
        schedule = rt.service.create(request)
        with rt.store.session() as session:
            for minute in (1, 2):
                queued_at = NOW + timedelta(minutes=minute)
                lifecycle.insert(session, NewRun(schedule.id, "manual", NOW, queued_at, [], None))

    return make
