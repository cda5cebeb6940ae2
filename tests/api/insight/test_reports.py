"""GET /reports on a fake clock and both databases: figures per group and schedule against
the period before, the slowest runs, CSV columns, and the periods it refuses."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from tests.api.insight.runs import API, create, ended
from tickwork.reports import CSV_COLUMNS
from tickwork.runtime import Runtime
from tickwork.store.lifecycle import RunStatus


@pytest.fixture
def history(client: FlaskClient, runtime: Runtime) -> dict[str, str]:
    """This week (Nov 24-30): scrape 3 ok and 1 failed, purge 1 ok of 100 s; the week
    before: scrape 1 ok, 1 timeout."""
    ids = {"scrape": create(client, "scrape", group="etl"), "purge": create(client, "purge")}
    for seconds in (10.0, 20.0, 30.0):
        ended(runtime, ids["scrape"], seconds, cpu=1.0, memory=5_000_000)
    ended(runtime, ids["scrape"], 5.0, RunStatus.FAILED, ago=timedelta(days=2))
    ended(runtime, ids["purge"], 100.0, ago=timedelta(days=6))
    ended(runtime, ids["scrape"], 10.0, ago=timedelta(days=8))
    ended(runtime, ids["scrape"], 60.0, RunStatus.TIMEOUT, ago=timedelta(days=9))
    return ids


def test_a_week_per_group_and_schedule_against_the_week_before(
    client: FlaskClient, history: dict[str, str]
) -> None:
    response = client.get(f"{API}/reports?from=2026-11-24&to=2026-11-30")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["from"], report["to"]) == ("2026-11-24", "2026-11-30")
    assert (report["previous_from"], report["previous_to"]) == ("2026-11-17", "2026-11-23")
    whole = report["all"]
    assert (whole["runs"], whole["failures"]) == (5, 1)
    assert whole["success_rate"] == 0.8
    assert whole["duration_total"] == pytest.approx(165.0)
    assert whole["duration_p95"] == pytest.approx(100.0, rel=0.045)
    assert whole["cpu_seconds_total"] == pytest.approx(3.0)
    assert whole["peak_memory_max"] == 5_000_000
    assert whole["previous"]["runs"] == 2 and whole["previous"]["failures"] == 1
    assert whole["change"] == {
        "runs": 3,
        "failures": 0,
        "success_rate": pytest.approx(0.3),
        "duration_p95": pytest.approx(whole["duration_p95"] - whole["previous"]["duration_p95"]),
    }
    groups = {g["group"]: g for g in report["groups"]}
    assert list(groups) == ["etl", None]
    assert groups["etl"]["runs"] == 4 and groups[None]["runs"] == 1
    lines = {s["schedule"]: s for s in report["schedules"]}
    assert list(lines) == ["purge", "scrape"]
    assert lines["scrape"]["group"] == "etl" and lines["scrape"]["failures"] == 1
    assert lines["purge"]["change"]["runs"] == 1
    slowest = report["slowest_runs"]
    assert [r["duration_seconds"] for r in slowest] == [100.0, 30.0, 20.0, 10.0, 5.0]
    assert slowest[0]["schedule"] == "purge" and slowest[0]["schedule_id"] == history["purge"]


def test_the_csv_has_a_row_for_everything_each_group_and_each_schedule(
    client: FlaskClient, history: dict[str, str]
) -> None:
    response = client.get(f"{API}/reports?period=week&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'filename="tickwork-report-2026-11-24-to-2026-11-30.csv"'
        in (response.headers["Content-Disposition"])
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["kind"], r["group"], r["schedule"]) for r in rows] == [
        ("all", "", ""),
        ("group", "etl", ""),
        ("group", "", ""),
        ("schedule", "", "purge"),
        ("schedule", "etl", "scrape"),
    ]
    scrape = rows[-1]
    assert scrape["schedule_id"] == history["scrape"]
    assert (scrape["runs"], scrape["failures"], scrape["success_rate"]) == ("4", "1", "0.75")
    assert (scrape["runs_previous"], scrape["failures_previous"]) == ("2", "1")
    assert float(scrape["cpu_seconds_total"]) == pytest.approx(3.0)


def test_a_name_that_looks_like_a_formula_stays_text(client: FlaskClient, runtime: Runtime) -> None:
    sid = create(client, "=HYPERLINK(evil)")
    ended(runtime, sid, 1.0)
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"{API}/reports?format=csv").get_data(as_text=True)))
    )
    assert rows[-1]["schedule"] == "'=HYPERLINK(evil)"


def test_periods_end_today(client: FlaskClient, history: dict[str, str]) -> None:
    day = client.get(f"{API}/reports?period=day").get_json()
    assert (day["from"], day["to"], day["all"]["runs"]) == ("2026-11-30", "2026-11-30", 3)
    month = client.get(f"{API}/reports?period=month").get_json()
    assert month["from"] == "2026-11-01" and month["all"]["runs"] == 7
    default = client.get(f"{API}/reports").get_json()
    assert (default["from"], default["to"]) == ("2026-11-24", "2026-11-30")


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("from=2026-11-20&to=2026-11-10", "from", "after to"),
        ("to=2026-12-01", "to", "after today"),
        ("from=2026-08-01", "from", "kept for 91 days"),
        ("period=week&from=2026-11-20", "period", "not both"),
        ("period=year", "period", ""),
        ("from=yesterday", "from", ""),
        ("format=xlsx", "format", ""),
    ],
)
def test_it_refuses_periods_it_cannot_answer(
    client: FlaskClient, query: str, field: str, words: str
) -> None:
    response = client.get(f"{API}/reports?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert field in str(body["errors"] if "errors" in body else body)
    assert words in body["message"]
