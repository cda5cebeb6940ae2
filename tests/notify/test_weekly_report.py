"""The weekly report reaches its channel (a real webhook on loopback) once a week: the 7 days
before, sent once however many schedulers look, and a week missed while down is sent late."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.insight.runs import create, ended
from tests.clock import FakeClock
from tests.notify.conftest import outbox_rows
from tests.notify.receivers import WebhookReceiver
from tickwork.config import Settings
from tickwork.notify.weekly_report import WeeklyReport, due_instant
from tickwork.runtime import Runtime
from tickwork.store.lifecycle import RunStatus

NOW = datetime(2026, 11, 30, 9, 40, tzinfo=UTC)  # Monday; ended() counts back from here


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, report_channel="ops", report_weekday=0, report_hour=8)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(settings, clock)
    rt.start()
    yield rt
    rt.stop()


def test_the_due_instant_is_the_last_weekday_at_its_hour() -> None:
    assert due_instant(NOW, 0, 8) == datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert due_instant(NOW, 0, 10) == datetime(2026, 11, 23, 10, tzinfo=UTC)  # not yet today
    assert due_instant(NOW, 4, 17) == datetime(2026, 11, 27, 17, tzinfo=UTC)  # last Friday


def test_the_report_of_the_week_before_reaches_the_channel_once(
    client: FlaskClient,
    runtime: Runtime,
    clock: FakeClock,
    settings: Settings,
    webhook: WebhookReceiver,
    make_channel: Callable[..., dict[str, Any]],
) -> None:
    make_channel(webhook.url(), name="ops")
    scrape = create(client, "scrape", group="etl")
    ended(runtime, scrape, 10.0, ago=timedelta(days=2))
    ended(runtime, scrape, 20.0, RunStatus.FAILED, ago=timedelta(days=3))
    ended(runtime, scrape, 5.0, ago=timedelta(minutes=30))  # today: next week's report
    assert runtime.weekly_report.queue_due() is not None
    # Another scheduler looking at the same instant finds it sent.
    assert WeeklyReport(runtime.store, settings, clock).queue_due() is None
    (message,) = webhook.wait(1)
    assert message["title"] == "[tickwork] Report 2026-11-23 to 2026-11-29: 2 runs, 1 failed"
    assert "Success rate: 50.0 %" in message["message"]
    assert "- scrape: 1 of 2" in message["message"]
    assert "- etl: 2 runs" in message["message"]
    assert "https://tick.example.org/reports?from=2026-11-23&to=2026-11-29" in message["message"]
    clock.advance(days=6)  # Sunday: the next one is not due yet
    assert runtime.weekly_report.queue_due() is None
    assert [row.event for row in outbox_rows(runtime)] == ["report"]


def test_a_week_missed_while_down_is_sent_when_back_and_only_the_latest(
    client: FlaskClient,
    runtime: Runtime,
    clock: FakeClock,
    webhook: WebhookReceiver,
    make_channel: Callable[..., dict[str, Any]],
) -> None:
    make_channel(webhook.url(), name="ops")
    runtime.weekly_report.queue_due()
    webhook.wait(1)
    clock.advance(days=15)  # down over two Mondays
    assert runtime.weekly_report.queue_due() is not None
    assert runtime.weekly_report.queue_due() is None
    got = webhook.wait(2)
    assert got[1]["title"].startswith("[tickwork] Report 2026-12-07 to 2026-12-13")


def test_no_channel_of_that_name_sends_nothing_and_says_so(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    assert runtime.weekly_report.queue_due() is None
    assert "report_channel 'ops' names no notification channel" in caplog.text
    assert outbox_rows(runtime) == []
