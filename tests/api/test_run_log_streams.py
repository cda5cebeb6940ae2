"""GET /runs/{id}/log `segments` (stdout and stderr told apart) and GET /runs/{id}/log/download"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import finished_run
from tickwork.config import Settings
from tickwork.runtime import Runtime

ERR_LINES = ["oops: first problem", "oops: zweites Problem ö"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A small cap, so that one MiB of output is cut in the middle.
    return replace(settings, log_max_bytes=64 * 1024)


def run_job(client: FlaskClient, make_schedule: Callable, **parameters: Any) -> dict[str, Any]:
    schedule = make_schedule(workflow_type="job", parameters=parameters)
    queued = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()
    run = finished_run(client, queued["id"])
    assert run["status"] == "success", run
    return run


def by_stream(segments: list[dict[str, str]], stream: str) -> str:
    return "".join(s["text"] for s in segments if s["stream"] == stream)


def test_the_log_tells_stderr_from_stdout(client: FlaskClient, make_schedule: Callable) -> None:
    run = run_job(client, make_schedule, say=["hello"], err=ERR_LINES)
    log = client.get(f"/api/v1/runs/{run['id']}/log").get_json()
    segments = log["segments"]
    assert "".join(s["text"] for s in segments) == log["content"]
    assert {s["stream"] for s in segments} == {"stdout", "stderr"}
    assert set(segments[0]) == {"stream", "text"}
    assert by_stream(segments, "stderr") == "".join(f"{line}\n" for line in ERR_LINES)
    out = by_stream(segments, "stdout")
    assert "job started hello\n" in out and out.endswith("job done\n")
    assert "oops" not in out


def test_stderr_stays_marked_across_the_cut(client: FlaskClient, make_schedule: Callable) -> None:
    run = run_job(client, make_schedule, flood_mb=1, err=ERR_LINES)
    log = client.get(f"/api/v1/runs/{run['id']}/log").get_json()
    assert "bytes of output cut here" in log["content"]
    assert "".join(s["text"] for s in log["segments"]) == log["content"]
    # The errors came after the flood: they are in the kept tail, still marked.
    assert by_stream(log["segments"], "stderr") == "".join(f"{line}\n" for line in ERR_LINES)
    assert "cut here" in by_stream(log["segments"], "stdout")


def test_every_page_of_the_log_has_its_own_segments(
    client: FlaskClient, make_schedule: Callable
) -> None:
    run = run_job(client, make_schedule, say=["Grüße"], err=ERR_LINES)
    whole = client.get(f"/api/v1/runs/{run['id']}/log").get_json()
    pages, offset = [], 0
    for _ in range(1000):
        page = client.get(f"/api/v1/runs/{run['id']}/log?offset={offset}&limit=5").get_json()
        assert "".join(s["text"] for s in page["segments"]) == page["content"]
        assert all(s["text"] for s in page["segments"])
        pages.append(page)
        offset = page["next_offset"]
        if page["complete"]:
            break
    stderr = "".join(by_stream(p["segments"], "stderr") for p in pages)
    assert stderr == by_stream(whole["segments"], "stderr")


def test_a_log_without_stream_ranges_is_one_stdout_segment(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable
) -> None:
    run = run_job(client, make_schedule, err=ERR_LINES)
    for sidecar in (runtime.settings.logs_dir / run["schedule_id"]).glob("*.streams"):
        sidecar.unlink()  # as a run logged before streams were told apart
    log = client.get(f"/api/v1/runs/{run['id']}/log").get_json()
    assert log["segments"] == [{"stream": "stdout", "text": log["content"]}]


def test_the_download_is_the_raw_log_file(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable
) -> None:
    run = run_job(client, make_schedule, flood_mb=1, err=ERR_LINES)
    response = client.get(f"/api/v1/runs/{run['id']}/log/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="run-{run["id"]}.log"'
    path = runtime.settings.logs_dir / run["schedule_id"] / f"{run['id']}.log"
    assert response.get_data() == Path(path).read_bytes()
    assert b"bytes of output cut here" in response.get_data()


def test_the_download_of_a_run_without_a_log_is_empty(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"sleep": 60})
    first = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()
    skipped = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()
    assert skipped["status"] == "skipped"
    response = client.get(f"/api/v1/runs/{skipped['id']}/log/download")
    assert (response.status_code, response.get_data()) == (200, b"")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    client.post(f"/api/v1/runs/{first['id']}/cancel")
    finished_run(client, first["id"])


def test_the_download_of_an_unknown_run_is_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/runs/999999/log/download")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "no run 999999"}


def test_viewers_may_download_and_outsiders_may_not(
    viewer: FlaskClient, outsider: FlaskClient, admin: FlaskClient
) -> None:
    schedule = admin.post(
        "/api/v1/schedules",
        json={"name": "dl", "workflow_type": "job", "cron_schedule": "0 3 * * *"},
    ).get_json()
    queued = admin.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()
    finished_run(admin, queued["id"])
    assert viewer.get(f"/api/v1/runs/{queued['id']}/log/download").status_code == 200
    assert outsider.get(f"/api/v1/runs/{queued['id']}/log/download").status_code == 401
