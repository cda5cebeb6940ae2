"""POST /api/v1/schedules/{id}/run with {"parameters": {...}}: overrides for one run"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import finished_run


def run_now(client: FlaskClient, schedule_id: str, **kwargs: Any) -> tuple[int, dict]:
    response = client.post(f"/api/v1/schedules/{schedule_id}/run", **kwargs)
    return response.status_code, dict(response.get_json())


def test_overrides_replace_the_given_parameters_for_that_run(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule()  # number 3, regions germany austria
    status, run = run_now(client, schedule["id"], json={"parameters": {"number": 7}})
    assert status == 202
    assert run["command"][1:] == ["main.py", "-n", "7", "-r", "germany", "austria"]
    assert run["parameter_overrides"] == {"number": 7}
    done = finished_run(client, run["id"])
    assert done["status"] == "success", done
    assert done["parameter_overrides"] == {"number": 7}


def test_overrides_leave_the_schedule_as_it_was(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule()
    _, run = run_now(client, schedule["id"], json={"parameters": {"regions": ["france"]}})
    finished_run(client, run["id"])
    after = client.get(f"/api/v1/schedules/{schedule['id']}").get_json()
    assert after["parameters"] == schedule["parameters"]
    _, plain = run_now(client, schedule["id"])
    assert plain["parameter_overrides"] is None
    assert plain["command"][1:] == ["main.py", "-n", "3", "-r", "germany", "austria"]
    finished_run(client, plain["id"])


def test_no_body_or_an_empty_one_runs_the_schedules_own_parameters(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule()
    for kwargs in ({}, {"json": {}}, {"json": {"parameters": {}}}, {"json": {"parameters": None}}):
        status, run = run_now(client, schedule["id"], **kwargs)
        assert status == 202, kwargs
        assert run["parameter_overrides"] is None, kwargs
        assert run["command"][1:] == ["main.py", "-n", "3", "-r", "germany", "austria"]
        finished_run(client, run["id"])


def test_it_rejects_overrides_that_do_not_fit_the_workflow(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={})
    body = {"parameters": {"sleep": "long", "mode": "turbo", "colour": "red"}}
    status, answer = run_now(client, schedule["id"], json=body)
    assert status == 422
    assert {e["field"] for e in answer["errors"]} == {
        "parameters.sleep",
        "parameters.mode",
        "parameters.colour",
    }
    history = client.get(f"/api/v1/schedules/{schedule['id']}/runs").get_json()
    assert history["total"] == 0


def test_it_rejects_a_body_that_is_not_an_object_of_parameters(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule()
    status, answer = run_now(client, schedule["id"], json={"parameters": [1]})
    assert status == 422 and answer["errors"][0]["field"] == "parameters"
    status, answer = run_now(client, schedule["id"], json={"params": {}})
    assert status == 422 and answer["errors"] == [{"field": "params", "message": "unknown field"}]


def test_it_answers_404_for_an_unknown_schedule_with_overrides(client: FlaskClient) -> None:
    status, _ = run_now(client, "nope", json={"parameters": {"number": 1}})
    assert status == 404


def test_a_null_override_falls_back_to_the_workflow_default(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule()
    _, run = run_now(client, schedule["id"], json={"parameters": {"number": None}})
    # number's default is 2 in the test registry.
    assert run["command"][1:] == ["main.py", "-n", "2", "-r", "germany", "austria"]
    assert run["parameter_overrides"] == {"number": None}
    finished_run(client, run["id"])
