"""Runs of known length and outcome, written through the lifecycle at instants before NOW,
for the statistics and reports tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from tests.conftest import QUIET_CRON, schedule_body
from tickwork.runtime import Runtime
from tickwork.store import lifecycle
from tickwork.store.lifecycle import Finish, NewRun, RunStatus

API = "/api/v1"
NOW = datetime(2026, 11, 30, 9, 40, tzinfo=UTC)  # a Monday


def create(client: FlaskClient, name: str, group: str | None = None) -> str:
    body = schedule_body(
        name=name, workflow_type="job", parameters={}, cron_schedule=QUIET_CRON, group=group
    )
    response = client.post(f"{API}/schedules", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def ended(
    rt: Runtime,
    schedule_id: str,
    seconds: float,
    outcome: RunStatus = RunStatus.SUCCESS,
    ago: timedelta = timedelta(minutes=30),
    cpu: float | None = None,
    memory: int | None = None,
) -> None:
    """A run of `schedule_id` that started `ago` before NOW and took `seconds`."""
    start = NOW - ago
    new = NewRun(
        schedule_id=schedule_id,
        trigger="manual",
        scheduled_for=start,
        queued_at=start,
        command=["true"],
        owner="elsewhere:1:1.00",
    )
    with rt.store.session() as session:
        run_id = lifecycle.insert(session, new)
        assert run_id is not None
        lifecycle.start(session, run_id, start, 4242, 1.0, "elsewhere:1:1.00", "/tmp/log")
        finish = Finish(
            outcome, start, start + timedelta(seconds=seconds), 0, "", None, cpu, memory
        )
        if outcome == RunStatus.LOST:  # its owner died: not a process's own end
            assert lifecycle.lose(session, run_id, "owner gone", finish.finished_at)
        else:
            assert lifecycle.finish(session, run_id, finish)
