"""GET /runs/{id}/resources: a real job's CPU, memory and processes over time, the figures its
end records, who may read them, and their pruning with the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import finished_run, wait_for
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime
from tickwork.store.pruning import prune_history
from tickwork.store.tables import RunResourceSampleRow

MiB = 1024 * 1024
HOG_MB = 100
BUSY = 10  # percent of a core
JOB = {"name": "quick job", "workflow_type": "job", "cron_schedule": "0 3 1 1 *"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, resource_sample_seconds=0.2)


def resources(client: FlaskClient, run_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/runs/{run_id}/resources")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def start_hog(client: FlaskClient, make_schedule: Callable, stop: Path) -> int:
    schedule = make_schedule(
        workflow_type="job",
        parameters={"hog_mb": HOG_MB, "burn_until": str(stop), "grandchild": True},
    )
    response = client.post(f"/api/v1/schedules/{schedule['id']}/run")
    assert response.status_code == 202, response.get_json()
    return int(response.get_json()["id"])


def hogging(body: dict[str, Any]) -> bool:
    """Three samples or more that saw the allocation and the grandchild, and one that saw the
    spinning: a tenth of a core at least, on a machine that others share."""
    big = [s for s in body["samples"] if s["rss_bytes"] >= HOG_MB * MiB and s["processes"] >= 2]
    return len(big) >= 3 and any(s["cpu_percent"] > BUSY for s in big)


def test_a_job_that_allocates_and_burns_cpu_is_sampled_while_it_runs(
    client: FlaskClient, make_schedule: Callable, tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    run_id = start_hog(client, make_schedule, stop)
    live = wait_for(lambda: (body := resources(client, run_id)) and hogging(body) and body, 60)
    assert live["status"] == "running"
    assert live["interval_seconds"] == pytest.approx(0.2)
    assert live["peak_memory_bytes"] >= HOG_MB * MiB
    assert live["cpu_percent_peak"] > BUSY
    assert live["samples"][0]["at"].endswith("Z")
    ats = [s["at"] for s in live["samples"]]
    assert ats == sorted(ats)
    stop.touch()
    run = finished_run(client, run_id)
    assert run["status"] == "success", run
    final = resources(client, run_id)
    assert len(final["samples"]) >= len(live["samples"])
    assert final["cpu_percent_peak"] == run["cpu_percent_peak"] > BUSY
    assert 0 < run["cpu_percent_mean"] <= run["cpu_percent_peak"]
    assert HOG_MB * MiB / 2 < run["memory_mean_bytes"] <= run["peak_memory_bytes"]
    assert final["memory_mean_bytes"] == run["memory_mean_bytes"]
    assert final["peak_memory_bytes"] == run["peak_memory_bytes"]


def quick_run(settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """A job of a moment on a server of `settings`: its run, and its resources."""
    rt = Runtime(settings)
    rt.start()
    try:
        client = create_app(rt).test_client()
        schedule = client.post("/api/v1/schedules", json=JOB).get_json()
        run_id = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()["id"]
        return finished_run(client, run_id), resources(client, run_id)
    finally:
        rt.stop()


def test_a_run_shorter_than_a_sample_has_no_points_but_its_cpu_mean(settings: Settings) -> None:
    run, body = quick_run(replace(settings, resource_sample_seconds=60.0))
    assert run["status"] == "success"
    assert body["samples"] == []
    assert body["interval_seconds"] == 60.0
    assert run["cpu_percent_peak"] is None and run["memory_mean_bytes"] is None
    assert run["cpu_percent_mean"] is not None and run["cpu_percent_mean"] >= 0


def test_with_sampling_off_a_run_has_no_interval(settings: Settings) -> None:
    run, body = quick_run(replace(settings, resource_sample_seconds=0.0))
    assert run["status"] == "success"
    assert (body["interval_seconds"], body["samples"]) == (None, [])


def test_the_samples_are_pruned_with_their_run(
    client: FlaskClient, make_schedule: Callable, runtime: Runtime
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"sleep": 1})  # a few samples long
    run_id = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()["id"]
    finished_run(client, run_id)
    assert samples_stored(runtime, run_id) > 0
    later = datetime.now(UTC) + timedelta(days=runtime.settings.retention_days + 1)
    assert prune_history(runtime.store, runtime.settings, later) == 1
    assert samples_stored(runtime, run_id) == 0
    assert client.get(f"/api/v1/runs/{run_id}/resources").status_code == 404


def samples_stored(runtime: Runtime, run_id: int) -> int:
    with runtime.store.reading() as session:
        count = session.scalar(select(func.count()).where(RunResourceSampleRow.run_id == run_id))
    return int(count or 0)


def test_an_unknown_run_has_no_resources(client: FlaskClient) -> None:
    response = client.get("/api/v1/runs/999999/resources")
    assert response.status_code == 404
    assert "999999" in response.get_json()["message"]


def test_a_viewer_may_read_them_and_an_outsider_may_not(
    viewer: FlaskClient, outsider: FlaskClient, runtime: Runtime, admin: FlaskClient
) -> None:
    schedule = admin.post("/api/v1/schedules", json=JOB).get_json()
    run = finished_run(
        admin, admin.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()["id"]
    )
    assert viewer.get(f"/api/v1/runs/{run['id']}/resources").status_code == 200
    assert outsider.get(f"/api/v1/runs/{run['id']}/resources").status_code == 401


def test_a_run_whose_schedule_is_deleted_while_sampled_ends_without_a_failed_write(
    client: FlaskClient,
    make_schedule: Callable,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"sleep": 60})
    run_id = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()["id"]
    wait_for(lambda: samples_stored(runtime, run_id) > 0)
    assert client.delete(f"/api/v1/schedules/{schedule['id']}").status_code == 204
    queue = runtime.executor.queue

    def idle() -> bool:
        view = queue()
        return view is not None and view.slots_busy == 0

    wait_for(idle)
    runtime.executor.shutdown(1.0)  # its writer has written (or refused) all it was given
    assert samples_stored(runtime, run_id) == 0
    failed = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert failed == [], [r.getMessage() for r in failed]
