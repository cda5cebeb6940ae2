"""A runtime on a fake clock standing at runs.NOW, and its API client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.api.insight.runs import NOW
from tests.clock import FakeClock
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(settings, clock=clock)
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime).test_client()
