"""The data directory holds the database, the session key and the runs' logs: it and its
secrets are private to the server's user from the moment they are created."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_REGISTRY
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime


@pytest.fixture
def usual_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_directory_and_its_secrets_are_private(
    tmp_path: Path, usual_umask: None
) -> None:
    data = tmp_path / "fresh" / "data"
    runtime = Runtime(Settings(data_dir=data, workflows=TEST_REGISTRY))
    runtime.start(scheduler=False)
    try:
        create_app(runtime)  # makes the session key
        with runtime.store.session():
            pass
    finally:
        runtime.stop()
    assert mode(data) == 0o700
    assert mode(data / "tickwork.db") == 0o600
    assert mode(data / "secret_key") == 0o600
    for side in data.glob("tickwork.db-*"):
        assert mode(side) == 0o600, side
