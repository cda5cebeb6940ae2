"""A migrated store holding hourly schedules, for the tests that write runs through the
lifecycle without an app in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import TEST_REGISTRY
from tickwork.config import Settings
from tickwork.store.db import Store
from tickwork.store.tables import ScheduleRow


@contextmanager
def store_with(
    tmp_path: Path, database_url: str | None, at: datetime, schedules: dict[str, dict[str, Any]]
) -> Iterator[Store]:
    """A store (SQLite file or PostgreSQL schema) with one hourly UTC `job` schedule per id in
    `schedules`, made at `at`, each with the fields given (name defaults to the id)."""
    settings = Settings(data_dir=tmp_path, workflows=TEST_REGISTRY, database_url=database_url)
    store = Store(settings.db_url)
    store.migrate()
    with store.session() as session:
        for sid, fields in schedules.items():
            values: dict[str, Any] = {
                "name": sid,
                "workflow_type": "job",
                "parameters": {},
                "cron_schedule": "0 * * * *",
                "timezone": "UTC",
                "created_at": at,
                "updated_at": at,
                **fields,
            }
            session.add(ScheduleRow(id=sid, **values))
    try:
        yield store
    finally:
        store.dispose()
