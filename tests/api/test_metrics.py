"""GET /metrics: it parses with prometheus_client's own parser, its counters move when real runs
end, its gauges say what the store holds, and with authentication on it wants a token.

On both databases and a fake clock, so durations and lateness are exact; runs are real
processes, waited for by their `finished` event (published after the end committed, hence
after the metrics counted it).
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.clock import FakeClock
from tests.conftest import API_TOKEN, TEST_REGISTRY, finished_run, wait_for
from tickwork import __version__
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.events import Event
from tickwork.runtime import Runtime
from tickwork.scheduler.state import beat
from tickwork.store import lifecycle
from tickwork.store.lifecycle import NewRun

API = "/api/v1"
METRICS_TOKEN = "tw-metrics-token-51be0a"
Families = dict[str, list[Sample]]


@pytest.fixture
def clock() -> FakeClock:
    # Standing still at the real time: a run's start and end are real times (the executor
    # measures, the clock decides), and a fire's lateness is the one against the other.
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, health_check_interval_seconds=3600, default_timezone="UTC")


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(settings, clock=clock)
    rt.start()
    yield rt
    rt.stop()


def scrape(client: FlaskClient, **headers: str) -> Families:
    """Every sample, by metric family, as Prometheus's own parser reads the answer."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(families: Families, name: str, sample: str | None = None, /, **labels: str) -> float:
    """The one sample of `name` (or of its `sample`, such as a histogram's _count) whose
    labels include `labels`; 0 when there is none yet (a counter not yet touched)."""
    wanted = sample or name
    found = [
        s for s in families.get(name, []) if s.name == wanted and labels.items() <= s.labels.items()
    ]
    assert len(found) <= 1, found
    return found[0].value if found else 0.0


def run_event(events: queue.Queue[Event], run_id: int, action: str) -> Event:
    """Wait for the bus to tell that run `run_id` `action` (started, finished)."""

    def seen() -> Event | None:
        while True:
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                return None
            if event.kind == "run" and event.data == {"action": action, "run_id": run_id}:
                return event

    event: Event = wait_for(seen)
    return event


def run_to_end(runtime: Runtime, client: FlaskClient, schedule_id: str) -> dict[str, Any]:
    events = runtime.bus.subscribe()
    try:
        run = client.post(f"{API}/schedules/{schedule_id}/run").get_json()
        run_event(events, run["id"], "finished")
    finally:
        runtime.bus.unsubscribe(events)
    return finished_run(client, run["id"])


def stamp(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_it_parses_and_counts_runs_as_they_end(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict[str, Any]]
) -> None:
    before = scrape(client)
    assert value(before, "tickwork_build_info", version=__version__) == 1
    assert value(before, "tickwork_database_up") == 1
    good = make_schedule(name="good", workflow_type="job", parameters={"exit": 0})
    bad = make_schedule(name="bad", workflow_type="job", parameters={"exit": 3})
    assert value(before, "tickwork_runs_finished", "tickwork_runs_finished_total") == 0

    first = run_to_end(runtime, client, good["id"])
    second = run_to_end(runtime, client, good["id"])
    failed = run_to_end(runtime, client, bad["id"])
    assert (first["status"], failed["status"]) == ("success", "failed")

    after = scrape(client)
    finished = "tickwork_runs_finished_total"

    def count(schedule: str, status: str) -> float:
        labels = {"schedule": schedule, "status": status, "trigger": "manual"}
        return value(after, "tickwork_runs_finished", finished, **labels)

    assert count(good["id"], "success") == 2
    assert count(bad["id"], "failed") == 1
    assert count(bad["id"], "success") == 0
    duration = "tickwork_run_duration_seconds"
    assert value(after, duration, f"{duration}_count", schedule=good["id"]) == 2
    assert value(after, duration, f"{duration}_count", schedule=bad["id"]) == 1
    # What the runs took as the history says it (rounded there to the millisecond).
    took = first["duration_seconds"] + second["duration_seconds"]
    assert value(after, duration, f"{duration}_sum", schedule=good["id"]) == pytest.approx(
        took, abs=0.001
    )
    buckets = [s for s in after[duration] if s.name.endswith("_bucket")]
    assert value(after, duration, f"{duration}_bucket", schedule=good["id"], le="+Inf") == 2
    assert {s.labels["le"] for s in buckets} >= {"1.0", "60.0", "3600.0", "43200.0"}
    # Manual runs are not fires: lateness counts none of them.
    assert (
        value(after, "tickwork_fire_lateness_seconds", "tickwork_fire_lateness_seconds_count") == 0
    )

    info = {
        "schedule": good["id"],
        "name": "good",
        "workflow_type": "job",
        "group": "",
    }
    assert value(after, "tickwork_schedule_info", **info) == 1
    assert value(after, "tickwork_schedule_enabled", schedule=bad["id"]) == 1
    success = "tickwork_schedule_last_success_timestamp_seconds"
    assert value(after, success, schedule=good["id"]) == stamp(second["finished_at"])
    assert not [s for s in after[success] if s.labels["schedule"] == bad["id"]]  # none yet
    # prometheus_client's `_created` series are left out: they would double the series.
    assert not [s.name for samples in after.values() for s in samples if "_created" in s.name]


