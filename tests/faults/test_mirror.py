"""schedules.json never drifts from the store for long and never turns into debris: a full disk
leaves the last whole file (and no empty backup), the write is tried again once there is room,
and a store found empty beside a mirror that is not says how to restore it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.conftest import TEST_REGISTRY, schedule_body, wait_for
from tests.tmpfs import fill_up, tmpfs
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.portable import schedules_in
from tickwork.runtime import Runtime


def start(settings: Settings) -> Runtime:
    runtime = Runtime(settings)
    runtime.backup.delay, runtime.backup.retry = 0.05, 0.1
    runtime.start(scheduler=False)
    return runtime


def create(client: FlaskClient, count: int, prefix: str) -> None:
    for n in range(count):
        response = client.post("/api/v1/schedules", json=schedule_body(name=f"{prefix} {n}"))
        assert response.status_code == 201, response.get_json()


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk") as path:
        yield path


def test_a_full_disk_keeps_the_last_whole_mirror_and_catches_up_after(
    tmp_path: Path, disk: Path
) -> None:
    # The database lives elsewhere: only the mirror's disk fills.
    settings = Settings(
        data_dir=disk / "data",
        workflows=TEST_REGISTRY,
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        backup_count=50,
    )
    runtime = start(settings)
    try:
        client = create_app(runtime).test_client()
        mirror = runtime.backup.path
        create(client, 5, "before")
        wait_for(lambda: schedules_in(mirror) == 5)
        filler = fill_up(disk)
        create(client, 3, "during")
        wait_for(lambda: runtime.backup._failing)
        assert schedules_in(mirror) == 5  # the last whole file, not a truncated one
        leftovers = [p for p in disk.rglob("*") if p.is_file() and p != filler]
        assert all(p.stat().st_size > 0 for p in leftovers), leftovers
        assert all(schedules_in(p) is not None for p in leftovers if p.suffix == ".json")
        assert not [p for p in leftovers if p.name.endswith(".tmp")]
        filler.unlink()
        # No further change is needed: the failed write is retried.
        wait_for(lambda: schedules_in(mirror) == 8)
        names = {s["name"] for s in json.loads(mirror.read_text())["schedules"]}
        assert {"during 0", "during 1", "during 2"} <= names
    finally:
        runtime.stop()


def test_an_empty_store_beside_a_full_mirror_says_how_to_restore(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path / "data", workflows=TEST_REGISTRY)
    runtime = start(settings)
    create(create_app(runtime).test_client(), 3, "kept")
    runtime.stop()
    for path in settings.data_dir.glob("tickwork.db*"):
        path.unlink()  # deleted while tickwork was stopped
    with caplog.at_level(logging.WARNING):
        runtime = start(settings)
    try:
        kept = runtime.orphaned_mirror
        assert kept is not None and schedules_in(kept) == 3
        assert "holds no schedules" in caplog.text
        assert f"tickwork restore backups/{kept.name}" in caplog.text
        # Rotation never reaches the copy set aside.
        client = create_app(runtime).test_client()
        create(client, 1, "new")
        wait_for(lambda: schedules_in(runtime.backup.path) == 1)
        assert schedules_in(kept) == 3
    finally:
        runtime.stop()


def test_a_mirror_in_step_with_the_store_raises_no_alarm(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path / "data", workflows=TEST_REGISTRY)
    runtime = start(settings)
    create(create_app(runtime).test_client(), 2, "same")
    runtime.stop()
    with caplog.at_level(logging.WARNING):
        runtime = start(settings)
    runtime.stop()
    assert runtime.orphaned_mirror is None
    assert "holds no schedules" not in caplog.text
