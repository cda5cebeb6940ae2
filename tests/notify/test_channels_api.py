"""/notifications/channels and /notifications/outbox, and the schedule's `notify` field:
every route, its errors, and that no answer ever carries a channel URL's secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.notify.conftest import API, outbox_rows
from tests.notify.receivers import WebhookReceiver, free_port
from tickwork.runtime import Runtime
from tickwork.store import outbox

CHANNELS = f"{API}/notifications/channels"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
SECRETS = ("hook-pa55-1d7e", "s3cret-path-token")


def fields(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.get_json()
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


def no_secret(response: Any) -> Any:
    text = response.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in text
    return response


# -- channels ---------------------------------------------------------------------------------


def test_it_creates_a_channel_and_shows_its_url_redacted(
    client: FlaskClient, webhook: WebhookReceiver
) -> None:
    response = no_secret(client.post(CHANNELS, json={"name": "ops", "url": webhook.url()}))
    assert response.status_code == 201
    channel = response.get_json()
    assert channel["url"] == f"json://hookuser:****@127.0.0.1:{webhook.port}/…"
    assert channel["default"] is False and channel["on"] == ["failed", "timeout"]
    assert channel["schedules"] == 0
    listed = no_secret(client.get(CHANNELS)).get_json()["items"]
    assert [c["id"] for c in listed] == [channel["id"]]


def test_it_takes_a_default_channel_with_its_events_and_an_id_of_its_own(
    client: FlaskClient,
) -> None:
    body = {"id": UNKNOWN, "name": "all", "url": "json://127.0.0.1:1", "default": True}
    response = client.post(CHANNELS, json={**body, "on": ["succeeded", "recovered"]})
    assert response.status_code == 201
    assert response.get_json()["id"] == UNKNOWN
    assert response.get_json()["on"] == ["succeeded", "recovered"]
    assert client.post(CHANNELS, json={**body, "name": "other"}).status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "url": "foo://bar"}, "url"),
        ({"name": "x", "url": "no scheme"}, "url"),
        ({"name": "x"}, "url"),
        ({"url": "json://127.0.0.1:1"}, "name"),
        ({"name": "", "url": "json://127.0.0.1:1"}, "name"),
        ({"name": "x", "url": "json://127.0.0.1:1", "on": ["exploded"]}, "on.0"),
        ({"name": "x", "url": "json://127.0.0.1:1", "default": "yes"}, "default"),
        ({"name": "x", "url": "json://127.0.0.1:1", "colour": "red"}, "colour"),
        ({"name": "x", "url": "json://127.0.0.1:1", "id": "not-a-uuid"}, "id"),
    ],
)
def test_it_refuses_a_bad_channel(client: FlaskClient, body: dict[str, Any], field: str) -> None:
    assert field in fields(client.post(CHANNELS, json=body))


def test_it_refuses_a_body_that_is_not_json(client: FlaskClient) -> None:
    response = client.post(CHANNELS, data="{", content_type="application/json")
    assert response.status_code == 400


def test_names_are_unique(client: FlaskClient, make_channel: Callable[..., dict]) -> None:
    make_channel("json://127.0.0.1:1", name="ops")
    other = make_channel("json://127.0.0.1:2", name="dev")
    response = client.post(CHANNELS, json={"name": "ops", "url": "json://127.0.0.1:3"})
    assert response.status_code == 409
    renamed = client.put(f"{CHANNELS}/{other['id']}", json={"name": "ops"})
    assert renamed.status_code == 409


def test_a_change_without_url_keeps_the_stored_one(
    client: FlaskClient, make_channel: Callable[..., dict], webhook: WebhookReceiver
) -> None:
    channel = make_channel(webhook.url(), name="ops")
    response = no_secret(
        client.put(f"{CHANNELS}/{channel['id']}", json={"name": "oncall", "on": ["started"]})
    )
    assert response.status_code == 200
    changed = response.get_json()
    assert (changed["name"], changed["on"], changed["url"]) == (
        "oncall",
        ["started"],
        channel["url"],
    )
    sent = client.post(f"{CHANNELS}/{channel['id']}/test")
    assert sent.get_json() == {"ok": True, "error": None}
    assert webhook.wait(1)[0]["path"] == "/hook/s3cret-path-token"  # the stored URL, whole


def test_a_change_of_url_is_checked(client: FlaskClient, make_channel: Callable) -> None:
    channel = make_channel("json://127.0.0.1:1")
    assert "url" in fields(client.put(f"{CHANNELS}/{channel['id']}", json={"url": "bogus://"}))
    moved = client.put(f"{CHANNELS}/{channel['id']}", json={"url": "json://127.0.0.1:2/x"})
    assert moved.get_json()["url"] == "json://127.0.0.1:2/…"


@pytest.mark.parametrize(("method", "suffix"), [("PUT", ""), ("DELETE", ""), ("POST", "/test")])
def test_an_unknown_channel_is_a_404(client: FlaskClient, method: str, suffix: str) -> None:
    response = client.open(f"{CHANNELS}/{UNKNOWN}{suffix}", method=method, json={})
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_the_test_send_reports_a_receiver_that_is_down_without_its_secrets(
    client: FlaskClient, make_channel: Callable
) -> None:
    url = f"json://hookuser:hook-pa55-1d7e@127.0.0.1:{free_port()}/hook/s3cret-path-token"
    channel = make_channel(url)
    response = no_secret(client.post(f"{CHANNELS}/{channel['id']}/test"))
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["ok"] is False
    assert "127.0.0.1" in answer["error"]


def test_deleting_a_channel_in_use_needs_detach(
    client: FlaskClient, make_channel: Callable, make_schedule: Callable, runtime: Runtime
) -> None:
    channel = make_channel("json://127.0.0.1:1")
    kept = make_channel("json://127.0.0.1:2", name="kept")
    schedule = make_schedule(
        name="Nightly",
        notify=[{"channel": channel["id"], "on": ["failed"]}, {"channel": kept["id"]}],
    )
    assert [c["schedules"] for c in client.get(CHANNELS).get_json()["items"]] == [1, 1]
    with runtime.store.session() as session:
        outbox.enqueue(session, schedule["id"], "failed", None, runtime.clock.now(), {})
    refused = client.delete(f"{CHANNELS}/{channel['id']}")
    assert refused.status_code == 409
    assert '"Nightly"' in refused.get_json()["message"]
    assert client.delete(f"{CHANNELS}/{channel['id']}?detach=true").status_code == 204
    after = client.get(f"{API}/schedules/{schedule['id']}").get_json()
    assert after["notify"] == [{"channel": kept["id"], "on": ["failed", "timeout"]}]
    assert [r.channel_id for r in outbox_rows(runtime)] == [kept["id"]]
    assert client.delete(f"{CHANNELS}/{channel['id']}").status_code == 404
    assert "detach" in fields(client.delete(f"{CHANNELS}/{kept['id']}?detach=maybe"))


def test_the_audit_log_names_channel_changes_without_secrets(
    client: FlaskClient, webhook: WebhookReceiver, make_channel: Callable
) -> None:
    channel = make_channel(webhook.url())
    client.put(f"{CHANNELS}/{channel['id']}", json={"url": webhook.url("hook/s3cret-path-token/2")})
    client.post(f"{CHANNELS}/{channel['id']}/test")
    client.delete(f"{CHANNELS}/{channel['id']}")
    audit = no_secret(client.get(f"{API}/audit?target_id={channel['id']}")).get_json()["items"]
    assert [e["action"] for e in audit] == [
        "channel.delete",
        "channel.test",
        "channel.update",
        "channel.create",
    ]
    assert audit[2]["detail"]["fields"] == ["url"]


# -- the outbox -------------------------------------------------------------------------------


def test_the_outbox_lists_rows_newest_first_by_status(
    client: FlaskClient, make_channel: Callable, make_schedule: Callable, runtime: Runtime
) -> None:
    channel = make_channel("json://127.0.0.1:1")
    schedule = make_schedule(name="S", notify=[{"channel": channel["id"], "on": ["failed"]}])
    with runtime.store.session() as session:
        for _ in range(3):
            outbox.enqueue(session, schedule["id"], "failed", 7, runtime.clock.now(), {})
    page = client.get(f"{API}/notifications/outbox?status=pending&page_size=2").get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    first = page["items"][0]
    assert first["id"] > page["items"][1]["id"]
    assert (first["channel_name"], first["schedule_name"], first["event"]) == ("ops", "S", "failed")
    assert client.get(f"{API}/notifications/outbox?status=sent").get_json()["total"] == 0
    assert "status" in fields(client.get(f"{API}/notifications/outbox?status=lost"))
    assert "page" in fields(client.get(f"{API}/notifications/outbox?page=0"))


# -- a schedule's notify ----------------------------------------------------------------------


def test_a_schedule_subscribes_and_changes_its_subscriptions(
    client: FlaskClient, make_channel: Callable, make_schedule: Callable
) -> None:
    a, b = (
        make_channel("json://127.0.0.1:1", name="a"),
        make_channel("json://127.0.0.1:2", name="b"),
    )
    schedule = make_schedule(notify=[{"channel": a["id"], "on": ["started", "succeeded"]}])
    assert schedule["notify"] == [{"channel": a["id"], "on": ["started", "succeeded"]}]
    response = client.put(
        f"{API}/schedules/{schedule['id']}", json={"notify": [{"channel": b["id"], "on": []}]}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["notify"] == [{"channel": b["id"], "on": []}]
    untouched = client.put(f"{API}/schedules/{schedule['id']}", json={"name": "renamed"})
    assert untouched.get_json()["notify"] == [{"channel": b["id"], "on": []}]


def test_it_refuses_subscriptions_to_unknown_or_repeated_channels(
    client: FlaskClient, make_channel: Callable, make_schedule: Callable
) -> None:
    a = make_channel("json://127.0.0.1:1")
    body = {
        "name": "S",
        "workflow_type": "job",
        "cron_schedule": "0 3 1 1 *",
        "notify": [{"channel": a["id"]}, {"channel": UNKNOWN}, {"channel": a["id"]}],
    }
    assert fields(client.post(f"{API}/schedules", json=body)) == {
        "notify[1].channel": f"no channel {UNKNOWN}",
        "notify[2].channel": f"channel {a['id']} is listed twice",
    }
    schedule = make_schedule()
    put = client.put(f"{API}/schedules/{schedule['id']}", json={"notify": [{"channel": UNKNOWN}]})
    assert set(fields(put)) == {"notify[0].channel"}


@pytest.mark.parametrize(
    ("notify", "field"),
    [
        ([{"channel": "x", "on": ["exploded"]}], "notify[0].on[0]"),
        ([{"on": ["failed"]}], "notify[0].channel"),
        ([{"channel": "x", "when": ["failed"]}], "notify[0].when"),
        ({"channel": "x"}, "notify"),
        ([{"channel": "x"}] * 21, "notify"),
    ],
)
def test_it_refuses_a_malformed_notify(client: FlaskClient, notify: Any, field: str) -> None:
    body = {"name": "S", "workflow_type": "job", "cron_schedule": "0 3 1 1 *", "notify": notify}
    assert field in fields(client.post(f"{API}/schedules", json=body))


def test_export_and_import_carry_notify(
    client: FlaskClient, make_channel: Callable, make_schedule: Callable
) -> None:
    channel = make_channel("json://127.0.0.1:1")
    schedule = make_schedule(notify=[{"channel": channel["id"], "on": ["recovered"]}])
    document = client.get(f"{API}/schedules/export").get_json()
    assert document["schedules"][0]["notify"] == [{"channel": channel["id"], "on": ["recovered"]}]
    client.put(f"{API}/schedules/{schedule['id']}", json={"notify": []})
    assert client.post(f"{API}/schedules/import", json=document).status_code == 200
    back = client.get(f"{API}/schedules/{schedule['id']}").get_json()
    assert back["notify"] == [{"channel": channel["id"], "on": ["recovered"]}]
    document["schedules"][0]["notify"] = [{"channel": UNKNOWN}]
    assert set(fields(client.post(f"{API}/schedules/import", json=document))) == {
        "schedules.0.notify[0].channel"
    }
