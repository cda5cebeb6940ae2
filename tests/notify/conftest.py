"""Fixtures of the notification tests: a runtime on a fake clock a minute ahead of the real
one (runs end in real time, so what they enqueue is due at once; a test moves the clock to
make a backoff or a digest's window pass), real receivers, and channel helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.clock import FakeClock
from tests.notify.receivers import SmtpReceiver, WebhookReceiver
from tickwork.config import Settings
from tickwork.runtime import Runtime
from tickwork.store.tables import OutboxRow

PUBLIC_URL = "https://tick.example.org"
API = "/api/v1"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, public_url=PUBLIC_URL)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC) + timedelta(minutes=1))


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(settings, clock)
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().up()
    yield receiver
    receiver.down()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def make_channel(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    def make(url: str, name: str = "ops", **fields: Any) -> dict[str, Any]:
        response = client.post(
            f"{API}/notifications/channels", json={"name": name, "url": url, **fields}
        )
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    return make


def outbox_rows(runtime: Runtime) -> list[OutboxRow]:
    from sqlalchemy import select

    with runtime.store.reading() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all())
