"""GET /api/v1/schedules/export, POST /api/v1/schedules/import, and the schedules.json backup"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient

from tests.conftest import wait_for
from tickwork.config import Settings
from tickwork.runtime import Runtime


def test_export_holds_every_schedule(client: FlaskClient, make_schedule: Callable) -> None:
    a = make_schedule(name="a")
    make_schedule(name="b", enabled=False)
    response = client.get("/api/v1/schedules/export")
    assert "schedules.json" in response.headers["Content-Disposition"]
    doc = response.get_json()
    assert doc["version"] == 1
    first = next(s for s in doc["schedules"] if s["id"] == a["id"])
    assert {k: first[k] for k in ("name", "cron_schedule", "parameters", "timezone")} == {
        k: a[k] for k in ("name", "cron_schedule", "parameters", "timezone")
    }
    assert len(doc["schedules"]) == 2


def test_round_trip_updates_instead_of_duplicating(
    client: FlaskClient, make_schedule: Callable
) -> None:
    make_schedule(name="a")
    doc = client.get("/api/v1/schedules/export").get_json()
    doc["schedules"][0]["name"] = "renamed"
    result = client.post("/api/v1/schedules/import", json=doc).get_json()
    assert result == {"created": 0, "updated": 1, "total": 1}
    assert [s["name"] for s in client.get("/api/v1/schedules").get_json()["items"]] == ["renamed"]


def test_a_hand_written_file_imports(client: FlaskClient) -> None:
    hand_written = [
        {
            "name": "Weekend",
            "workflow_type": "main",
            "cron_schedule": "0 9,15,21 * * 6,0",
            "parameters": {"number": 10, "regions": ["germany"]},
        },
        {
            "name": "Eval",
            "workflow_type": "evaluate",
            "cron_schedule": "0 7 * * *",
            "enabled": False,
        },
    ]
    result = client.post("/api/v1/schedules/import", json={"schedules": hand_written}).get_json()
    assert result == {"created": 2, "updated": 0, "total": 2}
    items = client.get("/api/v1/schedules").get_json()["items"]
    assert [(s["name"], s["enabled"], s["timezone"]) for s in items] == [
        ("Eval", False, "Europe/Berlin"),
        ("Weekend", True, "Europe/Berlin"),
    ]


def test_an_invalid_file_changes_nothing_and_says_why(
    client: FlaskClient, make_schedule: Callable
) -> None:
    make_schedule(name="keep me")
    doc = {
        "schedules": [
            {"name": "fine", "workflow_type": "main", "cron_schedule": "0 7 * * *"},
            {"name": "bad cron", "workflow_type": "main", "cron_schedule": "0 0 30 2 *"},
            {
                "name": "bad param",
                "workflow_type": "main",
                "cron_schedule": "0 7 * * *",
                "parameters": {"number": "many"},
            },
        ]
    }
    response = client.post("/api/v1/schedules/import", json=doc)
    assert response.status_code == 422
    body = response.get_json()
    assert {e["field"] for e in body["errors"]} == {
        "schedules.1.cron_schedule",
        "schedules.2.parameters.number",
    }
    assert "nothing imported" in body["message"]
    assert [s["name"] for s in client.get("/api/v1/schedules").get_json()["items"]] == ["keep me"]


def test_it_names_every_invalid_field_of_every_schedule(client: FlaskClient) -> None:
    doc = {
        "schedules": [
            {
                "name": "",
                "workflow_type": "nosuch",
                "cron_schedule": "61 * * * *",
                "timezone": "Mars/Olympus",
                "parameters": {"number": "many"},
            },
            {
                "name": "known type",
                "workflow_type": "main",
                "cron_schedule": "0 0 30 2 *",
                "timezone": "Nowhere",
                "parameters": {"number": "many", "colour": "red"},
                "timeout_seconds": 0,
            },
            {"id": "not-a-uuid", "workflow_type": "evaluate", "parameters": []},
        ]
    }
    response = client.post("/api/v1/schedules/import", json=doc)
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert set(errors) == {
        "schedules.0.name",
        "schedules.0.workflow_type",
        "schedules.0.cron_schedule",
        "schedules.0.timezone",
        "schedules.1.cron_schedule",
        "schedules.1.timezone",
        "schedules.1.parameters.number",
        "schedules.1.parameters.colour",
        "schedules.1.timeout_seconds",
        "schedules.2.id",
        "schedules.2.name",
        "schedules.2.cron_schedule",
        "schedules.2.parameters",
    }
    assert errors["schedules.0.cron_schedule"] == "minute 61 is out of range 0-59"
    assert errors["schedules.0.workflow_type"].startswith("unknown workflow type 'nosuch'")
    assert errors["schedules.1.cron_schedule"] == "never fires: February has no 30th"
    assert errors["schedules.2.id"] == "must be a UUID"


def test_a_corrupt_file_is_a_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/schedules/import",
        data='{"schedules": [{"name": "x",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_the_backup_follows_changes(
    client: FlaskClient, runtime: Runtime, settings: Settings, make_schedule: Callable
) -> None:
    runtime.backup.delay = 0.05
    first = make_schedule(name="alpha-schedule")
    path = settings.data_dir / "schedules.json"
    wait_for(lambda: path.exists() and "alpha-schedule" in path.read_text())
    make_schedule(name="beta-schedule")
    wait_for(lambda: "beta-schedule" in path.read_text())
    saved = json.loads(path.read_text())
    assert {s["id"] for s in saved["schedules"]} >= {first["id"]}
    backups = list((settings.data_dir / "backups").glob("schedules-*.json"))
    assert backups, "the previous version is kept"
    assert "beta-schedule" not in backups[-1].read_text()


A_ID = "0b6a3c1e-0000-4000-8000-00000000000a"
B_ID = "0b6a3c1e-0000-4000-8000-00000000000b"
C_ID = "0b6a3c1e-0000-4000-8000-00000000000c"


def entry(schedule_id: str, name: str, *upstreams: str) -> dict:
    return {
        "id": schedule_id,
        "name": name,
        "workflow_type": "job",
        "cron_schedule": "0 3 * * *",
        "depends_on": [{"schedule_id": u, "on": "always"} for u in upstreams],
    }


def test_depends_on_survives_export_and_import(
    client: FlaskClient, make_schedule: Callable
) -> None:
    a, b = make_schedule(name="A"), make_schedule(name="B")
    deps = [{"schedule_id": b["id"], "on": "failure"}, {"schedule_id": a["id"], "on": "success"}]
    c = make_schedule(name="C", depends_on=deps)
    doc = client.get("/api/v1/schedules/export").get_json()
    exported = {s["name"]: s for s in doc["schedules"]}
    assert exported["C"]["depends_on"] == deps and exported["A"]["depends_on"] == []
    # Into an empty store: links to schedules the same file creates, listed after them.
    for schedule in (a, b, c):
        client.delete(f"/api/v1/schedules/{schedule['id']}?detach=true")
    doc["schedules"].sort(key=lambda s: s["name"], reverse=True)  # C first
    result = client.post("/api/v1/schedules/import", json=doc).get_json()
    assert result == {"created": 3, "updated": 0, "total": 3}
    again = client.get(f"/api/v1/schedules/{c['id']}").get_json()
    assert again["depends_on"] == deps
    assert [u["name"] for u in again["upstream"]] == ["B", "A"]


def test_an_import_that_closes_a_cycle_imports_nothing(
    client: FlaskClient, make_schedule: Callable
) -> None:
    no_id = {"name": "loose", "workflow_type": "job", "cron_schedule": "0 3 * * *"}
    doc = [no_id, entry(A_ID, "A", C_ID), entry(B_ID, "B", A_ID), entry(C_ID, "C", B_ID)]
    response = client.post("/api/v1/schedules/import", json=doc)
    assert response.status_code == 422
    (error,) = response.get_json()["errors"]
    assert error == {"field": "schedules.1.depends_on", "message": "makes a cycle: A → C → B → A"}
    assert client.get("/api/v1/schedules").get_json()["total"] == 0


def test_an_import_is_checked_against_stored_links_too(
    client: FlaskClient, make_schedule: Callable
) -> None:
    client.post("/api/v1/schedules/import", json=[entry(A_ID, "A"), entry(B_ID, "B", A_ID)])
    # A stored B depends on A; a file that makes A depend on B closes the cycle.
    response = client.post("/api/v1/schedules/import", json=[entry(A_ID, "A", B_ID)])
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"] == "makes a cycle: A → B → A"


def test_an_import_names_unknown_and_self_links(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/schedules/import", json=[entry(A_ID, "A", A_ID), entry(B_ID, "B", C_ID)]
    )
    assert response.status_code == 422
    assert [(e["field"], e["message"]) for e in response.get_json()["errors"]] == [
        ("schedules.0.depends_on", "a schedule cannot depend on itself"),
        ("schedules.1.depends_on", f"no schedule {C_ID}"),
    ]
