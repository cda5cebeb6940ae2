"""POST /api/v1/schedules/bulk: one action on many schedules, by ids or by the list's filters,
answered per schedule, audited per schedule, and allowed by the role the action needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import finished_run

API = "/api/v1"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
JOB = {"workflow_type": "job", "parameters": {}}


def bulk(client: FlaskClient, **body: Any) -> list[dict[str, Any]]:
    response = client.post(f"{API}/schedules/bulk", json=body)
    assert response.status_code == 200, response.get_json()
    assert set(response.get_json()) == {"results"}
    return list(response.get_json()["results"])


def done(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "ok": True, "error": None} for i in ids]


def one(client: FlaskClient, schedule_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/schedules/{schedule_id}")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def entries(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit", query_string={"page_size": 200, **query})
    return list(response.get_json()["items"])


@pytest.fixture
def trio(make_schedule: Callable) -> list[str]:
    """Three schedules: a and b tagged eu in group reports, c on its own."""
    a = make_schedule(name="a", group="reports", tags=["eu"], **JOB)
    b = make_schedule(name="b", group="reports", tags=["eu", "nightly"], **JOB)
    c = make_schedule(name="c", tags=["us"], **JOB)
    return [a["id"], b["id"], c["id"]]


# -- each action, by ids and by filter ---------------------------------------------------------


def test_disable_and_enable_by_ids(client: FlaskClient, trio: list[str]) -> None:
    a, b, c = trio
    assert bulk(client, action="disable", ids=[b, a]) == done(b, a)  # in the order sent
    assert [one(client, i)["enabled"] for i in trio] == [False, False, True]
    assert bulk(client, action="enable", ids=[a]) == done(a)
    assert [one(client, i)["enabled"] for i in trio] == [True, False, True]


def test_disable_and_enable_by_filter(client: FlaskClient, trio: list[str]) -> None:
    a, b, c = trio
    assert bulk(client, action="disable", filter={"tag": ["eu"]}) == done(a, b)  # by name
    assert [one(client, i)["enabled"] for i in trio] == [False, False, True]
    assert bulk(client, action="enable", filter={"enabled": False, "tag": ["nightly"]}) == done(b)
    assert [one(client, i)["enabled"] for i in trio] == [False, True, True]
    # {} is every schedule, like the list without filters.
    assert bulk(client, action="disable", filter={}) == done(a, b, c)


def test_run_queues_one_run_each(client: FlaskClient, trio: list[str]) -> None:
    a, b, c = trio
    assert bulk(client, action="run", filter={"group": "reports"}) == done(a, b)
    for schedule_id, expected in ((a, 1), (b, 1), (c, 0)):
        history = client.get(f"{API}/schedules/{schedule_id}/runs").get_json()
        assert history["total"] == expected
        for run in history["items"]:
            assert run["trigger"] == "manual"
            assert finished_run(client, run["id"])["status"] == "success"
    assert bulk(client, action="run", ids=[c]) == done(c)
    (run,) = client.get(f"{API}/schedules/{c}/runs").get_json()["items"]
    finished_run(client, run["id"])


def test_delete_by_ids_and_by_filter(client: FlaskClient, trio: list[str]) -> None:
    a, b, c = trio
    assert bulk(client, action="delete", ids=[a]) == done(a)
    assert client.get(f"{API}/schedules/{a}").status_code == 404
    assert bulk(client, action="delete", filter={"tag": ["us"]}) == done(c)
    assert [s["id"] for s in client.get(f"{API}/schedules").get_json()["items"]] == [b]


def test_delete_takes_dependents_before_what_they_depend_on(
    client: FlaskClient, make_schedule: Callable
) -> None:
    up = make_schedule(name="1 up")["id"]
    mid = make_schedule(name="2 mid", depends_on=[{"schedule_id": up}])["id"]
    down = make_schedule(name="3 down", depends_on=[{"schedule_id": mid}])["id"]
    assert bulk(client, action="delete", ids=[up, mid, down]) == done(up, mid, down)
    assert client.get(f"{API}/schedules").get_json()["total"] == 0


def test_a_delete_refused_for_one_schedule_leaves_the_others_done(
    client: FlaskClient, make_schedule: Callable
) -> None:
    up = make_schedule(name="up")["id"]
    make_schedule(name="dependent", depends_on=[{"schedule_id": up}])
    other = make_schedule(name="other")["id"]
    results = bulk(client, action="delete", ids=[up, other])
    assert results[1] == done(other)[0]
    assert results[0]["id"] == up and results[0]["ok"] is False
    assert results[0]["error"].startswith('schedules depend on it: "dependent"')
    assert one(client, up)["name"] == "up"


def test_set_group_by_ids_and_by_filter_and_clear_it(client: FlaskClient, trio: list[str]) -> None:
    a, b, c = trio
    assert bulk(client, action="set_group", ids=[c], value="  misc ") == done(c)
    assert one(client, c)["group"] == "misc"
    assert bulk(client, action="set_group", filter={"group": "reports"}, value="old") == done(a, b)
    assert [one(client, i)["group"] for i in trio] == ["old", "old", "misc"]
    assert bulk(client, action="set_group", ids=[a], value="") == done(a)
    assert bulk(client, action="set_group", ids=[b], value=None) == done(b)
    assert [one(client, i)["group"] for i in trio] == [None, None, "misc"]
    assert bulk(client, action="set_group", filter={"group": ""}, value="found") == done(a, b)


def test_add_tag_and_remove_tag_by_ids_and_by_filter(client: FlaskClient, trio: list[str]) -> None:
    a, b, c = trio
    assert bulk(client, action="add_tag", ids=[a, c], value="nightly") == done(a, c)
    assert [one(client, i)["tags"] for i in trio] == [
        ["eu", "nightly"],
        ["eu", "nightly"],  # b had it already: it stays once
        ["us", "nightly"],
    ]
    assert bulk(client, action="add_tag", ids=[b], value="nightly") == done(b)
    assert one(client, b)["tags"] == ["eu", "nightly"]
    assert bulk(client, action="remove_tag", filter={"tag": ["eu"]}, value="eu") == done(a, b)
    assert [one(client, i)["tags"] for i in trio] == [["nightly"], ["nightly"], ["us", "nightly"]]
    assert bulk(client, action="remove_tag", ids=[c], value="absent") == done(c)
    assert one(client, c)["tags"] == ["us", "nightly"]


def test_a_tag_too_many_fails_that_schedule_only(
    client: FlaskClient, make_schedule: Callable
) -> None:
    full = make_schedule(name="full", tags=[f"t{i}" for i in range(20)])["id"]
    roomy = make_schedule(name="roomy")["id"]
    results = bulk(client, action="add_tag", ids=[full, roomy], value="extra")
    assert results == [
        {"id": full, "ok": False, "error": "tags: it has 20 tags, the most it may"},
        *done(roomy),
    ]
    assert len(one(client, full)["tags"]) == 20 and one(client, roomy)["tags"] == ["extra"]
    # One it holds already is no tag too many.
    assert bulk(client, action="add_tag", ids=[full], value="t3") == done(full)


def test_unknown_ids_are_answered_not_found_and_each_id_once(
    client: FlaskClient, trio: list[str]
) -> None:
    a, b, _ = trio
    results = bulk(client, action="disable", ids=[UNKNOWN, a, a, "not-even-a-uuid", b])
    assert results == [
        {"id": UNKNOWN, "ok": False, "error": "not found"},
        *done(a),
        {"id": "not-even-a-uuid", "ok": False, "error": "not found"},
        *done(b),
    ]
    assert len(entries(client, action="schedule.toggle")) == 2


def test_a_filter_that_matches_nothing_does_nothing(client: FlaskClient, trio: list[str]) -> None:
    assert bulk(client, action="delete", filter={"tag": ["nobody"]}) == []
    assert client.get(f"{API}/schedules").get_json()["total"] == 3


# -- the audit log: one entry per schedule, as its single action writes ------------------------


@pytest.mark.parametrize(
    ("action", "value", "audited"),
    [
        ("enable", None, "schedule.toggle"),
        ("disable", None, "schedule.toggle"),
        ("run", None, "schedule.run"),
        ("delete", None, "schedule.delete"),
        ("set_group", "g", "schedule.update"),
        ("add_tag", "new", "schedule.update"),
        ("remove_tag", "eu", "schedule.update"),
    ],
)
def test_each_schedule_gets_the_entry_its_single_action_writes(
    client: FlaskClient, trio: list[str], action: str, value: str | None, audited: str
) -> None:
    a, b, _ = trio
    body: dict[str, Any] = {"action": action, "ids": [a, b, UNKNOWN]}
    if value is not None:
        body["value"] = value
    assert [r["ok"] for r in bulk(client, **body)] == [True, True, False]
    written = entries(client, action=audited)
    assert sorted(e["target_id"] for e in written) == sorted([a, b])
    for entry in written:
        assert entry["detail"]["bulk"] is True
        assert entry["detail"]["name"] in ("a", "b")
        assert entry["actor"] == "anonymous" and entry["target_type"] == "schedule"
    if action == "run":
        for entry in written:
            finished_run(client, entry["detail"]["run_id"])


def test_bulk_entries_say_what_changed_like_single_ones(
    client: FlaskClient, trio: list[str]
) -> None:
    a, _, _ = trio
    bulk(client, action="set_group", ids=[a], value="elsewhere")
    (entry,) = entries(client, action="schedule.update")
    assert entry["detail"] == {"name": "a", "fields": ["group"], "bulk": True}
    bulk(client, action="disable", ids=[a])
    (entry,) = entries(client, action="schedule.toggle")
    assert entry["detail"] == {"name": "a", "enabled": False, "bulk": True}


# -- bad bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"action": "enable"}, ["ids"]),
        ({"action": "enable", "ids": [UNKNOWN], "filter": {}}, ["ids"]),
        ({"action": "set_group", "ids": [UNKNOWN]}, ["value"]),
        ({"action": "add_tag", "ids": [UNKNOWN]}, ["value"]),
        ({"action": "remove_tag", "filter": {}, "value": None}, ["value"]),
        ({"action": "add_tag", "ids": [UNKNOWN], "value": "no good"}, ["value"]),
        ({"action": "add_tag", "ids": [UNKNOWN], "value": ["a"]}, ["value"]),
        ({"action": "set_group", "ids": [UNKNOWN], "value": "g" * 101}, ["value"]),
        ({"action": "set_group", "ids": [UNKNOWN], "value": 3}, ["value"]),
        ({"action": "enable", "ids": [UNKNOWN], "value": "x"}, ["value"]),
        ({"action": "enable", "ids": [UNKNOWN], "value": "x", "filter": {}}, ["ids", "value"]),
        ({"action": "explode", "ids": [UNKNOWN]}, ["action"]),
        ({"ids": [UNKNOWN]}, ["action"]),
        ({"action": "enable", "ids": []}, ["ids"]),
        ({"action": "enable", "ids": [UNKNOWN] * 1001}, ["ids"]),
        ({"action": "enable", "ids": [""]}, ["ids.0"]),
        ({"action": "enable", "ids": UNKNOWN}, ["ids"]),
        ({"action": "enable", "filter": {"colour": "red"}}, ["filter.colour"]),
        ({"action": "enable", "filter": {"tag": ["a b"]}}, ["filter.tag.0"]),
        ({"action": "enable", "filter": {"enabled": "yes"}}, ["filter.enabled"]),
        ({"action": "enable", "filter": {}, "page": 1}, ["page"]),
    ],
)
def test_bad_bodies_are_refused_by_field_and_change_nothing(
    client: FlaskClient, trio: list[str], body: dict[str, Any], errors: list[str]
) -> None:
    response = client.post(f"{API}/schedules/bulk", json=body)
    assert response.status_code == 422, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == errors
    assert all(one(client, i)["enabled"] for i in trio)
    assert entries(client) == entries(client, action="schedule.create")


def test_a_body_that_is_not_json_is_a_400(client: FlaskClient) -> None:
    response = client.post(
        f"{API}/schedules/bulk", data="action=enable", content_type="application/json"
    )
    assert response.status_code == 400
    assert client.post(f"{API}/schedules/bulk").status_code == 400  # no body at all


# -- roles -------------------------------------------------------------------------------------

ACTIONS = [
    ("enable", None, "operator"),
    ("disable", None, "operator"),
    ("run", None, "operator"),
    ("set_group", "g", "admin"),
    ("add_tag", "t", "admin"),
    ("remove_tag", "t", "admin"),
    ("delete", None, "admin"),
]


def test_each_action_needs_the_role_its_single_action_needs(
    admin: FlaskClient, operator: FlaskClient, viewer: FlaskClient
) -> None:
    made = admin.post(
        f"{API}/schedules",
        json={"name": "s", "cron_schedule": "0 3 1 1 *", **JOB},
    )
    sid = made.get_json()["id"]
    for action, value, needs in ACTIONS:
        body = {"action": action, "ids": [sid], **({"value": value} if value else {})}
        refused = viewer.post(f"{API}/schedules/bulk", json=body)
        assert refused.status_code == 403, action
        assert refused.get_json()["message"] == "the viewer role may not do this; it needs operator"
        by_operator = operator.post(f"{API}/schedules/bulk", json=body)
        if needs == "operator":
            assert by_operator.status_code == 200, action
            assert by_operator.get_json()["results"] == done(sid), action
        else:
            assert by_operator.status_code == 403, action
            assert by_operator.get_json() == {
                "error": "forbidden",
                "message": "the operator role may not do this; it needs admin",
            }
        by_admin = admin.post(f"{API}/schedules/bulk", json=body)
        assert by_admin.status_code == 200, action
        assert by_admin.get_json()["results"] == done(sid), action
    assert admin.get(f"{API}/schedules").get_json()["total"] == 0  # the last action deleted it
    audited = [e for e in entries(admin) if e["detail"].get("bulk")]
    actors = [(e["actor"], e["action"]) for e in reversed(audited)]
    assert actors == [
        ("oscar", "schedule.toggle"),
        ("ada", "schedule.toggle"),
        ("oscar", "schedule.toggle"),
        ("ada", "schedule.toggle"),
        ("oscar", "schedule.run"),
        ("ada", "schedule.run"),
        ("ada", "schedule.update"),
        ("ada", "schedule.update"),
        ("ada", "schedule.update"),
        ("ada", "schedule.delete"),
    ]


def test_a_refused_bulk_changes_nothing(admin: FlaskClient, operator: FlaskClient) -> None:
    sid = admin.post(
        f"{API}/schedules", json={"name": "keep", "cron_schedule": "0 3 1 1 *", **JOB}
    ).get_json()["id"]
    before = len(entries(admin))
    assert (
        operator.post(f"{API}/schedules/bulk", json={"action": "delete", "filter": {}}).status_code
        == 403
    )
    assert admin.get(f"{API}/schedules/{sid}").status_code == 200
    assert len(entries(admin)) == before


def test_a_filter_may_match_at_most_a_thousand(client: FlaskClient) -> None:
    entry = {"workflow_type": "job", "cron_schedule": "0 3 1 1 *", "enabled": False}
    many = [{"name": f"s{i:04d}", "tags": ["many"], **entry} for i in range(1001)]
    assert client.post(f"{API}/schedules/import", json=many).status_code == 200
    response = client.post(
        f"{API}/schedules/bulk", json={"action": "delete", "filter": {"tag": ["many"]}}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "filter", "message": "matches 1001 schedules; at most 1000 at once"}
    ]
    assert client.get(f"{API}/schedules").get_json()["total"] == 1001
