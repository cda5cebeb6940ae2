"""The run queue through a real `tickwork serve` with one run slot: queued runs start in
priority order, and a queued run outlives a restart (it starts after it, it is not lost)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_REGISTRY, wait_for
from tests.integration.server import Server


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    srv = Server(tmp_path / "data", TEST_REGISTRY, database_url, ("--max-concurrent-runs", "1"))
    srv.start_with_env({"TICKWORK_SHUTDOWN_GRACE_SECONDS": "1"})
    yield srv
    srv.stop()


def schedule(server: Server, name: str, **fields: Any) -> str:
    body = {"name": name, "workflow_type": "job", "cron_schedule": "0 3 * * *", **fields}
    status, created = server.request("POST", "/api/v1/schedules", body)
    assert status == 201, created
    return str(created["id"])


def run_now(server: Server, schedule_id: str) -> int:
    status, run = server.request("POST", f"/api/v1/schedules/{schedule_id}/run")
    assert status == 202, run
    return int(run["id"])


def run(server: Server, run_id: int) -> dict[str, Any]:
    return dict(server.get(f"/api/v1/runs/{run_id}"))


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def finished(server: Server, run_id: int) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        found = run(server, run_id)
        return found if found["status"] not in ("queued", "running") else None

    return dict(wait_for(ended, timeout=30))


def hold_the_slot(server: Server) -> int:
    long = run_now(server, schedule(server, "long", parameters={"sleep": 300}))
    wait_for(lambda: run(server, long)["status"] == "running")
    return long


def test_queued_runs_start_in_priority_order(server: Server) -> None:
    long = hold_the_slot(server)
    low = run_now(server, schedule(server, "low", priority=-10))
    high = run_now(server, schedule(server, "high", priority=20))
    middle = run_now(server, schedule(server, "middle", priority=5))
    queue = server.get("/api/v1/queue")
    assert [i["run"]["id"] for i in queue["items"]] == [high, middle, low]
    status, _ = server.request("POST", f"/api/v1/runs/{long}/cancel")
    assert status == 202
    ended = [finished(server, r) for r in (low, high, middle)]
    assert {r["status"] for r in ended} == {"success"}
    by_start = sorted(ended, key=lambda r: at(r["started_at"]))
    assert [r["id"] for r in by_start] == [high, middle, low]
    # One slot: each started after the one before it had finished.
    for before, after in zip(by_start, by_start[1:], strict=False):
        assert at(before["finished_at"]) <= at(after["started_at"])


def test_a_queued_run_starts_after_a_restart(server: Server) -> None:
    long = hold_the_slot(server)
    waiting = run_now(server, schedule(server, "waiting"))
    assert run(server, waiting)["status"] == "queued"
    assert server.stop() == 0
    server.start()
    assert run(server, long)["status"] == "cancelled"  # stopped by the shutdown's grace
    done = finished(server, waiting)
    assert done["status"] == "success", done
    assert done["started_at"] is not None
