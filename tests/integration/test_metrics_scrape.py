"""A real `tickwork serve`, tokens from its environment, scraped over HTTP as Prometheus would:
401 without the metrics token, the scheduler up, and a real run counted — on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_REGISTRY, wait_for
from tests.integration.server import Server

pytestmark = pytest.mark.integration
API_TOKEN = "tw-serve-api-token-3f9a"
METRICS_TOKEN = "tw-serve-metrics-token-8d21"


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    srv = Server(tmp_path / "data", TEST_REGISTRY, database_url)
    srv.start_with_env({"TICKWORK_API_TOKEN": API_TOKEN, "TICKWORK_METRICS_TOKEN": METRICS_TOKEN})
    yield srv
    srv.stop()


def call(
    server: Server, method: str, path: str, token: str | None, body: Any = None
) -> tuple[int, str, str]:
    """Status, content type and text of one request, with `token` as the bearer if given."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers["Content-Type"], err.read().decode()


def scrape(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, content_type, text = call(server, "GET", "/metrics", METRICS_TOKEN)
    assert status == 200, text
    assert content_type.startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_prometheus_scrapes_a_real_server_with_the_metrics_token(server: Server) -> None:
    assert call(server, "GET", "/metrics", None)[0] == 401
    assert call(server, "GET", "/metrics", "not-the-token")[0] == 401
    first = scrape(server)
    assert first[("tickwork_scheduler_up", ())] == 1
    assert first[("tickwork_database_up", ())] == 1

    body = {"name": "real", "workflow_type": "job", "cron_schedule": "0 3 1 1 *"}
    status, _, created = call(server, "POST", "/api/v1/schedules", API_TOKEN, body)
    assert status == 201, created
    schedule_id = json.loads(created)["id"]
    status, _, run = call(server, "POST", f"/api/v1/schedules/{schedule_id}/run", API_TOKEN)
    assert status == 202, run
    counted = (
        "tickwork_runs_finished_total",
        (("schedule", schedule_id), ("status", "success"), ("trigger", "manual")),
    )
    # The end is counted as it commits: the scrape itself is what says it has.
    after = wait_for(lambda: (s := scrape(server)).get(counted) == 1 and s)
    assert after[("tickwork_run_duration_seconds_count", (("schedule", schedule_id),))] == 1
    success = ("tickwork_schedule_last_success_timestamp_seconds", (("schedule", schedule_id),))
    assert after[success] > 0
    output = "".join(server.output)
    assert API_TOKEN not in output and METRICS_TOKEN not in output
