"""A job that fills the disk under the data directory: the run ends `failed` with its exit code
recorded, and its schedule goes on firing once there is space again; with SQLite on that same
disk, the run's end is written as soon as space is back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest
from flask.testing import FlaskClient

from tests.conftest import finished_run, wait_for
from tests.tmpfs import fill, tmpfs
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime

# More than the 2 MiB disk holds, less than the log cap: the log, not the cap, hits the wall.
FLOOD = {"flood_mb": 3}


def start(settings: Settings) -> tuple[Runtime, FlaskClient]:
    rt = Runtime(replace(settings, log_max_bytes=8 * 1024 * 1024))
    rt.start()
    return rt, create_app(rt).test_client()


def flood_schedule(client: FlaskClient) -> dict[str, Any]:
    body = {
        "name": "flood",
        "workflow_type": "job",
        "cron_schedule": "0 3 * * *",
        "parameters": FLOOD,
        "concurrency_policy": "forbid",
    }
    response = client.post("/api/v1/schedules", json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def run_now(client: FlaskClient, schedule_id: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/schedules/{schedule_id}/run")
    assert response.status_code == 202, response.get_json()
    return dict(response.get_json())


def quiet_run_succeeds(client: FlaskClient, schedule_id: str) -> None:
    patched = client.patch(f"/api/v1/schedules/{schedule_id}", json={"parameters": {}})
    assert patched.status_code == 200, patched.get_json()
    second = run_now(client, schedule_id)
    assert second["status"] != "skipped", second
    assert finished_run(client, second["id"])["status"] == "success"


@pytest.fixture
def logs_on_small_disk(settings: Settings) -> Iterator[Settings]:
    """The logs directory on a 2 MiB disk of its own; the database stays elsewhere."""
    with tmpfs(settings.logs_dir, size="2m"):
        yield settings


def test_a_run_that_fills_the_disk_fails_and_frees_its_schedule(
    logs_on_small_disk: Settings,
) -> None:
    rt, client = start(logs_on_small_disk)
    try:
        schedule = flood_schedule(client)
        run = finished_run(client, run_now(client, schedule["id"])["id"], timeout=60)
        assert (run["status"], run["error"]) == ("failed", "no space left for its log")
        assert run["exit_code"] == 0 and run["cpu_seconds"] is not None
        assert run["output_tail"].endswith("job done\n")
        for path in (logs_on_small_disk.logs_dir / schedule["id"]).iterdir():
            path.unlink()  # space again
        quiet_run_succeeds(client, schedule["id"])
    finally:
        rt.stop()


@pytest.fixture
def sqlite_on_small_disk(tmp_path: Path) -> Iterator[Settings]:
    """The whole data directory, SQLite database included, on a 2 MiB disk."""
    from tests.conftest import TEST_REGISTRY

    with tmpfs(tmp_path / "data", size="2m") as data:
        yield Settings(
            data_dir=data, workflows=TEST_REGISTRY, kill_grace_seconds=1.0, shutdown_grace_seconds=2
        )


def test_a_run_whose_end_cannot_be_written_ends_once_space_is_back(
    sqlite_on_small_disk: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    rt, client = start(sqlite_on_small_disk)
    try:
        schedule = flood_schedule(client)
        filler = sqlite_on_small_disk.data_dir / "filler"
        fill(filler, leave=512 * 1024)  # the log takes the rest, the database gets none
        queued = run_now(client, schedule["id"])

        def job_pid() -> int | None:
            # Neither the log nor the row: on a disk this full either may lose the race for room.
            for child in psutil.Process().children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if "--flood-mb" in child.cmdline():
                        return int(child.pid)
            return None

        # The writer says so once for the first change it cannot write: the end, or the start
        # before it when the start lost the race for room too (the end then waits behind it).
        # Either comes after the spawn; the job (quick once its output has nowhere to go) may
        # be over before it is ever seen running.
        unwritten = [
            f"recording the {what} of run {queued['id']}: storage unavailable"
            for what in ("start", "end")
        ]
        wait_for(lambda: any(text in caplog.text for text in unwritten), timeout=30)
        wait_for(lambda: job_pid() is None, timeout=30)  # the job is over
        # The job is over and its end is not written (its start may not be either). Nothing
        # reads the run now: on a disk this full even SQLite's read may find no room.
        filler.unlink()
        run = finished_run(client, queued["id"], timeout=60)
        assert (run["status"], run["error"]) == ("failed", "no space left for its log")
        assert run["exit_code"] == 0
        for path in (sqlite_on_small_disk.logs_dir / schedule["id"]).iterdir():
            path.unlink()
        quiet_run_succeeds(client, schedule["id"])
    finally:
        rt.stop()
