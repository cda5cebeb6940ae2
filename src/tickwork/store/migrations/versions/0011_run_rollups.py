"""run rollups: what each schedule's runs came to per hour and per day, for statistics

Counted as runs end (store/rollups.py); the upgrade counts the history already stored, so
statistics start out complete rather than from the day of the upgrade.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATUSES = ("success", "failed", "timeout", "cancelled", "lost", "skipped")


def _key_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("grain", sa.String(length=4), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
    ]


def _owner() -> sa.Column[object]:
    return sa.Column(
        "schedule_id",
        sa.String(length=36),
        sa.ForeignKey("schedules.id", ondelete="CASCADE"),
        nullable=True,
    )


def upgrade() -> None:
    counters = [
        sa.Column(name, sa.Integer(), nullable=False, server_default="0")
        for name in (*STATUSES, "timed_runs")
    ]
    op.create_table(
        "run_rollups",
        *_key_columns(),
        _owner(),
        *counters,
        sa.Column("duration_seconds", sa.Float(), nullable=False, server_default="0"),
        sa.Column("duration_max", sa.Float(), nullable=True),
        sa.Column("cpu_runs", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cpu_seconds", sa.Float(), nullable=False, server_default="0"),
        sa.Column("peak_memory_bytes", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "grain", "start"),
    )
    op.create_index("ix_run_rollups_kind_grain_start", "run_rollups", ["kind", "grain", "start"])
    op.create_index("ix_run_rollups_schedule_id", "run_rollups", ["schedule_id"])
    op.create_table(
        "run_rollup_durations",
        *_key_columns(),
        sa.Column("bucket", sa.Integer(), nullable=False),
        _owner(),
        sa.Column("runs", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("scope", "grain", "start", "bucket"),
    )
    op.create_index(
        "ix_run_rollup_durations_kind_grain_start",
        "run_rollup_durations",
        ["kind", "grain", "start"],
    )
    op.create_index("ix_run_rollup_durations_schedule_id", "run_rollup_durations", ["schedule_id"])
    # Imported here: only the data step needs the code that counts.
    from tickwork.store import rollups

    session = Session(bind=op.get_bind())
    rollups.rebuild(session, datetime.now(UTC))
    session.flush()


def downgrade() -> None:
    for table in ("run_rollup_durations", "run_rollups"):
        op.drop_index(f"ix_{table}_schedule_id", table_name=table)
        op.drop_index(f"ix_{table}_kind_grain_start", table_name=table)
        op.drop_table(table)
