"""Run control through a real `tickwork serve` with real failing jobs: retries linked by
parent_run_id, a chain after the final outcome, and pause on failure — on both stores.

The retry and chain tests need the executor to start the runs an end queues (`Moved.follow_ups`)
and to build chained runs' commands from its registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_REGISTRY, wait_for
from tests.integration.server import Server

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    srv = Server(tmp_path / "data", TEST_REGISTRY, database_url).start()
    yield srv
    srv.stop()


def create(server: Server, **body: object) -> dict[str, Any]:
    payload = {"name": "job", "workflow_type": "job", "cron_schedule": "0 3 * * *"} | body
    status, created = server.request("POST", "/api/v1/schedules", payload)
    assert status == 201, created
    return dict(created)


def run_now(server: Server, schedule_id: str) -> dict[str, Any]:
    status, run = server.request("POST", f"/api/v1/schedules/{schedule_id}/run")
    assert status == 202, run
    return dict(run)


def ended_runs(server: Server, schedule_id: str, count: int) -> list[dict[str, Any]]:
    """The schedule's runs, oldest first, once `count` of them exist and all have ended."""

    def done() -> list[dict[str, Any]] | None:
        items = server.get(f"/api/v1/schedules/{schedule_id}/runs")["items"]
        ended = len(items) == count and all(r["finished_at"] for r in items)
        return list(reversed(items)) if ended else None

    return list(wait_for(done, timeout=60))


def test_a_failing_job_is_tried_three_times_linked_by_parent(server: Server) -> None:
    schedule = create(
        server, parameters={"exit": 3}, max_retries=2, retry_delay_seconds=0, priority=5
    )
    first = run_now(server, schedule["id"])
    runs = ended_runs(server, schedule["id"], 3)
    assert [(r["trigger"], r["attempt"], r["status"], r["exit_code"]) for r in runs] == [
        ("manual", 1, "failed", 3),
        ("retry", 2, "failed", 3),
        ("retry", 3, "failed", 3),
    ]
    assert [r["parent_run_id"] for r in runs] == [None, first["id"], runs[1]["id"]]
    assert [r["priority"] for r in runs[1:]] == [5, 5]
    # No fourth attempt comes: the retries are used up.
    assert server.get(f"/api/v1/schedules/{schedule['id']}/runs")["total"] == 3


def test_a_dependent_runs_once_after_the_last_attempt(server: Server) -> None:
    upstream = create(
        server, name="extract", parameters={"exit": 1}, max_retries=1, retry_delay_seconds=0
    )
    dependent = create(
        server,
        name="alert",
        parameters={"say": ["upstream failed"]},
        depends_on=[{"schedule_id": upstream["id"], "on": "failure"}],
    )
    run_now(server, upstream["id"])
    attempts = ended_runs(server, upstream["id"], 2)
    (chained,) = ended_runs(server, dependent["id"], 1)
    assert (chained["trigger"], chained["status"], chained["parent_run_id"]) == (
        "chain",
        "success",
        attempts[-1]["id"],
    )
    log = server.get(f"/api/v1/runs/{chained['id']}/log")["content"]
    assert "job started upstream failed" in log


def test_a_final_failure_switches_a_pause_on_failure_schedule_off(server: Server) -> None:
    schedule = create(server, parameters={"exit": 2}, pause_on_failure=True)
    run = run_now(server, schedule["id"])

    def switched_off() -> dict[str, Any] | None:
        found = server.get(f"/api/v1/schedules/{schedule['id']}")
        return dict(found) if not found["enabled"] else None

    off = wait_for(switched_off, timeout=30)
    assert off["pause_note"] == f"switched off: run #{run['id']} failed"
    assert off["next_run"] is None
    status = wait_for(
        lambda: (s := server.get("/api/v1/schedules/status"))["scheduled_jobs"] == 0 and s,
        timeout=30,
    )
    assert status["schedules_enabled"] == 0
