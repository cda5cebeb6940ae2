"""A schedule's `group` and `tags`: kept, changed, cleared, refused when bad, filtered on,
sorted by (with the list's other sorts), and carried through schedules.json."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.conftest import QUIET_CRON, finished_run, schedule_body
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime

API = "/api/v1"


def names(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"{API}/schedules{query}")
    assert response.status_code == 200, response.get_json()
    return [s["name"] for s in response.get_json()["items"]]


def fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.get_json()
    return [e["field"] for e in response.get_json()["errors"]]


# -- the fields --------------------------------------------------------------------------------


def test_a_schedule_has_no_group_and_no_tags_unless_given(make_schedule: Callable) -> None:
    schedule = make_schedule()
    assert (schedule["group"], schedule["tags"]) == (None, [])


def test_it_keeps_the_group_stripped_and_each_tag_once_in_order(
    client: FlaskClient, make_schedule: Callable
) -> None:
    made = make_schedule(group="  Reports ", tags=["nightly", "eu:west", "nightly", "v1.2_b-3"])
    assert (made["group"], made["tags"]) == ("Reports", ["nightly", "eu:west", "v1.2_b-3"])
    read = client.get(f"{API}/schedules/{made['id']}").get_json()
    assert (read["group"], read["tags"]) == ("Reports", ["nightly", "eu:west", "v1.2_b-3"])
    assert make_schedule(name="blank", group="   ")["group"] is None


def test_an_update_changes_them_and_leaves_them_when_not_sent(
    client: FlaskClient, make_schedule: Callable
) -> None:
    sid = make_schedule(group="a", tags=["x"])["id"]

    def patch(**body: Any) -> tuple[Any, Any]:
        response = client.patch(f"{API}/schedules/{sid}", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["group"], response.get_json()["tags"]

    assert patch(name="renamed") == ("a", ["x"])
    assert patch(group="b") == ("b", ["x"])
    assert patch(tags=["y", "z"]) == ("b", ["y", "z"])
    assert patch(tags=None) == ("b", ["y", "z"])  # null: as if not sent
    assert patch(group=None) == (None, ["y", "z"])  # null clears the group
    assert patch(group="c", tags=[]) == ("c", [])
    assert patch(group=" ") == (None, [])  # so does a name of nothing but spaces
    entry = client.get(f"{API}/audit", query_string={"action": "schedule.update"}).get_json()
    assert entry["items"][0]["detail"]["fields"] == ["group"]


def test_null_clears_the_start_deadline_too(client: FlaskClient, make_schedule: Callable) -> None:
    sid = make_schedule(starting_deadline_seconds=60)["id"]
    response = client.patch(f"{API}/schedules/{sid}", json={"starting_deadline_seconds": None})
    assert response.get_json()["starting_deadline_seconds"] is None


@pytest.mark.parametrize(
    ("labels", "field"),
    [
        ({"tags": ["has space"]}, "tags.0"),
        ({"tags": ["ok", "-leading-dash"]}, "tags.1"),
        ({"tags": [""]}, "tags.0"),
        ({"tags": ['quote"d']}, "tags.0"),
        ({"tags": ["trailing\n"]}, "tags.0"),
        ({"tags": ["t" * 51]}, "tags.0"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"tags": "nightly"}, "tags"),
        ({"tags": [7]}, "tags.0"),
        ({"group": "g" * 101}, "group"),
        ({"group": 5}, "group"),
    ],
)
def test_bad_labels_are_refused_by_field(
    client: FlaskClient, make_schedule: Callable, labels: dict[str, Any], field: str
) -> None:
    assert fields(client.post(f"{API}/schedules", json=schedule_body(**labels))) == [field]
    sid = make_schedule()["id"]
    assert fields(client.patch(f"{API}/schedules/{sid}", json=labels)) == [field]
    assert client.get(f"{API}/schedules").get_json()["total"] == 1


def test_twenty_tags_and_a_group_of_a_hundred_are_fine(make_schedule: Callable) -> None:
    made = make_schedule(tags=[f"t{i}" for i in range(20)], group="g" * 100)
    assert len(made["tags"]) == 20 and len(made["group"]) == 100


def test_a_bad_tag_says_what_a_tag_may_hold(client: FlaskClient) -> None:
    response = client.post(f"{API}/schedules", json=schedule_body(tags=["a b"]))
    assert response.get_json()["errors"] == [
        {
            "field": "tags.0",
            "message": "must start with a letter or digit and hold only letters, digits, _ . : -",
        }
    ]


# -- filters -----------------------------------------------------------------------------------


def test_it_filters_by_group_and_by_no_group(client: FlaskClient, make_schedule: Callable) -> None:
    make_schedule(name="a1", group="alpha")
    make_schedule(name="a2", group="alpha")
    make_schedule(name="A3", group="Alpha")  # another group: a group's name is exact
    make_schedule(name="b1", group="beta")
    make_schedule(name="none")
    assert names(client, "?group=alpha") == ["a1", "a2"]
    assert names(client, "?group=%20alpha%20") == ["a1", "a2"]
    assert names(client, "?group=beta") == ["b1"]
    assert names(client, "?group=") == ["none"]  # the schedules without a group
    assert names(client, "?group=gamma") == []


def test_it_filters_by_tags_each_of_which_must_be_there(
    client: FlaskClient, make_schedule: Callable
) -> None:
    make_schedule(name="both", tags=["eu", "nightly"])
    make_schedule(name="eu", tags=["eu"])
    make_schedule(name="longer", tags=["eu-west", "nightly-ish", "Eu"])
    make_schedule(name="untagged")
    assert names(client, "?tag=eu") == ["both", "eu"]
    assert names(client, "?tag=nightly") == ["both"]
    assert names(client, "?tag=eu&tag=nightly") == ["both"]
    assert names(client, "?tag=Eu") == ["longer"]  # case counts, on both databases
    assert names(client, "?tag=eu-west&tag=Eu") == ["longer"]
    assert names(client, "?tag=eu&tag=nope") == []


def test_the_filters_combine(client: FlaskClient, make_schedule: Callable) -> None:
    make_schedule(name="report eu", group="reports", tags=["eu"])
    make_schedule(name="report us", group="reports", tags=["us"])
    make_schedule(name="report eu off", group="reports", tags=["eu"], enabled=False)
    make_schedule(name="scrape eu", group="scrapers", tags=["eu"])
    assert names(client, "?tag=eu&enabled=true") == ["report eu", "scrape eu"]
    assert names(client, "?tag=eu&group=reports") == ["report eu", "report eu off"]
    assert names(client, "?tag=eu&q=report&enabled=false") == ["report eu off"]
    assert names(client, "?group=reports&q=us") == ["report us"]
    body = client.get(f"{API}/schedules?tag=eu&page_size=1&page=2").get_json()
    assert (body["total"], [s["name"] for s in body["items"]]) == (3, ["report eu off"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?tag=a%20b", "tag.0"),
        ("?tag=ok&tag=", "tag.1"),
        ("?" + "&".join(f"tag=t{i}" for i in range(21)), "tag"),
        ("?group=" + "g" * 101, "group"),
        ("?sort=colour", "sort"),
        ("?sort=+name", "sort"),
        ("?tag=a%00", "tag.0"),
    ],
)
def test_bad_filters_and_sorts_are_refused(client: FlaskClient, query: str, field: str) -> None:
    assert fields(client.get(f"{API}/schedules{query}")) == [field]


# -- sorts -------------------------------------------------------------------------------------


def test_it_sorts_by_name_both_ways(client: FlaskClient, make_schedule: Callable) -> None:
    for name in ("beta", "Alpha", "gamma"):
        make_schedule(name=name)
    assert names(client, "?sort=name") == names(client) == ["Alpha", "beta", "gamma"]
    assert names(client, "?sort=-name") == ["gamma", "beta", "Alpha"]


def test_it_sorts_by_group_with_the_ungrouped_last_both_ways(
    client: FlaskClient, make_schedule: Callable
) -> None:
    for name, group in (("d", "beta"), ("a", None), ("c", "Alpha"), ("b", "beta"), ("e", None)):
        make_schedule(name=name, group=group)
    assert names(client, "?sort=group") == ["c", "b", "d", "a", "e"]
    assert names(client, "?sort=-group") == ["b", "d", "c", "a", "e"]  # ties still by name
    assert names(client, "?sort=-group&page=2&page_size=2") == ["c", "a"]


def test_it_sorts_by_last_run_with_the_never_run_last_both_ways(
    client: FlaskClient, make_schedule: Callable
) -> None:
    job = {"workflow_type": "job", "parameters": {}}
    first, second = make_schedule(name="zeta", **job), make_schedule(name="alpha", **job)
    make_schedule(name="mid", **job)
    for schedule in (first, second):  # one after the other: their last runs are apart
        run = client.post(f"{API}/schedules/{schedule['id']}/run").get_json()
        assert finished_run(client, run["id"])["status"] == "success"
    assert names(client, "?sort=last_run") == ["zeta", "alpha", "mid"]
    assert names(client, "?sort=-last_run") == ["alpha", "zeta", "mid"]


@pytest.fixture
def still(settings: Settings) -> Iterator[FlaskClient]:
    """An API whose clock stands at 15 March 2026, noon UTC, and whose scheduler is not
    started: next runs are then known instants, and nothing fires."""
    rt = Runtime(settings, clock=FakeClock(datetime(2026, 3, 15, 12, 0, tzinfo=UTC)))
    rt.start(scheduler=False)
    yield create_app(rt).test_client()
    rt.stop()


def test_it_sorts_by_next_run_with_the_switched_off_last_both_ways(still: FlaskClient) -> None:
    for name, cron, enabled in (
        ("a-january", "0 3 1 1 *", True),  # 1 January 2027
        ("b-off", "0 3 20 3 *", False),
        ("c-june", "0 3 1 6 *", True),
        ("d-march", "0 3 20 3 *", True),  # 20 March 2026: the soonest
        ("e-june-too", "0 3 1 6 *", True),
        ("f-also-off", "0 3 16 3 *", False),
    ):
        body = schedule_body(name=name, cron_schedule=cron, enabled=enabled, timezone="UTC")
        assert still.post(f"{API}/schedules", json=body).status_code == 201
    soonest = ["d-march", "c-june", "e-june-too", "a-january", "b-off", "f-also-off"]
    assert names(still, "?sort=next_run") == soonest
    latest = ["a-january", "c-june", "e-june-too", "d-march", "b-off", "f-also-off"]
    assert names(still, "?sort=-next_run") == latest
    page = still.get(f"{API}/schedules?sort=next_run&page=2&page_size=2").get_json()
    assert [s["name"] for s in page["items"]] == ["e-june-too", "a-january"]
    assert page["total"] == 6
    assert page["items"][0]["next_run"] == "2026-06-01T03:00:00Z"
    assert names(still, "?sort=-next_run&enabled=false") == ["b-off", "f-also-off"]
    assert names(still, "?sort=next_run&q=june") == ["c-june", "e-june-too"]


# -- schedules.json ----------------------------------------------------------------------------


def test_export_and_import_carry_group_and_tags(
    client: FlaskClient, make_schedule: Callable
) -> None:
    made = make_schedule(name="labelled", group="reports", tags=["eu", "nightly"])
    make_schedule(name="plain")
    doc = client.get(f"{API}/schedules/export").get_json()
    by_name = {s["name"]: s for s in doc["schedules"]}
    assert (by_name["labelled"]["group"], by_name["labelled"]["tags"]) == (
        "reports",
        ["eu", "nightly"],
    )
    assert (by_name["plain"]["group"], by_name["plain"]["tags"]) == (None, [])
    by_name["labelled"]["tags"] = ["us"]
    by_name["plain"]["group"] = "misc"
    result = client.post(f"{API}/schedules/import", json=doc).get_json()
    assert result == {"created": 0, "updated": 2, "total": 2}
    again = client.get(f"{API}/schedules/{made['id']}").get_json()
    assert (again["group"], again["tags"]) == ("reports", ["us"])
    assert names(client, "?group=misc") == ["plain"]


def test_a_hand_written_file_may_label_its_schedules_and_is_checked(client: FlaskClient) -> None:
    entry = {"workflow_type": "job", "cron_schedule": QUIET_CRON}
    written = [{"name": "a", "group": " ops ", "tags": ["x", "x"], **entry}, {"name": "b", **entry}]
    assert client.post(f"{API}/schedules/import", json=written).status_code == 200
    items = client.get(f"{API}/schedules").get_json()["items"]
    assert [(s["group"], s["tags"]) for s in items] == [("ops", ["x"]), (None, [])]
    bad = [{"name": "c", "tags": ["no good"], **entry}, {"name": "d", "group": 1, **entry}]
    assert fields(client.post(f"{API}/schedules/import", json=bad)) == [
        "schedules.0.tags.0",
        "schedules.1.group",
    ]
