"""POST /api/v1/schedules"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import schedule_body


def dup(message: str) -> dict[str, object]:
    """The duplicate-name warning as a schedule response carries it."""
    return {"code": "duplicate_name", "message": message, "instants": []}


def post(client: FlaskClient, **overrides: object) -> tuple[int, dict]:
    response = client.post("/api/v1/schedules", json=schedule_body(**overrides))
    return response.status_code, response.get_json()


def fields(body: dict) -> set[str]:
    return {e["field"] for e in body["errors"]}


def test_it_creates_a_schedule_with_defaults(client: FlaskClient) -> None:
    status, body = post(client)
    assert status == 201
    assert body["name"] == "Weekday full workflow"
    assert body["enabled"] is True
    assert body["timezone"] == "Europe/Berlin"
    assert body["timeout_seconds"] == 1800
    assert body["concurrency_policy"] == "forbid"
    assert body["parameters"] == {"number": 3, "regions": ["germany", "austria"]}
    assert body["cron_description"].startswith(
        "At 0 minutes past the hour, between 08:00 and 23:59"
    )
    assert body["last_run"] is None and body["last_status"] is None
    assert body["execution_history"] == []
    assert body["next_run"].endswith(":00:00Z")
    assert body["created_at"].endswith("Z")


def test_it_warns_about_a_name_another_schedule_has(client: FlaskClient) -> None:
    _, first = post(client, name="Nightly Report")
    assert first["warnings"] == []
    status, second = post(client, name="  nightly report ")
    assert status == 201
    assert second["warnings"] == [dup('another schedule is named "Nightly Report"')]


def test_the_warning_quotes_names_with_quotes_in_them(client: FlaskClient) -> None:
    post(client, name='The "big" one')
    _, second = post(client, name='the "BIG" one')
    assert second["warnings"] == [dup('another schedule is named "The \\"big\\" one"')]


def test_next_run_follows_the_schedules_zone(client: FlaskClient) -> None:
    _, berlin = post(client, cron_schedule="0 9 * * *", timezone="Europe/Berlin")
    _, tokyo = post(client, cron_schedule="0 9 * * *", timezone="Asia/Tokyo")
    assert berlin["next_run"][11:] in ("08:00:00Z", "07:00:00Z")  # CET or CEST
    assert tokyo["next_run"][11:] == "00:00:00Z"


def test_it_tidies_the_cron_spacing(client: FlaskClient) -> None:
    _, body = post(client, cron_schedule="  0  9,15,21 * *   6,0 ")
    assert body["cron_schedule"] == "0 9,15,21 * * 6,0"


def test_it_rejects_an_invalid_cron(client: FlaskClient) -> None:
    status, body = post(client, cron_schedule="0 0 30 2 *")
    assert status == 422
    assert body["error"] == "validation_error"
    assert fields(body) == {"cron_schedule"}


def test_it_rejects_a_six_field_cron(client: FlaskClient) -> None:
    status, body = post(client, cron_schedule="0 0 8 * * 1")
    assert status == 422
    assert "5 fields" in body["errors"][0]["message"]


def test_it_rejects_an_unknown_time_zone(client: FlaskClient) -> None:
    status, body = post(client, timezone="Mars/Olympus")
    assert status == 422
    assert fields(body) == {"timezone"}


@pytest.mark.parametrize("name", ["localtime", "Factory", "posixrules", "europe/berlin"])
def test_it_rejects_zone_files_that_are_not_places(client: FlaskClient, name: str) -> None:
    status, body = post(client, timezone=name)
    assert status == 422
    assert fields(body) == {"timezone"}


def test_it_rejects_unknown_workflow(client: FlaskClient) -> None:
    status, body = post(client, workflow_type="rm-rf")
    assert status == 422
    assert fields(body) == {"workflow_type"}
    assert "main" in body["errors"][0]["message"]


def test_it_rejects_unknown_parameters(client: FlaskClient) -> None:
    status, body = post(client, parameters={"number": 1, "executable": "/bin/sh"})
    assert status == 422
    assert fields(body) == {"parameters.executable"}


def test_it_rejects_wrongly_typed_parameters(client: FlaskClient) -> None:
    status, body = post(client, parameters={"number": "ten", "regions": "germany"})
    assert status == 422
    assert fields(body) == {"parameters.number", "parameters.regions"}


def test_it_rejects_a_value_outside_choices(client: FlaskClient) -> None:
    status, body = post(client, workflow_type="job", parameters={"mode": "turbo"})
    assert status == 422
    assert fields(body) == {"parameters.mode"}


def test_it_names_every_offending_field(client: FlaskClient) -> None:
    status, body = post(client, name="", cron_schedule="nope", timeout_seconds=0)
    assert status == 422
    assert fields(body) == {"name", "cron_schedule", "timeout_seconds"}


def test_it_says_why_a_cron_expression_is_wrong(client: FlaskClient) -> None:
    status, body = post(client, cron_schedule="0 0 31 4,6 *")
    assert status == 422
    assert body["errors"] == [
        {"field": "cron_schedule", "message": "never fires: April and June have no 31st"}
    ]


def test_it_rejects_unknown_fields(client: FlaskClient) -> None:
    status, body = post(client, cron="0 * * * *")
    assert status == 422
    assert body["errors"] == [{"field": "cron", "message": "unknown field"}]


def test_it_requires_the_essentials(client: FlaskClient) -> None:
    response = client.post("/api/v1/schedules", json={})
    assert response.status_code == 422
    assert {"name", "workflow_type", "cron_schedule"} <= fields(response.get_json())


def test_it_answers_malformed_json_with_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/schedules", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_it_answers_a_json_array_with_422(client: FlaskClient) -> None:
    response = client.post("/api/v1/schedules", json=[1, 2])
    assert response.status_code == 422


def test_it_refuses_a_body_that_is_not_json(client: FlaskClient) -> None:
    response = client.post("/api/v1/schedules", data="name=x")
    assert response.status_code == 400


def test_custom_args_are_accepted_for_every_workflow(client: FlaskClient) -> None:
    status, body = post(
        client, workflow_type="evaluate", parameters={"custom_args": ["--pre-eval-only"]}
    )
    assert status == 201
    assert body["parameters"] == {"custom_args": ["--pre-eval-only"]}


def test_it_refuses_a_two_megabyte_parameter_naming_the_field(client: FlaskClient) -> None:
    status, body = post(client, parameters={"output_dir": "x" * 2_000_000})
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["parameters.output_dir"]
    assert client.get("/api/v1/schedules").get_json()["total"] == 0


def test_it_refuses_a_list_of_100000_items(client: FlaskClient) -> None:
    status, body = post(client, parameters={"regions": ["germany"] * 100_000})
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["parameters.regions"]
    assert "at most 100" in body["errors"][0]["message"]
