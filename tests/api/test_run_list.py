"""GET /api/v1/runs: the runs of every schedule, newest first, filtered and paged"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.conftest import finished_run


def runs(client: FlaskClient, query: str = "") -> dict:
    response = client.get(f"/api/v1/runs?{query}")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def run_to_end(client: FlaskClient, schedule_id: str) -> dict:
    queued = client.post(f"/api/v1/schedules/{schedule_id}/run").get_json()
    return finished_run(client, queued["id"])


def test_it_lists_runs_of_all_schedules_newest_first_with_their_names(
    client: FlaskClient, make_schedule: Callable
) -> None:
    ok = make_schedule(name="ok", workflow_type="job", parameters={})
    bad = make_schedule(name="bad", workflow_type="job", parameters={"exit": 1})
    first = run_to_end(client, ok["id"])
    second = run_to_end(client, bad["id"])
    body = runs(client)
    assert (body["total"], body["page"], body["page_size"]) == (2, 1, 50)
    assert [(r["id"], r["schedule_name"]) for r in body["items"]] == [
        (second["id"], "bad"),
        (first["id"], "ok"),
    ]
    assert body["items"][0]["status"] == "failed"
    assert body["items"][0]["parameter_overrides"] is None


def test_it_filters_by_status_trigger_and_schedule(
    client: FlaskClient, make_schedule: Callable
) -> None:
    ok = make_schedule(name="ok", workflow_type="job", parameters={})
    bad = make_schedule(name="bad", workflow_type="job", parameters={"exit": 1})
    good_run = run_to_end(client, ok["id"])
    bad_run = run_to_end(client, bad["id"])
    assert [r["id"] for r in runs(client, "status=failed")["items"]] == [bad_run["id"]]
    assert [r["id"] for r in runs(client, f"schedule_id={ok['id']}")["items"]] == [good_run["id"]]
    assert runs(client, "trigger=manual")["total"] == 2
    assert runs(client, "trigger=schedule")["total"] == 0
    assert runs(client, f"status=success&schedule_id={bad['id']}")["total"] == 0


def test_it_pages(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule(name="paged", workflow_type="job", parameters={})
    ids = [run_to_end(client, schedule["id"])["id"] for _ in range(3)]
    first = runs(client, "page=1&page_size=2")
    second = runs(client, "page=2&page_size=2")
    assert [r["id"] for r in first["items"]] == [ids[2], ids[1]]
    assert [r["id"] for r in second["items"]] == [ids[0]]
    assert first["total"] == second["total"] == 3


def test_it_rejects_unknown_filters_and_values(client: FlaskClient) -> None:
    for query, field in (
        ("status=exploded", "status"),
        ("trigger=cosmic", "trigger"),
        ("page_size=201", "page_size"),
        ("colour=red", "colour"),
    ):
        response = client.get(f"/api/v1/runs?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["errors"][0]["field"] == field


def test_it_is_empty_for_an_unknown_schedule(client: FlaskClient) -> None:
    assert runs(client, "schedule_id=nope") == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 50,
    }
