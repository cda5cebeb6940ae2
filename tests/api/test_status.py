"""GET /api/v1/schedules/status, POST /api/v1/scheduler/pause and /resume"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.conftest import finished_run, wait_for
from tickwork.config import Settings
from tickwork.dashboard import Dashboard
from tickwork.runtime import Runtime
from tickwork.scheduler.forecast import NextFires, upcoming
from tickwork.store.tables import RunRow, ScheduleRow


def status(client: FlaskClient) -> dict:
    response = client.get("/api/v1/schedules/status")
    assert response.status_code == 200
    return dict(response.get_json())


def test_it_counts_schedules_and_lists_next_runs(
    client: FlaskClient, make_schedule: Callable
) -> None:
    hourly = make_schedule(name="hourly", cron_schedule="0 * * * *")
    make_schedule(name="yearly", cron_schedule="0 0 1 1 *")
    make_schedule(name="off", enabled=False)
    body = status(client)
    assert body["running"] is True and body["paused"] is False
    assert (body["schedules_total"], body["schedules_enabled"]) == (3, 2)
    # The next ten fires overall: hourly's ten, unless the new year comes within ten hours.
    assert {n["name"] for n in body["next_runs"]} <= {"hourly", "yearly"}
    assert len(body["next_runs"]) == 10
    assert body["next_runs"][0]["schedule_id"] == hourly["id"]
    assert body["next_runs"][0]["next_run"] == hourly["next_run"]


def test_next_runs_are_the_next_fires_overall_in_time_order(
    client: FlaskClient, make_schedule: Callable
) -> None:
    make_schedule(name="often", cron_schedule="*/5 * * * *")
    make_schedule(name="hourly", cron_schedule="0 * * * *")
    make_schedule(name="yearly", cron_schedule="0 0 1 1 *")
    upcoming = status(client)["next_runs"]
    times = [n["next_run"] for n in upcoming]
    assert len(upcoming) == 10 and times == sorted(times)
    names = [n["name"] for n in upcoming]
    assert names.count("often") >= 9 and set(names) <= {"often", "hourly"}
    assert set(upcoming[0]) == {"schedule_id", "name", "workflow_type", "timezone", "next_run"}


def test_upcoming_merges_the_schedules_fires_after_a_given_now() -> None:
    rows = [
        ScheduleRow(
            id="a", name="often", enabled=True, cron_schedule="*/5 * * * *", timezone="UTC"
        ),
        ScheduleRow(
            id="b", name="hourly", enabled=True, cron_schedule="0 * * * *", timezone="Europe/Berlin"
        ),
        ScheduleRow(id="c", name="off", enabled=False, cron_schedule="* * * * *", timezone="UTC"),
    ]
    now = datetime(2026, 12, 2, 10, 47, 30, tzinfo=UTC)
    got = upcoming(rows, 5, paused=False, now=now)
    at = [
        datetime(2026, 12, 2, h, m, tzinfo=UTC) for h, m in ((10, 50), (10, 55), (11, 0), (11, 5))
    ]
    assert got == [("a", at[0]), ("a", at[1]), ("a", at[2]), ("b", at[2]), ("a", at[3])]
    assert upcoming(rows, 5, paused=True, now=now) == []
    # The cached next fires answer the same, and again once the first of them has passed.
    known = NextFires()
    assert upcoming(rows, 5, paused=False, now=now, known=known) == got
    later = datetime(2026, 12, 2, 10, 52, tzinfo=UTC)
    assert upcoming(rows, 2, paused=False, now=later, known=known) == got[1:3]


def test_it_shows_running_runs_and_recent_results(
    client: FlaskClient, make_schedule: Callable
) -> None:
    slow = make_schedule(name="slow", workflow_type="job", parameters={"sleep": 60})
    fails = make_schedule(name="fails", workflow_type="job", parameters={"exit": 1})
    running = client.post(f"/api/v1/schedules/{slow['id']}/run").get_json()
    failed = finished_run(
        client, client.post(f"/api/v1/schedules/{fails['id']}/run").get_json()["id"]
    )
    body = status(client)
    assert [r["id"] for r in body["running_runs"]] == [running["id"]]
    assert body["running_runs"][0]["schedule_name"] == "slow"
    assert [r["id"] for r in body["recent_failures"]] == [failed["id"]]
    assert body["recent_counts"] == {"failed": 1}
    client.post(f"/api/v1/runs/{running['id']}/cancel")
    finished_run(client, running["id"])


def test_pause_stops_firing_and_is_kept(
    client: FlaskClient, make_schedule: Callable, settings: Settings
) -> None:
    make_schedule()
    paused = client.post("/api/v1/scheduler/pause").get_json()
    assert paused["paused"] is True and paused["running"] is False
    assert paused["next_runs"] == []
    assert client.get("/api/v1/schedules").get_json()["items"][0]["next_run"] is None
    # A restart keeps the scheduler paused.
    other = Runtime(settings)
    other.start()
    try:
        assert other.engine.paused is True
        assert other.dashboard.status().running is False
    finally:
        other.stop()
    resumed = client.post("/api/v1/scheduler/resume").get_json()
    assert resumed["paused"] is False and resumed["running"] is True
    assert len(resumed["next_runs"]) == 10  # one schedule, its next ten fires


def test_lists_of_runs_leave_the_command_out_and_one_run_has_it(
    client: FlaskClient, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"exit": 3})
    run = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()
    assert run["command"][-2:] == ["--exit", "3"]
    finished_run(client, run["id"])
    status = client.get("/api/v1/schedules/status").get_json()
    assert [r["id"] for r in status["recent_failures"]] == [run["id"]]
    assert status["recent_failures"][0]["command"] is None
    listed = client.get("/api/v1/schedules").get_json()["items"][0]["execution_history"]
    assert listed[0]["command"] is None
    history = client.get(f"/api/v1/schedules/{schedule['id']}/runs").get_json()["items"]
    assert history[0]["command"] is None
    assert client.get(f"/api/v1/runs/{run['id']}").get_json()["command"] == run["command"]


def test_running_runs_hold_only_running_ones_and_queued_ones_are_apart(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    # Four run slots (tests/conftest.py): five long runs leave one waiting.
    schedule = make_schedule(
        workflow_type="job", parameters={"sleep": 30}, concurrency_policy="allow"
    )
    ids = [
        client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()["id"] for _ in range(5)
    ]

    def settled() -> dict[str, Any] | None:
        status = client.get("/api/v1/schedules/status").get_json()
        return status if len(status["running_runs"]) == 4 else None

    status = wait_for(settled)
    assert {r["status"] for r in status["running_runs"]} == {"running"}
    assert [r["status"] for r in status["queued_runs"]] == ["queued"]
    assert {r["id"] for r in status["running_runs"] + status["queued_runs"]} == set(ids)
    for run_id in ids:
        client.post(f"/api/v1/runs/{run_id}/cancel")


def test_recent_counts_follow_the_24_hour_window_between_full_counts(
    runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    schedule = make_schedule()
    start = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    clock = FakeClock(start)
    board = Dashboard(runtime.settings, runtime.store, runtime.engine, runtime.service.cache, clock)

    def ended(status: str, at: datetime) -> None:
        with runtime.store.session() as session:
            session.add(
                RunRow(
                    schedule_id=schedule["id"],
                    trigger="manual",
                    attempt=1,
                    scheduled_for=at,
                    queued_at=at,
                    started_at=at,
                    finished_at=at,
                    duration_seconds=0.0,
                    status=status,
                    command=[],
                    output_tail="",
                )
            )

    ended("failed", start - timedelta(hours=23, minutes=59))  # leaves the window in a minute
    ended("success", start - timedelta(hours=1))
    ended("success", start - timedelta(hours=25))  # out of it already
    assert board.status().recent_counts == {"failed": 1, "success": 1}
    clock.advance(minutes=2)  # within the five minutes between full counts
    ended("timeout", clock.now())
    assert board.status().recent_counts == {"success": 1, "timeout": 1}
    clock.advance(minutes=10)  # a full count again
    assert board.status().recent_counts == {"success": 1, "timeout": 1}
