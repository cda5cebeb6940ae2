"""GET /queue: the queued runs in start order, with why each waits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import schedule_body, wait_for
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime


@pytest.fixture
def one_slot(settings: Settings) -> Iterator[FlaskClient]:
    rt = Runtime(replace(settings, max_concurrent_runs=1))
    rt.start()
    try:
        yield create_app(rt).test_client()
    finally:
        rt.stop()


def job(client: FlaskClient, name: str, **fields: Any) -> str:
    body = schedule_body(name=name, workflow_type="job", parameters={"sleep": 60}, **fields)
    response = client.post("/api/v1/schedules", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def run_now(client: FlaskClient, schedule_id: str) -> int:
    response = client.post(f"/api/v1/schedules/{schedule_id}/run")
    assert response.status_code == 202, response.get_json()
    return int(response.get_json()["id"])


def status(client: FlaskClient, run_id: int) -> str:
    return str(client.get(f"/api/v1/runs/{run_id}").get_json()["status"])


def test_it_lists_queued_runs_by_priority_with_why_they_wait(one_slot: FlaskClient) -> None:
    busy = run_now(one_slot, job(one_slot, "busy"))
    wait_for(lambda: status(one_slot, busy) == "running")
    low = run_now(one_slot, job(one_slot, "low", priority=-5))
    high = run_now(one_slot, job(one_slot, "high", priority=10))
    middle = run_now(one_slot, job(one_slot, "middle"))
    queue = one_slot.get("/api/v1/queue").get_json()
    assert (queue["slots_total"], queue["slots_busy"]) == (1, 1)
    assert [i["run"]["id"] for i in queue["items"]] == [high, middle, low]
    assert [i["position"] for i in queue["items"]] == [1, 2, 3]
    assert [i["priority"] for i in queue["items"]] == [10, 0, -5]
    assert {i["wait"] for i in queue["items"]} == {"slots"}
    assert "slot" in queue["items"][0]["reason"]
    assert queue["items"][0]["run"]["schedule_name"] == "high"


def test_a_cancelled_run_leaves_the_queue(one_slot: FlaskClient) -> None:
    busy = run_now(one_slot, job(one_slot, "busy"))
    wait_for(lambda: status(one_slot, busy) == "running")
    waiting = run_now(one_slot, job(one_slot, "waiting"))
    assert one_slot.post(f"/api/v1/runs/{waiting}/cancel").status_code == 202
    assert one_slot.get("/api/v1/queue").get_json()["items"] == []
    assert one_slot.post(f"/api/v1/runs/{busy}/cancel").status_code == 202
    wait_for(lambda: status(one_slot, busy) == "cancelled")
    assert status(one_slot, waiting) == "cancelled"  # it never started once the slot freed


def test_a_buffer_one_run_waits_for_its_schedules_run(client: FlaskClient) -> None:
    schedule = job(client, "buffered", concurrency_policy="buffer_one")
    first = run_now(client, schedule)
    wait_for(lambda: status(client, first) == "running")
    second = run_now(client, schedule)
    third = run_now(client, schedule)
    [item] = client.get("/api/v1/queue").get_json()["items"]
    assert (item["run"]["id"], item["wait"]) == (second, "overlap")
    assert f"#{first}" in item["reason"]
    skipped = wait_for(
        lambda: client.get(f"/api/v1/runs/{third}").get_json()["status"] == "skipped"
    )
    assert skipped
    assert "already waiting (buffer_one)" in client.get(f"/api/v1/runs/{third}").get_json()["error"]


def test_a_web_only_process_lists_the_stored_queue(
    one_slot: FlaskClient, settings: Settings
) -> None:
    web = Runtime(replace(settings, max_concurrent_runs=1))
    web.start(scheduler=False)
    try:
        viewer = create_app(web).test_client()
        assert viewer.get("/api/v1/queue").get_json()["items"] == []
        # Runs queued by the serving process, seen from the web-only one.
        busy = run_now(one_slot, job(one_slot, "busy"))
        wait_for(lambda: status(one_slot, busy) == "running")
        low = run_now(one_slot, job(one_slot, "low", priority=-1))
        high = run_now(one_slot, job(one_slot, "high", priority=3))
        queue = viewer.get("/api/v1/queue").get_json()
        assert (queue["slots_total"], queue["slots_busy"]) == (1, 1)
        assert [i["run"]["id"] for i in queue["items"]] == [high, low]
        assert [i["wait"] for i in queue["items"]] == ["slots", "slots"]
    finally:
        web.stop()


def test_a_viewer_may_read_the_queue(viewer: FlaskClient, outsider: FlaskClient) -> None:
    assert viewer.get("/api/v1/queue").status_code == 200
    assert outsider.get("/api/v1/queue").status_code == 401
