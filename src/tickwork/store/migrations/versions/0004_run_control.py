"""run control: retries, priority, start deadline, pause with a reason, dependency chains

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("max_retries", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("retry_delay_seconds", sa.Integer(), nullable=False, server_default="60")
        )
        batch.add_column(sa.Column("retry_backoff", sa.Float(), nullable=False, server_default="2"))
        batch.add_column(
            sa.Column(
                "retry_max_delay_seconds", sa.Integer(), nullable=False, server_default="3600"
            )
        )
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("starting_deadline_seconds", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("pause_on_failure", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("pause_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("parent_run_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("not_before", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_runs_parent_run_id", "runs", ["parent_run_id"])
    op.create_table(
        "schedule_dependencies",
        sa.Column("schedule_id", sa.String(length=36), nullable=False),
        sa.Column("upstream_id", sa.String(length=36), nullable=False),
        sa.Column("on", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["upstream_id"], ["schedules.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("schedule_id", "upstream_id"),
    )
    op.create_index(
        "ix_schedule_dependencies_upstream_id", "schedule_dependencies", ["upstream_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_schedule_dependencies_upstream_id", table_name="schedule_dependencies")
    op.drop_table("schedule_dependencies")
    op.drop_index("ix_runs_parent_run_id", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        for column in ("priority", "not_before", "parent_run_id"):
            batch.drop_column(column)
    with op.batch_alter_table("schedules") as batch:
        for column in (
            "paused_until",
            "pause_note",
            "pause_on_failure",
            "starting_deadline_seconds",
            "priority",
            "retry_max_delay_seconds",
            "retry_backoff",
            "retry_delay_seconds",
            "max_retries",
        ):
            batch.drop_column(column)
