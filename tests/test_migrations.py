"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from tickwork.config import Settings
from tickwork.store.db import MIGRATIONS, Store
from tickwork.store.tables import Base, RollupRow, ScheduleRow


def test_migrations_match_the_models(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True)
    store = Store(settings.db_url)
    store.migrate()
    store.migrate()  # a second start finds nothing to do
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    store.dispose()


def test_a_schedules_last_success_is_filled_in_from_the_history(settings: Settings) -> None:
    """0010 learns each schedule's last success from the runs kept, on both databases."""
    settings.data_dir.mkdir(parents=True)
    store = Store(settings.db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0008")
    with store.engine.begin() as conn:
        for sid in ("ran", "never"):
            conn.execute(
                text(
                    "INSERT INTO schedules (id, name, description, enabled, workflow_type,"
                    " parameters, cron_schedule, timezone, timeout_seconds, concurrency_policy,"
                    " created_at, updated_at) VALUES (:id, :id, '', true, 'job', '{}',"
                    " '0 * * * *', 'UTC', 60, 'forbid', :at, :at)"
                ),
                {"id": sid, "at": datetime(2026, 1, 1)},
            )
        for day, status in ((2, "success"), (3, "success"), (4, "failed")):
            conn.execute(
                text(
                    "INSERT INTO runs (schedule_id, trigger, attempt, scheduled_for, queued_at,"
                    " finished_at, status, command, output_tail) VALUES ('ran', 'manual', 1,"
                    " :at, :at, :at, :status, '[]', '')"
                ),
                {"at": datetime(2026, 1, day), "status": status},
            )
    store.migrate()
    with store.reading() as session:
        found = dict(session.execute(select(ScheduleRow.id, ScheduleRow.last_success_at)).all())
    assert found == {"ran": datetime(2026, 1, 3, tzinfo=UTC), "never": None}
    store.dispose()


def test_the_statistics_count_the_history_already_stored(settings: Settings) -> None:
    """0011 counts the runs the windows read into the rollups, on both databases."""
    settings.data_dir.mkdir(parents=True)
    store = Store(settings.db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0010")
    yesterday = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO schedules (id, name, description, enabled, workflow_type,"
                " parameters, cron_schedule, timezone, timeout_seconds, concurrency_policy,"
                " created_at, updated_at, group_name) VALUES ('s', 's', '', true, 'job', '{}',"
                " '0 * * * *', 'UTC', 60, 'forbid', :at, :at, 'etl')"
            ),
            {"at": yesterday - timedelta(days=200)},
        )
        for at, status, seconds in (
            (yesterday, "success", 4.0),
            (yesterday, "failed", 8.0),
            (yesterday - timedelta(days=100), "success", 1.0),  # older than any window
        ):
            conn.execute(
                text(
                    "INSERT INTO runs (schedule_id, trigger, attempt, scheduled_for, queued_at,"
                    " started_at, finished_at, duration_seconds, status, command, output_tail)"
                    " VALUES ('s', 'manual', 1, :at, :at, :at, :end, :seconds, :status, '[]', '')"
                ),
                {
                    "at": at,
                    "end": at + timedelta(seconds=seconds),
                    "status": status,
                    "seconds": seconds,
                },
            )
    store.migrate()
    with store.reading() as session:
        days = session.execute(
            select(RollupRow.scope, RollupRow.success, RollupRow.failed, RollupRow.duration_max)
            .where(RollupRow.grain == "day")
            .order_by(RollupRow.scope)
        ).all()
    assert [tuple(row) for row in days] == [
        ("all", 1, 1, 8.0),
        ("group:etl", 1, 1, 8.0),
        ("schedule:s", 1, 1, 8.0),
    ]
    store.dispose()
