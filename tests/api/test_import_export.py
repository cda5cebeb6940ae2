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
