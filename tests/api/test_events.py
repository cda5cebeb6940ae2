"""GET /api/v1/events"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient

from tickwork.errors import Busy
from tickwork.runtime import Runtime


def read_event(chunks: object) -> tuple[str, dict]:
    text = next(chunks).decode()  # type: ignore[call-overload]
    kind = text.split("event: ", 1)[1].split("\n", 1)[0]
    return kind, json.loads(text.split("data: ", 1)[1])


def test_it_streams_schedule_and_run_changes(client: FlaskClient, make_schedule: Callable) -> None:
    response = client.get("/api/v1/events", buffered=False)
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    assert next(chunks) == b"retry: 3000\n\n"
    created = make_schedule(workflow_type="job", parameters={})
    kind, data = read_event(chunks)
    assert (kind, data["action"], data["schedule"]["id"]) == ("schedule", "created", created["id"])
    run = client.post(f"/api/v1/schedules/{created['id']}/run").get_json()
    kind, data = read_event(chunks)
    assert (kind, data["action"], data["run"]["id"]) == ("run", "queued", run["id"])
    response.close()


def test_it_refuses_streams_beyond_the_cap(client: FlaskClient, runtime: Runtime) -> None:
    held = []
    try:
        while True:
            try:
                held.append(runtime.bus.subscribe())
            except Busy:
                break
        response = client.get("/api/v1/events")
        assert response.status_code == 503
        assert response.get_json()["error"] == "busy"
    finally:
        for q in held:
            runtime.bus.unsubscribe(q)
    assert len(held) == 16
    ok = client.get("/api/v1/events", buffered=False)
    assert ok.status_code == 200
    ok.close()
