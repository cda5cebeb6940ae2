"""depends_on on POST/PUT /api/v1/schedules: stored in order, shown both ways with names,
refused when unknown, itself, twice or a cycle; DELETE of an upstream: 409 or ?detach=true."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient


def errors(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.get_json()
    return [(e["field"], e["message"]) for e in response.get_json()["errors"]]


def test_it_stores_the_links_in_order_and_shows_both_ends(
    client: FlaskClient, make_schedule: Callable
) -> None:
    a, b = make_schedule(name="A"), make_schedule(name="B")
    deps = [{"schedule_id": b["id"], "on": "always"}, {"schedule_id": a["id"], "on": "failure"}]
    c = make_schedule(name="C", depends_on=deps)
    assert c["depends_on"] == deps
    assert c["upstream"] == [
        {"schedule_id": b["id"], "name": "B", "on": "always"},
        {"schedule_id": a["id"], "name": "A", "on": "failure"},
    ]
    one = client.get(f"/api/v1/schedules/{a['id']}").get_json()
    assert one["downstream"] == [{"schedule_id": c["id"], "name": "C", "on": "failure"}]
    assert one["upstream"] == [] and one["depends_on"] == []
    listed = {s["name"]: s for s in client.get("/api/v1/schedules").get_json()["items"]}
    assert listed["B"]["downstream"] == [{"schedule_id": c["id"], "name": "C", "on": "always"}]
    assert listed["C"]["depends_on"] == deps


def test_on_defaults_to_success(client: FlaskClient, make_schedule: Callable) -> None:
    a = make_schedule(name="A")
    b = make_schedule(name="B", depends_on=[{"schedule_id": a["id"]}])
    assert b["depends_on"] == [{"schedule_id": a["id"], "on": "success"}]


def test_an_update_replaces_the_list_and_leaves_it_when_not_sent(
    client: FlaskClient, make_schedule: Callable
) -> None:
    a, b = make_schedule(name="A"), make_schedule(name="B")
    c = make_schedule(name="C", depends_on=[{"schedule_id": a["id"]}])
    renamed = client.put(f"/api/v1/schedules/{c['id']}", json={"name": "C2"}).get_json()
    assert renamed["depends_on"] == [{"schedule_id": a["id"], "on": "success"}]
    moved = client.put(
        f"/api/v1/schedules/{c['id']}", json={"depends_on": [{"schedule_id": b["id"]}]}
    ).get_json()
    assert [d["schedule_id"] for d in moved["depends_on"]] == [b["id"]]
    cleared = client.patch(f"/api/v1/schedules/{c['id']}", json={"depends_on": []}).get_json()
    assert cleared["depends_on"] == [] and cleared["upstream"] == []
    audit = client.get("/api/v1/audit?action=schedule.update").get_json()["items"]
    assert [e["detail"]["fields"] for e in audit] == [["depends_on"], ["depends_on"], ["name"]]


def test_it_rejects_an_unknown_schedule(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/schedules",
        json={
            "name": "B",
            "workflow_type": "job",
            "cron_schedule": "0 3 * * *",
            "depends_on": [{"schedule_id": "nope"}],
        },
    )
    assert errors(response) == [("depends_on", "no schedule nope")]
    assert client.get("/api/v1/schedules").get_json()["total"] == 0


def test_it_rejects_itself_and_a_schedule_listed_twice(
    client: FlaskClient, make_schedule: Callable
) -> None:
    a, b = make_schedule(name="A"), make_schedule(name="B")
    response = client.put(
        f"/api/v1/schedules/{b['id']}", json={"depends_on": [{"schedule_id": b["id"]}]}
    )
    assert errors(response) == [("depends_on", "a schedule cannot depend on itself")]
    twice = [{"schedule_id": a["id"]}, {"schedule_id": a["id"], "on": "failure"}]
    response = client.put(f"/api/v1/schedules/{b['id']}", json={"depends_on": twice})
    assert errors(response) == [("depends_on", f"schedule {a['id']} is listed twice")]


def test_it_rejects_a_bad_on(client: FlaskClient, make_schedule: Callable) -> None:
    a = make_schedule(name="A")
    response = client.post(
        "/api/v1/schedules",
        json={
            "name": "B",
            "workflow_type": "job",
            "cron_schedule": "0 3 * * *",
            "depends_on": [{"schedule_id": a["id"], "on": "sometimes"}],
        },
    )
    assert errors(response)[0][0] == "depends_on.0.on"


def test_a_cycle_is_refused_and_named(client: FlaskClient, make_schedule: Callable) -> None:
    a = make_schedule(name="A")
    b = make_schedule(name="B", depends_on=[{"schedule_id": a["id"]}])
    c = make_schedule(name="C", depends_on=[{"schedule_id": b["id"]}])
    response = client.put(
        f"/api/v1/schedules/{a['id']}", json={"depends_on": [{"schedule_id": c["id"]}]}
    )
    assert errors(response) == [("depends_on", "makes a cycle: A → C → B → A")]
    response = client.put(
        f"/api/v1/schedules/{a['id']}",
        json={"name": "A2", "depends_on": [{"schedule_id": b["id"]}]},
    )
    assert errors(response) == [("depends_on", "makes a cycle: A2 → B → A2")]
    assert client.get(f"/api/v1/schedules/{a['id']}").get_json()["name"] == "A"  # nothing saved


def test_deleting_an_upstream_is_refused_naming_its_dependents(
    client: FlaskClient, make_schedule: Callable
) -> None:
    a = make_schedule(name="A")
    make_schedule(name="Nightly report", depends_on=[{"schedule_id": a["id"]}])
    response = client.delete(f"/api/v1/schedules/{a['id']}")
    assert response.status_code == 409
    assert '"Nightly report"' in response.get_json()["message"]
    assert "detach=true" in response.get_json()["message"]
    assert client.get(f"/api/v1/schedules/{a['id']}").status_code == 200


def test_detach_deletes_it_and_removes_the_links(
    client: FlaskClient, make_schedule: Callable
) -> None:
    a, other = make_schedule(name="A"), make_schedule(name="Other")
    b = make_schedule(name="B", depends_on=[{"schedule_id": a["id"]}, {"schedule_id": other["id"]}])
    assert client.delete(f"/api/v1/schedules/{a['id']}?detach=true").status_code == 204
    after = client.get(f"/api/v1/schedules/{b['id']}").get_json()
    assert after["depends_on"] == [{"schedule_id": other["id"], "on": "success"}]
    (entry,) = client.get("/api/v1/audit?action=schedule.delete").get_json()["items"]
    assert entry["detail"]["detached"] == [{"schedule_id": b["id"], "name": "B"}]


def test_a_schedule_with_upstreams_only_deletes_without_detach(
    client: FlaskClient, make_schedule: Callable
) -> None:
    a = make_schedule(name="A")
    b = make_schedule(name="B", depends_on=[{"schedule_id": a["id"]}])
    assert client.delete(f"/api/v1/schedules/{b['id']}").status_code == 204
    assert client.get(f"/api/v1/schedules/{a['id']}").get_json()["downstream"] == []


def test_detach_must_be_a_boolean(client: FlaskClient, make_schedule: Callable) -> None:
    a = make_schedule(name="A")
    response = client.delete(f"/api/v1/schedules/{a['id']}?detach=maybe")
    assert errors(response)[0][0] == "detach"
