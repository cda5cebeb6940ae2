"""GET /api/v1/workflows, GET /api/v1/templates, GET /api/v1/cron/preview"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient


def test_workflows_list_types_and_parameters(client: FlaskClient) -> None:
    items = {w["name"]: w for w in client.get("/api/v1/workflows").get_json()["items"]}
    assert set(items) == {"main", "evaluate", "job", "env"}
    number = next(p for p in items["main"]["parameters"] if p["name"] == "number")
    assert number == {
        "name": "number",
        "flag": "-n",
        "type": "integer",
        "default": 2,
        "required": False,
        "choices": None,
        "description": "",
    }
    mode = next(p for p in items["job"]["parameters"] if p["name"] == "mode")
    assert mode["choices"] == ["fast", "slow"]


def test_workflows_never_show_commands_or_secrets(client: FlaskClient) -> None:
    text = client.get("/api/v1/workflows").get_data(as_text=True)
    assert "s3cret" not in text
    assert "main.py" not in text


def test_templates_are_the_seed_calendars(client: FlaskClient) -> None:
    items = {t["id"]: t for t in client.get("/api/v1/templates").get_json()["items"]}
    assert {k: (v["cron_schedule"], v["workflow_type"]) for k, v in items.items()} == {
        "weekday_hourly": ("0 8-23 * * 1-5", "main"),
        "weekend_3x": ("0 9,15,21 * * 6,0", "main"),
        "daily_evaluation": ("0 7 * * *", "evaluate"),
        "weekly_cleanup": ("0 2 * * 0", "main"),
    }
    assert items["weekly_cleanup"]["parameters"]["no_purge"] is False


def test_every_template_creates_a_schedule(client: FlaskClient) -> None:
    for template in client.get("/api/v1/templates").get_json()["items"]:
        body = {k: template[k] for k in ("name", "cron_schedule", "workflow_type", "parameters")}
        assert client.post("/api/v1/schedules", json=body).status_code == 201, template["id"]


def preview(client: FlaskClient, query: str) -> tuple[int, dict]:
    response = client.get(f"/api/v1/cron/preview?{query}")
    return response.status_code, response.get_json()


def test_preview_describes_and_lists_next_runs(client: FlaskClient) -> None:
    status, body = preview(
        client,
        "expression=0+8-23+*+*+1-5&timezone=Europe/Berlin&count=3&after=2026-11-27T21:30:00Z",
    )
    assert status == 200
    # Friday 22:30 Berlin: 23:00 Friday, then Monday 08:00 and 09:00 (CET, UTC+1).
    assert body["next_runs"] == [
        "2026-11-27T22:00:00Z",
        "2026-11-30T07:00:00Z",
        "2026-11-30T08:00:00Z",
    ]
    assert "Monday through Friday" in body["description"]
    assert body["timezone"] == "Europe/Berlin"


def test_preview_crosses_daylight_saving(client: FlaskClient) -> None:
    _, body = preview(
        client, "expression=30+2+*+*+*&timezone=Europe/Berlin&count=2&after=2026-03-28T12:00:00Z"
    )
    # 02:30 does not exist on 29 March; cron runs it at 03:00 CEST (01:00Z).
    assert body["next_runs"] == ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]


def test_preview_rejects_bad_input(client: FlaskClient) -> None:
    status, body = preview(client, "expression=0+0+30+2+*")
    assert status == 422 and body["errors"][0]["field"] == "expression"
    status, body = preview(client, "expression=0+*+*+*+*&timezone=Nowhere/Land")
    assert status == 422 and body["errors"][0]["field"] == "timezone"
    status, body = preview(client, "expression=0+*+*+*+*&count=1000")
    assert status == 422 and body["errors"][0]["field"] == "count"
    status, body = preview(client, "timezone=UTC")
    assert status == 422 and body["errors"][0]["field"] == "expression"


def test_preview_says_what_is_wrong_in_words(client: FlaskClient) -> None:
    _, body = preview(client, "expression=61+*+*+*+*")
    assert body["errors"] == [{"field": "expression", "message": "minute 61 is out of range 0-59"}]
    _, body = preview(client, "expression=0+0+30+2+*")
    assert body["errors"] == [
        {"field": "expression", "message": "never fires: February has no 30th"}
    ]


def test_openapi_document_lists_every_route(client: FlaskClient, make_schedule: Callable) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) >= {
        "/api/v1/schedules",
        "/api/v1/schedules/{schedule_id}",
        "/api/v1/schedules/{schedule_id}/toggle",
        "/api/v1/schedules/{schedule_id}/run",
        "/api/v1/schedules/{schedule_id}/runs",
        "/api/v1/schedules/status",
        "/api/v1/schedules/export",
        "/api/v1/schedules/import",
        "/api/v1/workflows",
        "/api/v1/templates",
        "/api/v1/cron/preview",
        "/api/v1/runs/{run_id}",
        "/api/v1/runs/{run_id}/log",
        "/api/v1/runs/{run_id}/cancel",
        "/api/v1/scheduler/pause",
        "/api/v1/scheduler/resume",
    }
    create = doc["paths"]["/api/v1/schedules"]["post"]
    assert set(create["responses"]) == {"201", "400", "401", "403", "422"}
    assert "ScheduleCreateRequest" in doc["components"]["schemas"]
    docs_page = client.get("/api/v1/docs")
    assert docs_page.status_code == 200 and b"swagger-ui" in docs_page.data
    with client.get("/api/v1/docs/static/swagger-ui-bundle.js") as script:
        assert script.status_code == 200 and b"SwaggerUIBundle" in script.data


def test_unknown_api_paths_answer_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert client.delete("/api/v1/workflows").status_code == 405
