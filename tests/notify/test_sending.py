"""Notifications of real runs, sent by the real sender to real receivers: the events, the
email of a failed run, the default channel, a receiver that is down and back (backoff on the
fake clock), giving up, the digest of a flood, and secrets kept out of answers and logs."""

from __future__ import annotations

import email
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.conftest import finished_run, wait_for
from tests.notify.conftest import API, PUBLIC_URL, outbox_rows
from tests.notify.receivers import SMTP_PASSWORD, SmtpReceiver, WebhookReceiver
from tickwork.config import Settings
from tickwork.runtime import Runtime
from tickwork.store import outbox
from tickwork.store.tables import OutboxRow


def run_now(client: FlaskClient, schedule_id: str, **parameters: Any) -> dict[str, Any]:
    body = {"parameters": parameters} if parameters else None
    response = client.post(f"{API}/schedules/{schedule_id}/run", json=body)
    assert response.status_code == 202, response.get_json()
    return finished_run(client, response.get_json()["id"])


def job(make_schedule: Callable[..., dict], channel: dict, on: list[str], **fields: Any) -> dict:
    return make_schedule(
        name=fields.pop("name", "Nightly report"),
        workflow_type="job",
        parameters=fields.pop("parameters", {}),
        notify=[{"channel": channel["id"], "on": on}],
        **fields,
    )


def settled(runtime: Runtime) -> list[OutboxRow]:
    """Whatever is due sent (or tried), and the outbox as it is then."""
    runtime.sender.drain()
    return outbox_rows(runtime)


# -- the events of real runs ------------------------------------------------------------------


