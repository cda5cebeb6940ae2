"""A real `tickwork serve` with real subprocesses: run now, failure, timeout, a cron fire at a
minute boundary, and schedules that survive a restart — on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import TEST_REGISTRY, alive, wait_for
from tests.integration.server import Server
from tickwork.config import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    srv = Server(tmp_path / "data", TEST_REGISTRY, database_url).start()
    yield srv
    srv.stop()


def create(server: Server, **body: object) -> dict:
    payload = {"name": "job", "workflow_type": "job", "cron_schedule": "0 3 * * *"} | body
    status, created = server.request("POST", "/api/v1/schedules", payload)
    assert status == 201, created
    return dict(created)


def run_to_end(server: Server, schedule_id: str, timeout: float = 30.0) -> dict:
    status, run = server.request("POST", f"/api/v1/schedules/{schedule_id}/run")
    assert status == 202, run
    return dict(
        wait_for(
            lambda: (r := server.get(f"/api/v1/runs/{run['id']}"))["finished_at"] and r,
            timeout,
        )
    )


def test_run_now_runs_the_demo_pipeline(server: Server) -> None:
    schedule = create(server, workflow_type="main", parameters={"regions": ["germany", "austria"]})
    run = run_to_end(server, schedule["id"])
    assert run["status"] == "success", run
    log = server.get(f"/api/v1/runs/{run['id']}/log")
    assert "scrape austria" in log["content"] and "workflow complete" in log["content"]
    assert (server.data_dir / "logs" / schedule["id"] / f"{run['id']}.log").exists()


def test_a_failing_run_reports_its_exit_code(server: Server) -> None:
    schedule = create(server, parameters={"exit": 7})
    run = run_to_end(server, schedule["id"])
    assert (run["status"], run["exit_code"]) == ("failed", 7)


def test_a_timeout_kills_the_whole_process_tree(server: Server) -> None:
    schedule = create(server, parameters={"sleep": 120, "grandchild": True}, timeout_seconds=2)
    run = run_to_end(server, schedule["id"])
    assert run["status"] == "timeout"
    grandchild = int(run["output_tail"].split("grandchild ")[1].split()[0])
    wait_for(lambda: not alive(grandchild), timeout=10)


def test_a_cron_fire_at_a_minute_boundary(server: Server) -> None:
    # Leave the scheduler time to take the job before the boundary we expect it to fire at.
    if datetime.now(UTC).second >= 50:
        time.sleep(61 - datetime.now(UTC).second)
    schedule = create(server, cron_schedule="* * * * *", timezone="Asia/Kolkata")
    created = datetime.fromisoformat(schedule["created_at"])
    boundary = created.replace(second=0, microsecond=0) + timedelta(minutes=1)
    first = wait_for(
        lambda: server.get(f"/api/v1/schedules/{schedule['id']}/runs")["items"], timeout=75
    )[-1]
    assert first["trigger"] == "schedule"
    assert datetime.fromisoformat(first["scheduled_for"]) == boundary
    # Claimed ahead of its instant (fire_lead_seconds, 2 s by default), started at it.
    lead = timedelta(seconds=Settings().fire_lead_seconds)
    assert datetime.fromisoformat(first["queued_at"]) >= boundary - lead
    run = wait_for(lambda: (r := server.get(f"/api/v1/runs/{first['id']}"))["finished_at"] and r)
    assert run["status"] == "success"
    assert datetime.fromisoformat(run["started_at"]) >= boundary


def test_schedules_and_history_survive_a_restart(server: Server) -> None:
    on = create(server, name="kept on", cron_schedule="0 8-23 * * 1-5")
    off = create(server, name="kept off", enabled=False)
    run = run_to_end(server, on["id"])
    server.request("POST", "/api/v1/scheduler/pause")
    assert server.stop() == 0
    server.start()
    listed = {s["name"]: s for s in server.get("/api/v1/schedules")["items"]}
    assert listed["kept on"]["enabled"] is True
    assert listed["kept off"]["enabled"] is False
    assert listed["kept on"]["last_status"] == "success"
    assert [r["id"] for r in listed["kept on"]["execution_history"]] == [run["id"]]
    status = server.get("/api/v1/schedules/status")
    assert status["paused"] is True and status["next_runs"] == []
    server.request("POST", "/api/v1/scheduler/resume")
    status = server.get("/api/v1/schedules/status")
    assert {n["schedule_id"] for n in status["next_runs"]} == {on["id"]}
    assert status["scheduled_jobs"] == 1
    assert datetime.fromisoformat(status["next_runs"][0]["next_run"]) > datetime.now(UTC)
    assert off["id"] not in [n["schedule_id"] for n in status["next_runs"]]


def test_an_import_by_another_process_reaches_the_running_scheduler(
    server: Server, tmp_path: Path
) -> None:
    import json
    import subprocess
    import sys

    source = tmp_path / "import.json"
    source.write_text(
        json.dumps([{"name": "from cli", "workflow_type": "job", "cron_schedule": "0 3 * * *"}])
    )
    env = {"PATH": "/usr/bin:/bin"}
    if server.database_url:
        env["TICKWORK_DATABASE_URL"] = server.database_url
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tickwork",
            "import",
            str(source),
            "--data-dir",
            str(server.data_dir),
            "--workflows",
            str(server.registry),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=60,
    )
    # The running scheduler holds a job for it: it learnt of the import through the store.
    wait_for(lambda: server.get("/api/v1/schedules/status")["scheduled_jobs"] == 1, timeout=15)
    upcoming = server.get("/api/v1/schedules/status")["next_runs"]
    assert {n["name"] for n in upcoming} == {"from cli"}
