"""SIGTERM and SIGINT: stop firing, let runs finish within the grace period, then stop them
and record them as such; nothing half-written, nothing left running."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.conftest import TEST_REGISTRY, alive, wait_for
from tests.faults.helpers import pids_in_log
from tests.integration.server import Server


def serve(tmp_path: Path, database_url: str | None, grace: float) -> Server:
    server = Server(tmp_path / "data", TEST_REGISTRY, database_url)
    return server.start_with_env({"TICKWORK_SHUTDOWN_GRACE_SECONDS": str(grace)})


def run_job(server: Server, sleep: float) -> dict:
    _, schedule = server.request(
        "POST",
        "/api/v1/schedules",
        {
            "name": f"sleep {sleep}",
            "workflow_type": "job",
            "cron_schedule": "0 3 * * *",
            "parameters": {"sleep": sleep, "grandchild": True},
        },
    )
    _, run = server.request("POST", f"/api/v1/schedules/{schedule['id']}/run")
    return dict(run)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_short_run_finishes_within_the_grace_period(
    tmp_path: Path, database_url: str | None, sig: int
) -> None:
    server = serve(tmp_path, database_url, grace=30)
    run = run_job(server, sleep=2)
    pids_in_log(server, run["id"])
    assert server.stop(sig) == 0
    server.start()
    try:
        finished = server.get(f"/api/v1/runs/{run['id']}")
        assert finished["status"] == "success", finished
    finally:
        server.stop()


def test_a_long_run_is_stopped_after_the_grace_period(
    tmp_path: Path, database_url: str | None
) -> None:
    server = serve(tmp_path, database_url, grace=1)
    run = run_job(server, sleep=300)
    pids = pids_in_log(server, run["id"])
    assert server.stop() == 0
    assert not alive(pids["job pid"])
    wait_for(lambda: not alive(pids["grandchild"]), timeout=10)
    server.start()
    try:
        stopped = server.get(f"/api/v1/runs/{run['id']}")
        assert stopped["status"] == "cancelled"
        assert "shut down" in stopped["error"]
        assert stopped["finished_at"] is not None
    finally:
        server.stop()
