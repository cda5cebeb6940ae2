"""POST /api/v1/schedules/{id}/toggle: on, off, flip; off with a note and an until time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.conftest import wait_for
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime
from tickwork.scheduler import resume
from tickwork.store import lifecycle
from tickwork.store.lifecycle import NewRun


def toggle(client: FlaskClient, schedule_id: str, **kwargs: object) -> dict:
    response = client.post(f"/api/v1/schedules/{schedule_id}/toggle", **kwargs)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_it_flips_enabled(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    off = toggle(client, created["id"])
    assert off["enabled"] is False and off["next_run"] is None
    on = toggle(client, created["id"])
    assert on["enabled"] is True and on["next_run"] is not None


def test_it_sets_enabled_explicitly(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    assert toggle(client, created["id"], json={"enabled": True})["enabled"] is True
    assert toggle(client, created["id"], json={"enabled": False})["enabled"] is False
    assert toggle(client, created["id"], json={"enabled": False})["enabled"] is False


def test_the_scheduler_follows_the_switch(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable
) -> None:
    created = make_schedule()
    # The engine's own jobs: status and next_run are computed from the store, so only this
    # shows that the job went with the switch.
    assert created["id"] in runtime.engine.scheduled_ids()
    assert client.get("/api/v1/schedules/status").get_json()["scheduled_jobs"] == 1
    toggle(client, created["id"])
    assert created["id"] not in runtime.engine.scheduled_ids()
    assert client.get("/api/v1/schedules/status").get_json()["scheduled_jobs"] == 0


def test_it_rejects_a_non_boolean(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    response = client.post(f"/api/v1/schedules/{created['id']}/toggle", json={"enabled": "yes"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "enabled"


def test_unknown_schedule_is_404(client: FlaskClient) -> None:
    response = client.post("/api/v1/schedules/nope/toggle")
    assert response.status_code == 404


# -- a pause with a note and an end ----------------------------------------------------------

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def timed(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(settings, clock)
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture
def timed_client(timed: Runtime) -> FlaskClient:
    return create_app(timed).test_client()


def create(client: FlaskClient, **body: object) -> dict:
    payload = {"name": "job", "workflow_type": "job", "cron_schedule": "0 3 * * *"} | body
    response = client.post("/api/v1/schedules", json=payload)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_switching_off_keeps_a_note_and_an_until_and_on_clears_them(
    timed_client: FlaskClient,
) -> None:
    created = create(timed_client)
    off = toggle(
        timed_client,
        created["id"],
        json={"enabled": False, "note": "data source down", "until": "2026-12-02T12:00:00Z"},
    )
    assert (off["enabled"], off["pause_note"], off["paused_until"]) == (
        False,
        "data source down",
        "2026-12-02T12:00:00Z",
    )
    again = timed_client.get(f"/api/v1/schedules/{created['id']}").get_json()
    assert (again["pause_note"], again["paused_until"]) == ("data source down", off["paused_until"])
    on = toggle(timed_client, created["id"], json={"enabled": True})
    assert (on["enabled"], on["pause_note"], on["paused_until"]) == (True, None, None)


def test_a_flip_that_switches_off_may_carry_a_note(timed_client: FlaskClient) -> None:
    created = create(timed_client)
    off = toggle(timed_client, created["id"], json={"note": "maintenance"})
    assert (off["enabled"], off["pause_note"]) == (False, "maintenance")


def test_note_and_until_are_refused_when_switching_on(timed_client: FlaskClient) -> None:
    created = create(timed_client, enabled=False)
    response = timed_client.post(
        f"/api/v1/schedules/{created['id']}/toggle",
        json={"enabled": True, "note": "x", "until": "2026-12-03T00:00:00Z"},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["note", "until"]
    assert timed_client.get(f"/api/v1/schedules/{created['id']}").get_json()["enabled"] is False


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2026-12-02T09:00:00Z", "must be in the future"),  # the fake clock's now
        ("2026-12-01T09:00:00+01:00", "must be in the future"),
        ("tomorrow", "must be an ISO 8601 time"),
    ],
)
def test_until_must_be_a_time_ahead(timed_client: FlaskClient, until: str, message: str) -> None:
    created = create(timed_client)
    response = timed_client.post(
        f"/api/v1/schedules/{created['id']}/toggle", json={"enabled": False, "until": until}
    )
    assert response.status_code == 422, response.get_json()
    (error,) = response.get_json()["errors"]
    assert error["field"] == "until" and error["message"].startswith(message)
    assert timed_client.get(f"/api/v1/schedules/{created['id']}").get_json()["enabled"] is True


def test_a_pause_runs_out_and_the_schedule_switches_itself_back_on(
    timed: Runtime, timed_client: FlaskClient, clock: FakeClock
) -> None:
    created = create(timed_client)
    toggle(
        timed_client,
        created["id"],
        json={"enabled": False, "note": "until noon", "until": "2026-12-02T12:00:00Z"},
    )
    assert created["id"] not in timed.engine.scheduled_ids()
    resumer = resume.Resumer(timed.service)
    clock.set(datetime(2026, 12, 2, 11, 59, 59, tzinfo=UTC))
    assert resumer.resume_due() == []
    assert timed_client.get(f"/api/v1/schedules/{created['id']}").get_json()["enabled"] is False
    clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    resumer.resume_due()  # the runtime's own turn may get there first: either switches it on
    after = timed_client.get(f"/api/v1/schedules/{created['id']}").get_json()
    assert (after["enabled"], after["pause_note"], after["paused_until"]) == (True, None, None)
    assert after["next_run"] is not None
    assert created["id"] in timed.engine.scheduled_ids()
    entries = timed_client.get("/api/v1/audit?actor=tickwork").get_json()["items"]
    assert [(e["action"], e["detail"]["enabled"]) for e in entries] == [("schedule.toggle", True)]
    assert resumer.resume_due() == []  # once


def test_the_runtime_checks_for_pauses_that_ran_out(
    timed: Runtime, timed_client: FlaskClient, clock: FakeClock
) -> None:
    created = create(timed_client)
    toggle(timed_client, created["id"], json={"enabled": False, "until": "2026-12-02T09:00:01Z"})
    clock.advance(seconds=1)
    wait_for(
        lambda: timed_client.get(f"/api/v1/schedules/{created['id']}").get_json()["enabled"],
        timeout=resume.INTERVAL_SECONDS * 4,
    )


def test_switching_off_cancels_queued_retries(timed: Runtime, timed_client: FlaskClient) -> None:
    created = create(timed_client)
    with timed.store.session() as session:
        retry = lifecycle.insert(
            session,
            NewRun(
                schedule_id=created["id"],
                trigger="retry",
                scheduled_for=T0 + timedelta(hours=1),
                queued_at=T0,
                command=["true"],
                owner="elsewhere:1:1.00",  # not this executor's: it stays queued
                attempt=2,
                not_before=T0 + timedelta(hours=1),
            ),
        )
    toggle(timed_client, created["id"], json={"enabled": False})
    run = timed_client.get(f"/api/v1/runs/{retry}").get_json()
    assert (run["status"], run["error"]) == (
        "cancelled",
        "cancelled: the schedule was switched off",
    )