def test_a_cron_fire_counts_its_lateness(
    client: FlaskClient,
    runtime: Runtime,
    clock: FakeClock,
    make_schedule: Callable[..., dict[str, Any]],
) -> None:
    schedule = make_schedule(name="hourly", workflow_type="job", parameters={"exit": 0})
    lateness = "tickwork_fire_lateness_seconds"
    before = scrape(client)
    assert value(before, lateness, f"{lateness}_count") == 0
    events = runtime.bus.subscribe()
    # A fire claimed 3 s after its instant: its process starts at least that late.
    fired = runtime.dispatcher.fire_at(
        schedule["id"], clock.now() - timedelta(seconds=3), clock.now()
    )
    assert fired is not None and fired.status == "queued"
    run_event(events, fired.run_id, "finished")
    run = finished_run(client, fired.run_id)
    assert run["trigger"] == "schedule"

    after = scrape(client)
    late = stamp(run["started_at"]) - stamp(run["scheduled_for"])
    assert late >= 3
    assert value(after, lateness, f"{lateness}_count") == 1
    assert value(after, lateness, f"{lateness}_sum") == pytest.approx(late, abs=1e-6)
    assert value(after, lateness, f"{lateness}_bucket", le="2.5") == 0
    assert value(after, lateness, f"{lateness}_bucket", le="+Inf") == 1
    labels = {"schedule": schedule["id"], "status": "success", "trigger": "schedule"}
    assert value(after, "tickwork_runs_finished", "tickwork_runs_finished_total", **labels) == 1


def test_gauges_say_what_is_queued_running_and_paused(
    client: FlaskClient,
    runtime: Runtime,
    clock: FakeClock,
    make_schedule: Callable[..., dict[str, Any]],
) -> None:
    first = scrape(client)
    assert value(first, "tickwork_queue_depth") == 0
    assert value(first, "tickwork_runs_running") == 0
    assert value(first, "tickwork_scheduler_up") == 1
    assert value(first, "tickwork_scheduler_paused") == 0
    beat_at = "tickwork_scheduler_last_heartbeat_timestamp_seconds"
    assert value(first, beat_at) == clock.now().timestamp()

    slow = make_schedule(name="slow", workflow_type="job", parameters={"sleep": 60})
    events = runtime.bus.subscribe()
    running = client.post(f"{API}/schedules/{slow['id']}/run").get_json()
    run_event(events, running["id"], "started")
    # A run of another process's, waiting: nobody here takes it from the queue.
    now = clock.now()
    with runtime.store.session() as session:
        waiting = lifecycle.insert(
            session,
            NewRun(slow["id"], "manual", now, now, ["true"], owner="elsewhere:1:1.00"),
        )
    assert client.post(f"{API}/scheduler/pause").status_code == 200

    busy = scrape(client)
    assert value(busy, "tickwork_queue_depth") == 1
    assert value(busy, "tickwork_runs_running") == 1
    assert value(busy, "tickwork_scheduler_paused") == 1
    assert value(busy, "tickwork_scheduler_up") == 1  # paused is not down

    for run_id in (running["id"], waiting):
        assert client.post(f"{API}/runs/{run_id}/cancel").status_code == 202
        run_event(events, run_id, "finished")
    client.post(f"{API}/scheduler/resume")
    idle = scrape(client)
    assert value(idle, "tickwork_queue_depth") == 0
    assert value(idle, "tickwork_runs_running") == 0
    assert value(idle, "tickwork_scheduler_paused") == 0
    cancelled = {"schedule": slow["id"], "status": "cancelled", "trigger": "manual"}
    assert value(idle, "tickwork_runs_finished", "tickwork_runs_finished_total", **cancelled) == 2
    duration = "tickwork_run_duration_seconds"
    # The one that ran has a duration; the one cancelled while queued never ran.
    assert value(idle, duration, f"{duration}_count", schedule=slow["id"]) == 1


def test_without_a_scheduler_here_up_follows_the_stored_heartbeat(
    settings: Settings, clock: FakeClock
) -> None:
    rt = Runtime(settings, clock=clock)
    rt.start(scheduler=False)  # `tickwork web`: the scheduler runs elsewhere, or nowhere
    try:
        client = create_app(rt).test_client()
        never = scrape(client)
        assert value(never, "tickwork_scheduler_up") == 0
        assert "tickwork_scheduler_last_heartbeat_timestamp_seconds" not in never
        with rt.store.session() as session:
            beat(session, clock.now())  # a scheduler in another process is alive
        assert value(scrape(client), "tickwork_scheduler_up") == 1
        clock.advance(seconds=31)  # ... and then no longer beats
        assert value(scrape(client), "tickwork_scheduler_up") == 0
    finally:
        rt.stop()


