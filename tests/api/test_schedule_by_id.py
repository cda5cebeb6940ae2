"""GET, PUT, PATCH and DELETE /api/v1/schedules/{id}"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

UNKNOWN = "00000000-0000-0000-0000-000000000000"


def dup(message: str) -> dict[str, object]:
    """The duplicate-name warning as a schedule response carries it."""
    return {"code": "duplicate_name", "message": message, "instants": []}


def test_it_returns_one_schedule(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    body = client.get(f"/api/v1/schedules/{created['id']}").get_json()
    assert body == created | {"next_run": body["next_run"]}


def test_unknown_ids_are_404(client: FlaskClient) -> None:
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)(f"/api/v1/schedules/{UNKNOWN}", json={})
        assert response.status_code == 404, method
        assert response.get_json()["error"] == "not_found"


def test_put_changes_only_what_is_sent(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    response = client.put(
        f"/api/v1/schedules/{created['id']}", json={"cron_schedule": "0 9,15,21 * * 6,0"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["cron_schedule"] == "0 9,15,21 * * 6,0"
    assert body["name"] == created["name"]
    assert body["parameters"] == created["parameters"]
    assert body["updated_at"] > created["updated_at"]
    assert "Saturday and Sunday" in body["cron_description"]


def test_patch_is_the_same_as_put(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    body = client.patch(
        f"/api/v1/schedules/{created['id']}", json={"timezone": "America/New_York"}
    ).get_json()
    assert body["timezone"] == "America/New_York"
    assert body["cron_schedule"] == created["cron_schedule"]


def test_update_validates_parameters_against_the_workflow(
    client: FlaskClient, make_schedule: Callable
) -> None:
    created = make_schedule()
    response = client.put(
        f"/api/v1/schedules/{created['id']}", json={"parameters": {"pre_eval_only": True}}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "parameters.pre_eval_only"
    unchanged = client.get(f"/api/v1/schedules/{created['id']}").get_json()
    assert unchanged["parameters"] == created["parameters"]


def test_changing_workflow_drops_old_parameters(
    client: FlaskClient, make_schedule: Callable
) -> None:
    created = make_schedule()
    body = client.put(
        f"/api/v1/schedules/{created['id']}", json={"workflow_type": "evaluate"}
    ).get_json()
    assert body["workflow_type"] == "evaluate"
    assert body["parameters"] == {}


def test_update_rejects_bad_values(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    response = client.put(
        f"/api/v1/schedules/{created['id']}",
        json={"cron_schedule": "61 * * * *", "concurrency_policy": "sometimes"},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {
        "cron_schedule",
        "concurrency_policy",
    }


def test_update_warns_about_a_name_another_schedule_has(
    client: FlaskClient, make_schedule: Callable
) -> None:
    make_schedule(name="Alpha")
    beta = make_schedule(name="Beta")
    renamed = client.put(f"/api/v1/schedules/{beta['id']}", json={"name": "ALPHA"}).get_json()
    assert renamed["warnings"] == [dup('another schedule is named "Alpha"')]
    # Its own name is no duplicate: changing something else keeps no stale warning.
    back = client.put(f"/api/v1/schedules/{beta['id']}", json={"name": "Beta"}).get_json()
    assert back["warnings"] == []


def test_delete_removes_it(client: FlaskClient, make_schedule: Callable) -> None:
    created = make_schedule()
    response = client.delete(f"/api/v1/schedules/{created['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/v1/schedules/{created['id']}").status_code == 404
    assert client.get("/api/v1/schedules").get_json()["total"] == 0
