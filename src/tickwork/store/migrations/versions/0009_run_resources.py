"""run resources: a table of samples per run, and the run's CPU and memory figures over them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_resource_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("span_seconds", sa.Float(), nullable=False),
        sa.Column("cpu_percent", sa.Float(), nullable=False),
        sa.Column("rss_bytes", sa.BigInteger(), nullable=False),
        sa.Column("processes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_run_resource_samples_run_id_at", "run_resource_samples", ["run_id", "at"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("cpu_percent_mean", sa.Float(), nullable=True))
        batch.add_column(sa.Column("cpu_percent_peak", sa.Float(), nullable=True))
        batch.add_column(sa.Column("memory_mean_bytes", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for column in ("memory_mean_bytes", "cpu_percent_peak", "cpu_percent_mean"):
            batch.drop_column(column)
    op.drop_index("ix_run_resource_samples_run_id_at", table_name="run_resource_samples")
    op.drop_table("run_resource_samples")