def test_without_the_schedule_label_it_counts_all_runs_together(
    settings: Settings, clock: FakeClock
) -> None:
    rt = Runtime(replace(settings, metrics_per_schedule=False), clock=clock)
    rt.start()
    try:
        client = create_app(rt).test_client()
        schedule = client.post(
            f"{API}/schedules",
            json={
                "name": "one of thousands",
                "workflow_type": "job",
                "parameters": {"exit": 0},
                "cron_schedule": "0 3 1 1 *",
            },
        ).get_json()
        run_to_end(rt, client, schedule["id"])
        families = scrape(client)
    finally:
        rt.stop()
    finished = families["tickwork_runs_finished"]
    assert [(s.labels, s.value) for s in finished] == [
        ({"status": "success", "trigger": "manual"}, 1.0)
    ]
    duration = "tickwork_run_duration_seconds"
    assert value(families, duration, f"{duration}_count") == 1
    assert all("schedule" not in s.labels for s in families[duration])
    for name in ("info", "enabled", "last_success_timestamp_seconds"):
        assert f"tickwork_schedule_{name}" not in families
    assert value(families, "tickwork_queue_depth") == 0


# -- who may scrape -------------------------------------------------------------------------


@pytest.fixture
def tokens(settings: Settings) -> Settings:
    return replace(settings, api_token=API_TOKEN, metrics_token=METRICS_TOKEN)


def test_with_tokens_configured_it_wants_one_of_them(
    tokens: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rt = Runtime(tokens, clock=clock)
    rt.start()
    try:
        client = create_app(rt).test_client()
        answers = []
        for header in (None, "Bearer wrong", f"Basic {METRICS_TOKEN}"):
            response = client.get("/metrics", headers={"Authorization": header} if header else {})
            assert response.status_code == 401, header
            answers.append(response.get_data(as_text=True))
        for token in (API_TOKEN, METRICS_TOKEN):
            families = scrape(client, Authorization=f"Bearer {token}")
            assert value(families, "tickwork_database_up") == 1
            answers.append(str(families))
        # The metrics token opens the scrape and nothing else.
        api = client.get(f"{API}/schedules", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert api.status_code == 401
        answers.append(api.get_data(as_text=True))
    finally:
        rt.stop()
    for text in (*answers, caplog.text):
        assert API_TOKEN not in text and METRICS_TOKEN not in text


def test_a_session_of_any_role_may_scrape_and_an_outsider_may_not(
    viewer: FlaskClient, outsider: FlaskClient
) -> None:
    assert value(scrape(viewer), "tickwork_database_up") == 1
    response = outsider.get("/metrics")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_a_metrics_token_alone_closes_the_scrape_but_not_the_api(
    settings: Settings, clock: FakeClock
) -> None:
    rt = Runtime(replace(settings, metrics_token=METRICS_TOKEN), clock=clock)
    rt.start()
    try:
        client = create_app(rt).test_client()
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert value(
            scrape(client, Authorization=f"Bearer {METRICS_TOKEN}"), "tickwork_database_up"
        )
        assert client.get(f"{API}/schedules").status_code == 200
    finally:
        rt.stop()


def test_open_mode_answers_localhost_only(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 200
    # A page that rebinds its own name to 127.0.0.1 still names its own host.
    assert client.get("/metrics", headers={"Host": "rebound.example"}).status_code == 403


def test_it_speaks_openmetrics_to_a_scraper_that_asks(client: FlaskClient) -> None:
    response = client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text;version=1.0.0"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    text = response.get_data(as_text=True)
    assert text.endswith("# EOF\n")
    assert "# TYPE tickwork_runs_finished counter" in text and "_created" not in text


def test_a_store_that_cannot_be_read_still_answers_with_the_counters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite's file deleted under the server: the gauges go, the scrape stays a 200 that
    says the database is down, and the outage is logged once however often it is scraped.
    With the metrics token, whose check needs no database (in open mode, whether users
    exist does: there an outage is a 503, never a scrape let through unchecked)."""
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, workflows=TEST_REGISTRY, metrics_token=METRICS_TOKEN)
    rt = Runtime(settings)
    rt.start()
    token = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    try:
        client = create_app(rt).test_client()
        assert value(scrape(client, **token), "tickwork_database_up") == 1
        (data_dir / "tickwork.db").unlink()
        for _ in range(3):
            down = scrape(client, **token)
            assert value(down, "tickwork_database_up") == 0
            assert "tickwork_queue_depth" not in down
            assert "tickwork_runs_finished" in down and "tickwork_build_info" in down
    finally:
        rt.stop()
    said = [r for r in caplog.records if r.message.startswith("reading metrics")]
    assert len(said) == 1 and "deleted" in said[0].message