def test_a_run_that_succeeds_tells_of_its_start_and_its_success(
    client: FlaskClient,
    runtime: Runtime,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(make_schedule, channel, ["started", "succeeded"], parameters={"say": ["hi"]})
    run = run_now(client, schedule["id"])
    got = webhook.wait(2)
    assert [m["title"] for m in got] == [
        f"[tickwork] Nightly report: run #{run['id']} started",
        f"[tickwork] Nightly report: run #{run['id']} succeeded",
    ]
    text = got[1]["message"]
    assert "Outcome: success" in text and "Duration: " in text
    assert f"Run page: {PUBLIC_URL}/runs/{run['id']}" in text
    assert "job started hi" in text  # the end of its log
    assert got[0]["path"] == "/hook/s3cret-path-token"
    assert [r.status for r in settled(runtime)] == ["sent", "sent"]


def test_a_failed_run_is_mailed_through_a_real_smtp_server(
    client: FlaskClient,
    runtime: Runtime,
    smtp: SmtpReceiver,
    make_channel: Callable,
    make_schedule: Callable,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    channel = make_channel(smtp.url(), name="mail")
    assert SMTP_PASSWORD not in str(channel)
    schedule = job(make_schedule, channel, ["failed"], parameters={"exit": 3})
    run = run_now(client, schedule["id"])
    assert run["status"] == "failed"
    wait_for(lambda: smtp.mailbox.messages)
    envelope = smtp.mailbox.messages[0]
    assert envelope.rcpt_tos == ["ops@example.org"]
    mail = email.message_from_bytes(envelope.original_content or b"")
    assert mail["Subject"] == f"[tickwork] Nightly report: run #{run['id']} failed"
    text = _plain(mail)
    assert "Outcome: failed, exit code 3" in text
    assert f"{PUBLIC_URL}/runs/{run['id']}" in text
    assert "job done" in text
    answers = [
        client.get(f"{API}/notifications/channels").get_data(as_text=True),
        client.get(f"{API}/notifications/outbox").get_data(as_text=True),
        client.get(f"{API}/audit").get_data(as_text=True),
    ]
    for text in [*answers, caplog.text]:
        assert SMTP_PASSWORD not in text


def _plain(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


def test_a_run_that_times_out_says_so(
    client: FlaskClient,
    runtime: Runtime,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(make_schedule, channel, ["timeout"], parameters={"sleep": 30}, timeout_seconds=1)
    run = run_now(client, schedule["id"])
    assert run["status"] == "timeout"
    assert webhook.wait(1)[0]["title"] == f"[tickwork] Nightly report: run #{run['id']} timed out"


def test_a_retried_failure_tells_once_that_the_retries_ran_out(
    client: FlaskClient,
    runtime: Runtime,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(
        make_schedule,
        channel,
        ["failed", "retries_exhausted"],
        parameters={"exit": 1},
        max_retries=1,
        retry_delay_seconds=0,
    )
    first = run_now(client, schedule["id"])

    def retried() -> dict | None:
        items = client.get(f"{API}/schedules/{schedule['id']}/runs").get_json()["items"]
        ended = [r for r in items if r["status"] not in ("queued", "running")]
        return ended[0] if len(ended) == 2 else None

    second = wait_for(retried)
    assert (second["attempt"], second["parent_run_id"]) == (2, first["id"])
    rows = settled(runtime)
    assert [(r.run_id, r.event) for r in rows] == [(second["id"], "retries_exhausted")]
    got = webhook.wait(1)
    assert got[0]["title"].endswith(f"run #{second['id']} failed, no retries left")
    assert "attempt 2 of 2 (retry)" in got[0]["message"]


def test_a_success_after_a_failure_is_a_recovery_once(
    client: FlaskClient,
    runtime: Runtime,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(make_schedule, channel, ["recovered"])
    run_now(client, schedule["id"], exit=1)
    recovered = run_now(client, schedule["id"])
    again = run_now(client, schedule["id"])
    assert [recovered["status"], again["status"]] == ["success", "success"]
    rows = settled(runtime)
    assert [(r.run_id, r.event) for r in rows] == [(recovered["id"], "recovered")]
    assert webhook.titles() == [
        f"[tickwork] Nightly report: run #{recovered['id']} succeeded again after a failure"
    ]


def test_a_channel_hearing_both_gets_one_message_for_the_recovery(
    client: FlaskClient,
    runtime: Runtime,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(make_schedule, channel, ["succeeded", "recovered", "failed"])
    failed = run_now(client, schedule["id"], exit=1)
    fixed = run_now(client, schedule["id"])
    events = [(r.run_id, r.event) for r in settled(runtime)]
    assert events == [(failed["id"], "failed"), (fixed["id"], "recovered")]


def test_default_channels_speak_for_schedules_without_a_list_of_their_own(
    client: FlaskClient,
    runtime: Runtime,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    everyone = make_channel(webhook.url(), name="everyone", default=True, on=["succeeded"])
    quiet_channel = make_channel("json://127.0.0.1:1", name="unused")
    plain = make_schedule(name="Plain", workflow_type="job", parameters={})
    quiet = make_schedule(
        name="Quiet",
        workflow_type="job",
        parameters={},
        notify=[{"channel": quiet_channel["id"], "on": []}],
    )
    run = run_now(client, plain["id"])
    run_now(client, quiet["id"])
    rows = settled(runtime)
    assert [(r.channel_id, r.run_id, r.event) for r in rows] == [
        (everyone["id"], run["id"], "succeeded")
    ]
    assert webhook.titles() == [f"[tickwork] Plain: run #{run['id']} succeeded"]


# -- the outbox: backoff, giving up, the digest, a vanished channel ----------------------------


def test_a_receiver_that_is_down_gets_it_once_it_is_back(
    client: FlaskClient,
    runtime: Runtime,
    clock: FakeClock,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    receiver = WebhookReceiver()  # not up yet: its port refuses connections
    channel = make_channel(receiver.url())
    schedule = job(make_schedule, channel, ["failed"], parameters={"exit": 1})
    run = run_now(client, schedule["id"])
    [row] = settled(runtime)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error and "127.0.0.1" in row.last_error
    assert row.due_at - clock.now() == timedelta(seconds=30)
    clock.advance(seconds=29)
    assert runtime.sender.drain() == 0  # not yet due
    clock.advance(seconds=1)
    [row] = settled(runtime)
    assert (row.status, row.attempts) == ("pending", 2)
    assert row.due_at - clock.now() == timedelta(seconds=60)  # the backoff doubled
    receiver.up()
    try:
        clock.advance(seconds=60)
        [row] = settled(runtime)
        assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
        assert row.sent_at == clock.now()
        assert receiver.titles() == [f"[tickwork] Nightly report: run #{run['id']} failed"]
    finally:
        receiver.down()


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return replace(settings, **getattr(request, "param", {}))


def with_settings(**overrides: Any) -> pytest.MarkDecorator:
    ids = ["-".join(f"{k}={v}" for k, v in overrides.items())]
    return pytest.mark.parametrize("settings", [overrides], indirect=True, ids=ids)


@with_settings(notify_max_attempts=2, notify_retry_seconds=10)
def test_it_gives_up_after_the_last_attempt(
    runtime: Runtime, clock: FakeClock, make_channel: Callable, make_schedule: Callable
) -> None:
    channel = make_channel(WebhookReceiver().url())
    schedule = job(make_schedule, channel, ["missed"])
    with runtime.store.session() as session:
        outbox.enqueue(session, schedule["id"], "missed", None, clock.now(), {"message": "m"})
    assert [r.attempts for r in settled(runtime)] == [1]
    clock.advance(seconds=10)
    [row] = settled(runtime)
    assert (row.status, row.attempts) == ("failed", 2)
    clock.advance(hours=2)
    assert runtime.sender.drain() == 0


@with_settings(notify_rate_limit=3, notify_rate_window_seconds=60)
def test_a_flood_to_one_channel_becomes_a_digest_at_the_end_of_the_window(
    runtime: Runtime,
    clock: FakeClock,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(make_schedule, channel, ["failed"])
    with runtime.store.session() as session:
        for run_id in range(1, 9):
            detail = {"schedule_name": "Nightly report", "status": "failed"}
            outbox.enqueue(session, schedule["id"], "failed", run_id, clock.now(), detail)
    rows = settled(runtime)
    assert [r.status for r in rows[:8]] == ["sent"] * 3 + ["digested"] * 5
    digest = rows[8]
    assert (digest.event, digest.status) == ("digest", "pending")
    assert {r.digest_id for r in rows[3:8]} == {digest.id}
    assert digest.due_at == clock.now() + timedelta(seconds=60)
    assert len(webhook.received) == 3
    clock.advance(seconds=60)
    rows = settled(runtime)
    assert rows[8].status == "sent"
    got = webhook.wait(4)
    assert got[3]["title"] == "[tickwork] 5 more notification(s) for ops"
    for run_id in range(4, 9):
        assert f"run #{run_id} failed {PUBLIC_URL}/runs/{run_id}" in got[3]["message"]


def test_a_row_whose_channel_is_gone_is_dropped(
    runtime: Runtime, clock: FakeClock, make_channel: Callable
) -> None:
    make_channel("json://127.0.0.1:1")  # some channel exists: the sender looks at the outbox
    with runtime.store.session() as session:
        session.add(
            OutboxRow(
                channel_id="gone",
                event="failed",
                created_at=clock.now(),
                due_at=clock.now(),
                status="pending",
                body={},
            )
        )
    [row] = settled(runtime)
    assert (row.status, row.last_error) == ("dropped", "its channel was deleted")


@with_settings(notifications_enabled=False)
def test_switched_off_it_keeps_what_it_would_send(
    client: FlaskClient,
    runtime: Runtime,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(make_schedule, channel, ["succeeded"])
    run_now(client, schedule["id"])
    assert [r.status for r in settled(runtime)] == ["pending"]
    answer = client.post(f"{API}/notifications/channels/{channel['id']}/test").get_json()
    assert answer == {
        "ok": False,
        "error": "sending is switched off (setting notifications_enabled)",
    }
    assert webhook.received == []


def test_a_stuck_run_tells_the_channels_that_hear_of_stuck(
    client: FlaskClient,
    runtime: Runtime,
    clock: FakeClock,
    webhook: WebhookReceiver,
    make_channel: Callable,
    make_schedule: Callable,
) -> None:
    channel = make_channel(webhook.url())
    schedule = job(make_schedule, channel, ["stuck"], parameters={"sleep": 30})
    response = client.post(f"{API}/schedules/{schedule['id']}/run")
    assert response.status_code == 202, response.get_json()
    run_id = response.get_json()["id"]
    wait_for(lambda: client.get(f"{API}/runs/{run_id}").get_json()["status"] == "running")
    assert runtime.health_check.check() == []  # just started: not stuck
    clock.advance(seconds=runtime.settings.health_stuck_seconds + 60)
    (change,) = runtime.health_check.check()
    assert change.state == "stuck" and change.run_id == run_id
    runtime.sender.drain()
    (message,) = webhook.wait(1)
    assert message["title"] == f"[tickwork] Nightly report: run #{run_id} is stuck"
    assert change.reason is not None and change.reason in message["message"]
    client.post(f"{API}/runs/{run_id}/cancel")
