"""GET /api/v1/schedules"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient


def dup(message: str) -> dict[str, object]:
    """The duplicate-name warning as a schedule response carries it."""
    return {"code": "duplicate_name", "message": message, "instants": []}


def names(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/schedules{query}")
    assert response.status_code == 200, response.get_json()
    return [s["name"] for s in response.get_json()["items"]]


def test_it_lists_schedules_by_name(client: FlaskClient, make_schedule: Callable) -> None:
    make_schedule(name="beta")
    make_schedule(name="Alpha")
    assert names(client) == ["Alpha", "beta"]


def test_it_searches_name_and_description(client: FlaskClient, make_schedule: Callable) -> None:
    make_schedule(name="Nightly evaluation", description="scores")
    make_schedule(name="Scrape", description="Every hour on WEEKDAYS")
    make_schedule(name="Other", description="50%_off")
    assert names(client, "?q=weekdays") == ["Scrape"]
    assert names(client, "?q=EVAL") == ["Nightly evaluation"]
    assert names(client, "?q=%25_") == ["Other"]  # LIKE wildcards are literal


def test_it_searches_the_cron_text_and_workflow_type(
    client: FlaskClient, make_schedule: Callable
) -> None:
    make_schedule(name="Hourly", description="", cron_schedule="0 8-23 * * 1-5")
    make_schedule(name="Nightly", description="", cron_schedule="30 2 * * *")
    make_schedule(
        name="Scores",
        description="",
        workflow_type="evaluate",
        parameters={},
        cron_schedule="0 7 * * *",
    )
    assert names(client, "?q=8-23") == ["Hourly"]
    assert names(client, "?q=30 2") == ["Nightly"]
    assert names(client, "?q=evaLUATE") == ["Scores"]
    # LIKE wildcards stay literal in the new columns too (the cron text has `*`, not `%`).
    assert names(client, "?q=%25") == names(client, "?q=_") == []


def test_list_items_carry_the_duplicate_name_warning(
    client: FlaskClient, make_schedule: Callable
) -> None:
    make_schedule(name="Report")
    make_schedule(name="report ")
    make_schedule(name="Unique")
    items = client.get("/api/v1/schedules").get_json()["items"]
    assert {s["name"]: s["warnings"] for s in items} == {
        "Report": [dup('another schedule is named "report "')],
        "report ": [dup('another schedule is named "Report"')],
        "Unique": [],
    }


def test_it_filters_by_enabled_and_workflow(client: FlaskClient, make_schedule: Callable) -> None:
    make_schedule(name="on-main")
    make_schedule(name="off-main", enabled=False)
    make_schedule(name="on-eval", workflow_type="evaluate", parameters={})
    assert names(client, "?enabled=false") == ["off-main"]
    assert names(client, "?enabled=true&workflow_type=main") == ["on-main"]
    assert names(client, "?workflow_type=evaluate") == ["on-eval"]


def test_it_pages(client: FlaskClient, make_schedule: Callable) -> None:
    for i in range(5):
        make_schedule(name=f"s{i}")
    body = client.get("/api/v1/schedules?page=2&page_size=2").get_json()
    assert [s["name"] for s in body["items"]] == ["s2", "s3"]
    assert (body["total"], body["page"], body["page_size"]) == (5, 2, 2)


def test_it_caps_the_page_size(client: FlaskClient) -> None:
    response = client.get("/api/v1/schedules?page_size=100000")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "page_size"


def test_it_rejects_bad_filters(client: FlaskClient) -> None:
    assert client.get("/api/v1/schedules?enabled=maybe").status_code == 422
    assert client.get("/api/v1/schedules?last_status=great").status_code == 422
    assert client.get("/api/v1/schedules?colour=red").status_code == 422


def test_disabled_schedules_have_no_next_run(client: FlaskClient, make_schedule: Callable) -> None:
    make_schedule(name="off", enabled=False)
    (item,) = client.get("/api/v1/schedules").get_json()["items"]
    assert item["next_run"] is None
