"""POST /api/v1/scheduler/pause and /resume: the pause keeps an optional note until resumed."""

from __future__ import annotations

from flask.testing import FlaskClient

from tickwork.runtime import Runtime


def test_a_pause_without_a_body_still_works(client: FlaskClient) -> None:
    status = client.post("/api/v1/scheduler/pause").get_json()
    assert (status["paused"], status["pause_note"]) == (True, None)


def test_the_note_shows_in_the_status_until_resumed(client: FlaskClient) -> None:
    paused = client.post("/api/v1/scheduler/pause", json={"note": "database upgrade"}).get_json()
    assert (paused["paused"], paused["pause_note"]) == (True, "database upgrade")
    status = client.get("/api/v1/schedules/status").get_json()
    assert status["pause_note"] == "database upgrade"
    resumed = client.post("/api/v1/scheduler/resume").get_json()
    assert (resumed["paused"], resumed["pause_note"]) == (False, None)
    # A later pause without a note does not bring the old one back.
    assert client.post("/api/v1/scheduler/pause", json={}).get_json()["pause_note"] is None


def test_the_note_survives_a_restart(client: FlaskClient, runtime: Runtime) -> None:
    client.post("/api/v1/scheduler/pause", json={"note": "until Monday"})
    runtime.stop()
    again = Runtime(runtime.settings)
    again.start()
    try:
        assert again.dashboard.status().pause_note == "until Monday"
    finally:
        again.stop()


def test_it_rejects_an_unknown_field_and_a_long_note(client: FlaskClient) -> None:
    response = client.post("/api/v1/scheduler/pause", json={"reason": "x"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "reason"
    response = client.post("/api/v1/scheduler/pause", json={"note": "x" * 501})
    assert response.status_code == 422
    assert client.get("/api/v1/schedules/status").get_json()["paused"] is False
