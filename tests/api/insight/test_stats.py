"""GET /schedules/{id}/stats and GET /stats against runs of known durations and outcomes,
on a fake clock and both databases; and a real run that moves them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.insight.runs import API, create, ended
from tests.clock import FakeClock
from tests.conftest import finished_run
from tickwork.runtime import Runtime
from tickwork.store.lifecycle import RunStatus


def stats(client: FlaskClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_a_schedules_figures_over_its_window(client: FlaskClient, runtime: Runtime) -> None:
    sid = create(client, "scrape")
    for seconds in range(1, 21):  # 1..20 s: p50 10 s, p95 19 s, max 20 s
        ended(runtime, sid, float(seconds), cpu=0.5, memory=seconds * 1_000_000)
    ended(runtime, sid, 7.0, RunStatus.FAILED)
    ended(runtime, sid, 60.0, RunStatus.TIMEOUT, ago=timedelta(days=3))
    week = stats(client, f"{API}/schedules/{sid}/stats?window=7d")
    assert week["schedule_id"] == sid and week["bucket"] == "day"
    assert week["since"] == "2026-11-24T00:00:00Z" and week["until"] == "2026-12-01T00:00:00Z"
    assert week["runs"] == 22
    assert week["counts"] == {
        "success": 20,
        "failed": 1,
        "timeout": 1,
        "cancelled": 0,
        "lost": 0,
        "skipped": 0,
    }
    assert week["success_rate"] == pytest.approx(20 / 22, abs=1e-4)
    assert week["duration_p50"] == pytest.approx(10.0, rel=0.045)
    assert week["duration_p95"] == pytest.approx(20.0, rel=0.045)  # rank 21 of 22: 20 s
    assert week["duration_max"] == 60.0
    assert week["duration_total"] == pytest.approx(sum(range(1, 21)) + 7 + 60)
    assert week["cpu_seconds_mean"] == pytest.approx(0.5)
    assert week["peak_memory_max"] == 20_000_000
    series = week["series"]
    assert [p["start"][:10] for p in series][-1] == "2026-11-30" and len(series) == 7
    by_day = {p["start"][:10]: p for p in series}
    assert by_day["2026-11-27"]["counts"]["timeout"] == 1
    assert by_day["2026-11-30"]["runs"] == 21
    assert by_day["2026-11-28"]["runs"] == 0 and by_day["2026-11-28"]["duration_p95"] is None


def test_the_24h_window_comes_by_hour(client: FlaskClient, runtime: Runtime) -> None:
    sid = create(client, "hourly")
    ended(runtime, sid, 2.0, ago=timedelta(minutes=10))  # 09:30
    ended(runtime, sid, 4.0, RunStatus.FAILED, ago=timedelta(hours=5))  # 04:40
    ended(runtime, sid, 8.0, ago=timedelta(hours=30))  # yesterday, outside the window
    day = stats(client, f"{API}/schedules/{sid}/stats?window=24h")
    assert day["bucket"] == "hour" and len(day["series"]) == 24
    assert day["since"] == "2026-11-29T10:00:00Z"
    assert day["runs"] == 2 and day["success_rate"] == 0.5
    hours = {p["start"][11:13]: p["runs"] for p in day["series"] if p["runs"]}
    assert hours == {"04": 1, "09": 1}
    month = stats(client, f"{API}/schedules/{sid}/stats?window=30d")
    assert month["runs"] == 3 and len(month["series"]) == 30


def test_stats_per_group_and_for_everything(client: FlaskClient, runtime: Runtime) -> None:
    etl = [create(client, f"etl {i}", group="etl") for i in range(2)]
    loose = create(client, "loose")
    ended(runtime, etl[0], 10.0)
    ended(runtime, etl[1], 30.0, RunStatus.FAILED)
    ended(runtime, loose, 5.0, RunStatus.LOST)
    body = stats(client, f"{API}/stats?window=90d")
    assert body["bucket"] == "day" and len(body["all"]["series"]) == 90
    assert body["all"]["runs"] == 3 and body["all"]["counts"]["lost"] == 1
    assert body["all"]["success_rate"] == pytest.approx(1 / 3, abs=1e-4)
    groups = {g["group"]: g for g in body["groups"]}
    assert list(groups) == ["etl", None]  # the schedules in no group come last
    assert groups["etl"]["runs"] == 2 and groups["etl"]["duration_max"] == 30.0
    assert groups[None]["counts"]["lost"] == 1


def test_schedule_responses_carry_the_weeks_rate_and_p95(
    client: FlaskClient, runtime: Runtime
) -> None:
    busy, idle = create(client, "busy"), create(client, "idle")
    for seconds in (10.0, 10.0, 10.0, 100.0):
        ended(runtime, busy, seconds)
    ended(runtime, busy, 1.0, RunStatus.FAILED, ago=timedelta(days=10))  # outside the week
    ended(runtime, busy, 1.0, RunStatus.FAILED)
    items = {s["id"]: s for s in client.get(f"{API}/schedules").get_json()["items"]}
    assert items[busy]["success_rate_7d"] == pytest.approx(0.8)
    assert items[busy]["duration_p95"] == pytest.approx(100.0, rel=0.045)
    assert items[idle]["success_rate_7d"] is None and items[idle]["duration_p95"] is None
    one = client.get(f"{API}/schedules/{busy}").get_json()
    assert one["success_rate_7d"] == pytest.approx(0.8)


def test_a_real_run_moves_the_figures(
    client: FlaskClient, runtime: Runtime, clock: FakeClock
) -> None:
    # A process's start and end are read off the wall clock: the window is around them.
    clock.set(datetime.now(UTC))
    sid = create(client, "real")
    before = stats(client, f"{API}/stats?window=24h")["all"]["runs"]
    run = client.post(f"{API}/schedules/{sid}/run").get_json()
    assert finished_run(client, run["id"])["status"] == "success"
    clock.set(datetime.now(UTC))  # the hour may have turned while it ran
    mine = stats(client, f"{API}/schedules/{sid}/stats?window=24h")
    assert mine["runs"] == 1 and mine["counts"]["success"] == 1
    assert mine["duration_max"] is not None and mine["cpu_seconds_mean"] is not None
    assert stats(client, f"{API}/stats?window=24h")["all"]["runs"] == before + 1


def test_bad_windows_and_unknown_schedules_are_refused(client: FlaskClient) -> None:
    response = client.get(f"{API}/stats?window=1y")
    assert response.status_code == 422
    assert "window" in str(response.get_json())
    assert client.get(f"{API}/schedules/{'0' * 8}/stats").status_code == 404
    sid = create(client, "quiet")
    empty = stats(client, f"{API}/schedules/{sid}/stats")
    assert empty["window"] == "7d" and empty["runs"] == 0
    assert empty["success_rate"] is None and empty["duration_p95"] is None
