"""Bounded growth: history pruned by count and age with its log files; bodies and pages capped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import update

from tests.conftest import finished_run
from tickwork.runtime import Runtime
from tickwork.store.pruning import prune_history
from tickwork.store.tables import RunRow


def run_n(client: FlaskClient, schedule_id: str, n: int) -> list[dict]:
    ids = [client.post(f"/api/v1/schedules/{schedule_id}/run").get_json()["id"] for _ in range(n)]
    return [finished_run(client, run_id) for run_id in ids]


def log_file(runtime: Runtime, run: dict) -> Path:
    return runtime.settings.logs_dir / run["schedule_id"] / f"{run['id']}.log"


def test_history_is_pruned_by_count_with_its_logs(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={}, concurrency_policy="allow")
    other = make_schedule(name="other", workflow_type="job", parameters={})
    done = run_n(client, schedule["id"], 6)
    kept_other = run_n(client, other["id"], 1)
    assert all(log_file(runtime, r).exists() for r in done)
    settings = replace(runtime.settings, retention_runs=4)
    removed = prune_history(runtime.store, settings, datetime.now(UTC))
    assert removed == 2
    left = client.get(f"/api/v1/schedules/{schedule['id']}/runs").get_json()["items"]
    assert [r["id"] for r in left] == [r["id"] for r in done][::-1][:4]
    assert not log_file(runtime, done[0]).exists() and not log_file(runtime, done[1]).exists()
    assert log_file(runtime, done[-1]).exists()
    assert client.get(f"/api/v1/runs/{kept_other[0]['id']}").status_code == 200


def test_history_is_pruned_by_age_but_never_a_running_run(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={}, concurrency_policy="allow")
    old, recent = run_n(client, schedule["id"], 2)
    long = make_schedule(name="long", workflow_type="job", parameters={"sleep": 60})
    going = client.post(f"/api/v1/schedules/{long['id']}/run").get_json()
    with runtime.store.session() as session:
        session.execute(
            update(RunRow)
            .where(RunRow.id.in_([old["id"], going["id"]]))
            .values(finished_at=datetime.now(UTC) - timedelta(days=400))
        )
    removed = prune_history(runtime.store, runtime.settings, datetime.now(UTC))
    assert removed == 1
    assert client.get(f"/api/v1/runs/{old['id']}").status_code == 404
    assert client.get(f"/api/v1/runs/{recent['id']}").status_code == 200
    assert client.get(f"/api/v1/runs/{going['id']}").status_code == 200
    client.post(f"/api/v1/runs/{going['id']}/cancel")


def test_a_huge_body_is_refused_with_413(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/schedules",
        data=b'{"name": "' + b"x" * (17 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"


def test_long_strings_are_422_not_500(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/schedules",
        json={"name": "x" * 100_000, "workflow_type": "job", "cron_schedule": "* " * 5000},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {"name", "cron_schedule"}
