"""POST /api/v1/schedules/{id}/toggle"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tickwork.runtime import Runtime


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
