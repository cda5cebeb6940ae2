"""Two schedulers on one store never run a fire twice: both fire the same instant, the claim
key (schedule, instant) lets one insert win, and the other finds it claimed.

Both run in this process on one fake clock, so the instant comes when the test says rather than
at a real minute boundary; each has its own store connections, so the race is the database's.
The second learns of a schedule made through the first as another process would: by the
stored change counter, at its next poll.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from tests.clock import FakeClock
from tests.conftest import schedule_body, wait_for
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime

EVERY_MINUTE = "* * * * *"


def test_two_schedulers_on_one_store_never_run_a_fire_twice(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tickwork.dispatch")
    clock = FakeClock(datetime(2026, 11, 30, 9, 20, 30, tzinfo=UTC))
    first, second = Runtime(settings, clock=clock), Runtime(settings, clock=clock)
    first.start()
    second.start()
    try:
        client = create_app(first).test_client()
        body = schedule_body(
            workflow_type="job",
            parameters={},
            cron_schedule=EVERY_MINUTE,
            concurrency_policy="allow",  # so only the claim key can refuse the second run
        )
        response = client.post("/api/v1/schedules", json=body)
        assert response.status_code == 201, response.get_json()
        schedule = response.get_json()
        wait_for(lambda: second.engine.scheduled_ids() == {schedule["id"]}, timeout=10)

        clock.set(datetime(2026, 11, 30, 9, 21, 0, 300000, tzinfo=UTC))
        for runtime in (first, second):
            runtime.engine._fire(schedule["id"], EVERY_MINUTE, schedule["timezone"])
        assert first.engine.fires.wait_idle(timeout=20)
        assert second.engine.fires.wait_idle(timeout=20)

        runs = client.get(f"/api/v1/schedules/{schedule['id']}/runs").get_json()["items"]
        fired = [r for r in runs if r["scheduled_for"] == "2026-11-30T09:21:00Z"]
        assert len(fired) == 1, runs
        assert "already claimed" in caplog.text
    finally:
        second.stop()
        first.stop()
