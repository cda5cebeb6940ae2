"""run parameter overrides, and the index for listing runs by trigger

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("parameter_overrides", sa.JSON(), nullable=True))
    # GET /runs?trigger= pages newest first; (trigger, id) serves both the filter and the order.
    op.create_index("ix_runs_trigger_id", "runs", ["trigger", "id"])


def downgrade() -> None:
    op.drop_index("ix_runs_trigger_id", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("parameter_overrides")
