"""Input that one database takes and the other chokes on: answered 4xx on both, never 500.

PostgreSQL refuses NUL characters in text and 32-bit overflow in integer columns; SQLite
takes both (and `q=%00` matched every schedule). Each case runs on both stores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import schedule_body

API = "/api/v1"


def refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]], response.get_json()


@pytest.mark.parametrize("field", ["name", "description", "workflow_type"])
def test_it_refuses_nul_in_schedule_fields(client: FlaskClient, field: str) -> None:
    refused(client.post(f"{API}/schedules", json=schedule_body(**{field: "a\x00b"})), field)


def test_it_refuses_nul_inside_parameters(client: FlaskClient) -> None:
    body = schedule_body(parameters={"number": 3, "regions": ["germ\x00any"]})
    refused(client.post(f"{API}/schedules", json=body), "parameters.regions.0")


def test_it_refuses_nul_in_an_update(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule()
    refused(client.patch(f"{API}/schedules/{schedule['id']}", json={"name": "x\x00"}), "name")


def test_it_refuses_nul_in_the_login_username(client: FlaskClient) -> None:
    body = {"username": "ad\x00a", "password": "whatever1"}
    refused(client.post(f"{API}/auth/login", json=body), "username")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/schedules?q=%00", "q"),
        ("/schedules?workflow_type=ma%00in", "workflow_type"),
        ("/audit?actor=%00", "actor"),
        ("/audit?target_id=x%00", "target_id"),
        ("/cron/preview?expression=*%20*%20*%20*%20*&timezone=UTC%00", "timezone"),
    ],
)
def test_it_refuses_nul_in_query_strings(client: FlaskClient, path: str, field: str) -> None:
    refused(client.get(API + path), field)


@pytest.mark.parametrize("suffix", ["", "/runs", "/toggle"])
def test_it_refuses_nul_in_a_schedule_id(client: FlaskClient, suffix: str) -> None:
    method = client.post if suffix == "/toggle" else client.get
    refused(method(f"{API}/schedules/ab%00cd{suffix}"), "schedule_id")


def test_nul_in_q_does_not_match_everything(client: FlaskClient, make_schedule: Callable) -> None:
    make_schedule(name="one")
    assert client.get(f"{API}/schedules?q=%00").status_code == 422


@pytest.mark.parametrize("suffix", ["", "/log"])
def test_a_run_id_beyond_the_column_is_refused(client: FlaskClient, suffix: str) -> None:
    refused(client.get(f"{API}/runs/3000000000{suffix}"), "run_id")


def test_a_cancel_beyond_the_column_is_refused(client: FlaskClient) -> None:
    refused(client.post(f"{API}/runs/3000000000/cancel"), "run_id")


def test_the_largest_run_id_is_an_unknown_one(client: FlaskClient) -> None:
    assert client.get(f"{API}/runs/2147483647").status_code == 404


@pytest.mark.parametrize("after", ["9999-12-31T00:00:00Z", "9999-12-31T23:59:59"])
def test_a_preview_at_the_end_of_time_is_refused(client: FlaskClient, after: str) -> None:
    response = client.get(
        f"{API}/cron/preview", query_string={"expression": "0 0 * * *", "after": after}
    )
    refused(response, "after")


def test_a_preview_far_ahead_still_works(client: FlaskClient) -> None:
    response = client.get(
        f"{API}/cron/preview",
        query_string={"expression": "0 0 29 2 1", "after": "8999-12-31T00:00:00Z", "count": 5},
    )
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["next_runs"]) == 5
