"""POST /api/v1/schedules/{id}/clone: a switched-off copy under a name of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import finished_run

API = "/api/v1"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# Every field one can edit, each away from its default, so that a field the clone forgot shows.
SOURCE = {
    "name": "Nightly report",
    "description": "the numbers for the morning",
    "workflow_type": "job",
    "parameters": {"sleep": 0, "say": ["hello", "world"]},
    "cron_schedule": "30 2 * * 1-5",
    "timezone": "America/New_York",
    "timeout_seconds": 600,
    "concurrency_policy": "allow",
    "catch_up": "skip",
    "max_retries": 2,
    "retry_delay_seconds": 30,
    "retry_backoff": 3.0,
    "retry_max_delay_seconds": 900,
    "priority": 7,
    "starting_deadline_seconds": 120,
    "pause_on_failure": True,
    "group": "reports",
    "tags": ["nightly", "eu"],
}
NOT_COPIED = {"id", "name", "enabled", "created_at", "updated_at", "warnings", "downstream"}


def clone(client: FlaskClient, schedule_id: str) -> dict[str, Any]:
    response = client.post(f"{API}/schedules/{schedule_id}/clone")
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


# What a response shows of the runs a schedule had: a copy has had none.
HISTORY = {
    "execution_history",
    "last_run",
    "last_status",
    "next_run",
    "success_rate_7d",
    "duration_p95",
}


def test_a_clone_is_a_switched_off_copy_of_every_field_without_history(
    client: FlaskClient, make_schedule: Callable
) -> None:
    upstream = make_schedule(name="upstream")
    source = make_schedule(**SOURCE, depends_on=[{"schedule_id": upstream["id"], "on": "always"}])
    run = client.post(f"{API}/schedules/{source['id']}/run").get_json()
    assert finished_run(client, run["id"])["status"] == "success"
    source = client.get(f"{API}/schedules/{source['id']}").get_json()
    assert source["execution_history"] and source["last_run"]

    copy = clone(client, source["id"])
    assert copy["id"] != source["id"]
    assert (copy["name"], copy["enabled"], copy["next_run"]) == (
        "Nightly report (copy)",
        False,
        None,
    )
    for field in SOURCE.keys() - {"name"}:
        assert copy[field] == SOURCE[field], field
    assert copy["depends_on"] == [{"schedule_id": upstream["id"], "on": "always"}]
    assert copy["upstream"] == source["upstream"]
    assert (copy["execution_history"], copy["last_run"], copy["last_status"]) == ([], None, None)
    assert (copy["success_rate_7d"], copy["duration_p95"]) == (None, None)  # figures of history
    runs = client.get(f"{API}/schedules/{copy['id']}/runs").get_json()
    assert runs["total"] == 0
    # Whatever the response shows of the source and is not the copy's own, the copy shows too.
    assert {k: v for k, v in copy.items() if k not in NOT_COPIED} == {
        k: v for k, v in source.items() if k not in NOT_COPIED | HISTORY
    } | {k: [] if k == "execution_history" else None for k in HISTORY}
    # The source is as it was, and the upstream now has two dependents.
    assert client.get(f"{API}/schedules/{source['id']}").get_json()["enabled"] is True
    downstream = client.get(f"{API}/schedules/{upstream['id']}").get_json()["downstream"]
    assert {d["schedule_id"] for d in downstream} == {source["id"], copy["id"]}


def test_a_paused_source_is_copied_without_its_pause(
    client: FlaskClient, make_schedule: Callable
) -> None:
    sid = make_schedule()["id"]
    body = {"enabled": False, "note": "until the data is back", "until": "2099-01-01T00:00:00Z"}
    assert client.post(f"{API}/schedules/{sid}/toggle", json=body).status_code == 200
    copy = clone(client, sid)
    assert (copy["pause_note"], copy["paused_until"]) == (None, None)


def test_each_clone_gets_the_next_free_name(client: FlaskClient, make_schedule: Callable) -> None:
    sid = make_schedule(name="Report")["id"]
    make_schedule(name="report (COPY 2) ")  # taken as people read names: case and spaces aside
    assert clone(client, sid)["name"] == "Report (copy)"
    assert clone(client, sid)["name"] == "Report (copy 3)"
    assert clone(client, sid)["name"] == "Report (copy 4)"
    copy = client.get(f"{API}/schedules", query_string={"q": "(copy)"}).get_json()["items"][0]
    assert clone(client, copy["id"])["name"] == "Report (copy) (copy)"
    items = client.get(f"{API}/schedules").get_json()["items"]
    assert all(item["warnings"] == [] for item in items if "(copy" in item["name"]), items


def test_a_long_name_is_cut_to_leave_room_for_the_suffix(
    client: FlaskClient, make_schedule: Callable
) -> None:
    sid = make_schedule(name="x" * 200)["id"]
    first, second = clone(client, sid)["name"], clone(client, sid)["name"]
    assert (first, second) == ("x" * 193 + " (copy)", "x" * 191 + " (copy 2)")


def test_the_clone_is_audited_naming_its_source(
    client: FlaskClient, make_schedule: Callable
) -> None:
    source = make_schedule(name="Source")
    copy = clone(client, source["id"])
    entry = client.get(f"{API}/audit").get_json()["items"][0]
    assert {k: entry[k] for k in ("action", "target_type", "target_id", "detail")} == {
        "action": "schedule.clone",
        "target_type": "schedule",
        "target_id": copy["id"],
        "detail": {"name": "Source (copy)", "source_id": source["id"], "source_name": "Source"},
    }


def test_an_unknown_schedule_is_a_404_and_nothing_is_made(client: FlaskClient) -> None:
    response = client.post(f"{API}/schedules/{UNKNOWN}/clone")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert client.get(f"{API}/schedules").get_json()["total"] == 0
    assert client.get(f"{API}/audit").get_json()["total"] == 0


def test_only_those_who_may_create_may_clone(
    admin: FlaskClient, operator: FlaskClient, viewer: FlaskClient
) -> None:
    body = {"name": "s", "workflow_type": "job", "cron_schedule": "0 3 1 1 *"}
    sid = admin.post(f"{API}/schedules", json=body).get_json()["id"]
    for refused in (viewer, operator):
        response = refused.post(f"{API}/schedules/{sid}/clone")
        assert response.status_code == 403
        assert response.get_json()["message"].endswith("it needs admin")
    assert admin.post(f"{API}/schedules/{sid}/clone").status_code == 201
    assert admin.get(f"{API}/schedules").get_json()["total"] == 2
