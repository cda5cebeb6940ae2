"""schedule health: state, reason, since when, and the newest fire found without a run

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(
            sa.Column("health", sa.String(length=16), nullable=False, server_default="ok")
        )
        batch.add_column(sa.Column("health_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("health_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("health_missed_at", sa.DateTime(), nullable=True))
    op.create_index("ix_schedules_health", "schedules", ["health"])


def downgrade() -> None:
    op.drop_index("ix_schedules_health", table_name="schedules")
    with op.batch_alter_table("schedules") as batch:
        for column in ("health_missed_at", "health_since", "health_reason", "health"):
            batch.drop_column(column)
