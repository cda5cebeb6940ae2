"""Warnings on schedule responses and on GET /api/v1/cron/preview: self_overlap, slot_overload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import wait_for
from tickwork.runtime import Runtime
from tickwork.store.tables import RunRow

Make = Callable[..., dict[str, Any]]


def codes(schedule: dict[str, Any]) -> list[str]:
    return [w["code"] for w in schedule["warnings"]]


def add_history(runtime: Runtime, schedule_id: str, seconds: float, count: int = 20) -> None:
    """Ended runs of a known duration, as the executor would have left them."""
    now = datetime.now(UTC)
    with runtime.store.session() as session:
        for i in range(count):
            begun = now - timedelta(hours=i + 1)
            session.add(
                RunRow(
                    schedule_id=schedule_id,
                    trigger="manual",
                    attempt=1,
                    scheduled_for=begun,
                    queued_at=begun,
                    started_at=begun,
                    finished_at=begun + timedelta(seconds=seconds),
                    duration_seconds=seconds,
                    status="success",
                    exit_code=0,
                    command=["true"],
                    output_tail="",
                )
            )


def test_a_new_schedule_whose_timeout_outlasts_its_gap_warns(
    client: FlaskClient, make_schedule: Make
) -> None:
    created = make_schedule(cron_schedule="* * * * *", timeout_seconds=120)
    (warning,) = created["warnings"]
    assert warning["code"] == "self_overlap"
    assert "its timeout (2 min)" in warning["message"]
    assert len(warning["instants"]) == 5
    assert all(i.endswith(":00Z") for i in warning["instants"])
    assert warning["instants"] == sorted(warning["instants"])
    listed = client.get("/api/v1/schedules").get_json()["items"]
    # The instants move on at each minute boundary; the warning itself does not.
    assert [(w["code"], w["message"]) for w in listed[0]["warnings"]] == [
        (warning["code"], warning["message"])
    ]


def test_the_p95_of_its_runs_decides_once_it_has_history(
    client: FlaskClient, runtime: Runtime, make_schedule: Make
) -> None:
    every_minute = make_schedule(name="often", cron_schedule="* * * * *", timeout_seconds=3600)
    every_five = make_schedule(name="five", cron_schedule="*/5 * * * *", timeout_seconds=3600)
    add_history(runtime, every_minute["id"], 90.0)
    add_history(runtime, every_five["id"], 90.0)
    often = client.get(f"/api/v1/schedules/{every_minute['id']}").get_json()
    assert codes(often) == ["self_overlap"]
    assert "p95 duration of its recent runs (1.5 min)" in often["warnings"][0]["message"]
    assert codes(client.get(f"/api/v1/schedules/{every_five['id']}").get_json()) == []


def test_more_runs_at_once_than_slots_warns_each_of_them(
    client: FlaskClient, make_schedule: Make
) -> None:
    # Four run slots (tests/conftest.py); five ten-minute jobs start at 03:00 every day.
    made = [
        make_schedule(name=f"n{i}", cron_schedule="0 3 * * *", timeout_seconds=600)
        for i in range(5)
    ]
    make_schedule(name="alone", cron_schedule="0 9 * * *", timeout_seconds=600)

    def overloaded() -> dict[str, Any] | None:
        # The forecast follows changes in the background: the list shows them a moment later.
        items = client.get("/api/v1/schedules").get_json()["items"]
        by_name = {s["name"]: s for s in items}
        return by_name if all(codes(by_name[s["name"]]) for s in made) else None

    by_name = wait_for(overloaded)
    for schedule in made:
        (warning,) = by_name[schedule["name"]]["warnings"]
        assert warning["code"] == "slot_overload"
        assert "up to 5 runs" in warning["message"] and "4 run slots" in warning["message"]
        assert len(warning["instants"]) == 5
        assert all(i.endswith(":00:00Z") for i in warning["instants"])
    assert by_name["alone"]["warnings"] == []
    # Switched off, a schedule neither warns nor counts.
    client.post(f"/api/v1/schedules/{made[0]['id']}/toggle", json={"enabled": False})
    wait_for(lambda: codes(client.get(f"/api/v1/schedules/{made[1]['id']}").get_json()) == [])
    assert codes(client.get(f"/api/v1/schedules/{made[0]['id']}").get_json()) == []


def preview(client: FlaskClient, **query: Any) -> dict[str, Any]:
    response = client.get("/api/v1/cron/preview", query_string=query)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_the_preview_warns_before_saving(client: FlaskClient) -> None:
    body = preview(client, expression="* * * * *", timezone="UTC", timeout_seconds=120)
    assert [w["code"] for w in body["warnings"]] == ["self_overlap"]
    quiet = preview(client, expression="*/5 * * * *", timezone="UTC", timeout_seconds=120)
    assert quiet["warnings"] == []
    # Without a timeout the new schedule's default (30 min) stands in.
    assert [w["code"] for w in preview(client, expression="*/5 * * * *")["warnings"]] == [
        "self_overlap"
    ]


def test_the_preview_uses_the_edited_schedules_history(
    client: FlaskClient, runtime: Runtime, make_schedule: Make
) -> None:
    schedule = make_schedule(cron_schedule="*/5 * * * *", timeout_seconds=3600)
    add_history(runtime, schedule["id"], 90.0)
    edited = preview(client, expression="* * * * *", schedule_id=schedule["id"])
    (warning,) = edited["warnings"]
    assert warning["code"] == "self_overlap" and "(1.5 min)" in warning["message"]
    assert preview(client, expression="*/2 * * * *", schedule_id=schedule["id"])["warnings"] == []


def test_the_preview_counts_the_slots_without_the_edited_schedules_saved_self(
    client: FlaskClient, make_schedule: Make
) -> None:
    made = [
        make_schedule(name=f"n{i}", cron_schedule="0 3 * * *", timeout_seconds=600)
        for i in range(4)
    ]

    def warned() -> dict[str, Any] | None:
        body = preview(client, expression="0 3 * * *", timeout_seconds=600)
        return body if body["warnings"] else None

    fifth = wait_for(warned)
    assert [w["code"] for w in fifth["warnings"]] == ["slot_overload"]
    assert "up to 5 runs" in fifth["warnings"][0]["message"]
    own = preview(client, expression="0 3 * * *", schedule_id=made[0]["id"])
    assert own["warnings"] == []


def test_the_preview_names_a_namesake_and_never_blocks(
    client: FlaskClient, make_schedule: Make
) -> None:
    make_schedule(name="Nightly")
    body = preview(client, expression="0 3 * * *", name="nightly ")
    assert body["warnings"] == [
        {"code": "duplicate_name", "message": 'another schedule is named "Nightly"', "instants": []}
    ]
    # A warned schedule saves all the same.
    saved = make_schedule(name="nightly ", cron_schedule="* * * * *", timeout_seconds=3600)
    assert codes(saved) == ["duplicate_name", "self_overlap"]
