"""A `kill -9` of the server in the middle of a run: after a restart nothing of the old run is
still running and nothing is shown as running that is not. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_REGISTRY, alive, wait_for
from tests.faults.helpers import kill_9, pids_in_log
from tests.integration.server import Server
from tickwork.executor.identity import process_started_at
from tickwork.store.db import Store


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    srv = Server(tmp_path / "data", TEST_REGISTRY, database_url).start()
    yield srv
    srv.stop()


def start_long_run(server: Server) -> tuple[dict, dict[str, int]]:
    status, schedule = server.request(
        "POST",
        "/api/v1/schedules",
        {
            "name": "long",
            "workflow_type": "job",
            "cron_schedule": "0 3 * * *",
            "parameters": {"sleep": 300, "grandchild": True},
        },
    )
    assert status == 201
    _, run = server.request("POST", f"/api/v1/schedules/{schedule['id']}/run")
    return run, pids_in_log(server, run["id"])


def test_runs_of_a_killed_server_are_lost_and_their_processes_end(server: Server) -> None:
    run, pids = start_long_run(server)
    kill_9(server)
    # The run's processes outlive the server: they are in a session of their own.
    assert alive(pids["job pid"]) and alive(pids["grandchild"])
    server.start()
    recovered = server.get(f"/api/v1/runs/{run['id']}")
    assert recovered["status"] == "lost"
    assert "tickwork stopped" in recovered["error"]
    assert recovered["finished_at"] is not None
    wait_for(lambda: not alive(pids["job pid"]) and not alive(pids["grandchild"]), timeout=15)
    status = server.get("/api/v1/schedules/status")
    assert status["running_runs"] == []
    schedule = server.get(f"/api/v1/schedules/{run['schedule_id']}")
    assert schedule["last_status"] == "lost"


def test_a_pid_now_owned_by_someone_else_is_not_killed(
    server: Server, database_url: str | None
) -> None:
    run, pids = start_long_run(server)
    kill_9(server)
    for pid in pids.values():
        subprocess.run(["kill", "-9", str(pid)], check=False)
    wait_for(lambda: not alive(pids["job pid"]) and not alive(pids["grandchild"]))
    # A stranger in its own process group, whose pid we write into the run as if reused.
    stranger = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
    )
    try:
        store = Store(database_url or f"sqlite:///{server.data_dir / 'tickwork.db'}")
        with store.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE runs SET pid = :pid, pid_started_at = :t WHERE id = :id"),
                {
                    "pid": stranger.pid,
                    "t": process_started_at(stranger.pid) - 3600,
                    "id": run["id"],
                },
            )
        store.dispose()
        server.start()
        assert server.get(f"/api/v1/runs/{run['id']}")["status"] == "lost"
        assert stranger.poll() is None, "an unrelated process with a reused pid was killed"
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()


def test_a_queued_run_of_a_killed_server_starts_after_the_restart(
    tmp_path: Path, database_url: str | None
) -> None:
    """It never started, so it is not lost: the next server adopts it and starts it."""
    server = Server(
        tmp_path / "data", TEST_REGISTRY, database_url, ("--max-concurrent-runs", "1")
    ).start()
    try:
        _, schedule = server.request(
            "POST",
            "/api/v1/schedules",
            {
                "name": "q",
                "workflow_type": "job",
                "cron_schedule": "0 3 * * *",
                "parameters": {"sleep": 300},
                "concurrency_policy": "allow",
            },
        )
        _, quick = server.request(
            "POST",
            "/api/v1/schedules",
            {"name": "quick", "workflow_type": "job", "cron_schedule": "0 3 * * *"},
        )
        first = server.request("POST", f"/api/v1/schedules/{schedule['id']}/run")[1]
        wait_for(lambda: server.get(f"/api/v1/runs/{first['id']}")["status"] == "running")
        second = server.request("POST", f"/api/v1/schedules/{quick['id']}/run")[1]
        assert server.get(f"/api/v1/runs/{second['id']}")["status"] == "queued"
        kill_9(server)
        server.start()
        # The running one was recorded with its process: recovery ended it, and its slot.
        assert server.get(f"/api/v1/runs/{first['id']}")["status"] == "lost"
        done = wait_for(
            lambda: (r := server.get(f"/api/v1/runs/{second['id']}"))["status"] == "success" and r
        )
        assert done["started_at"] is not None and done["error"] is None
    finally:
        server.stop()


def test_leftovers_of_a_dead_leader_are_found_by_their_tag(server: Server) -> None:
    run, pids = start_long_run(server)
    kill_9(server)
    os.kill(pids["job pid"], signal.SIGKILL)  # the leader dies too: its group id is unsafe
    wait_for(lambda: not alive(pids["job pid"]))
    assert alive(pids["grandchild"])
    server.start()
    assert server.get(f"/api/v1/runs/{run['id']}")["status"] == "lost"
    wait_for(lambda: not alive(pids["grandchild"]), timeout=15)


def test_a_leaderless_group_of_strangers_is_not_killed(
    server: Server, database_url: str | None
) -> None:
    run, pids = start_long_run(server)
    kill_9(server)
    for pid in pids.values():
        os.kill(pid, signal.SIGKILL)
    # A stranger group whose leader has exited: its group id is the leader's old pid.
    leader = subprocess.Popen(
        ["sh", "-c", "sleep 120 >/dev/null 2>&1 & echo $!"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    member = int(leader.communicate(timeout=10)[0].strip())
    try:
        assert alive(member) and not alive(leader.pid)
        store = Store(database_url or f"sqlite:///{server.data_dir / 'tickwork.db'}")
        with store.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE runs SET pid = :pid, pid_started_at = 1 WHERE id = :id"),
                {"pid": leader.pid, "id": run["id"]},
            )
        store.dispose()
        server.start()
        assert server.get(f"/api/v1/runs/{run['id']}")["status"] == "lost"
        assert alive(member), "recovery signalled a group that was not the run's"
    finally:
        os.kill(member, signal.SIGKILL)
