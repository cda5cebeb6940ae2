"""last_success_at on schedules: when the newest successful run ended (for the metrics)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("last_success_at", sa.DateTime(), nullable=True))
    # From the history still kept: once, here; the run's end keeps it from now on.
    op.execute(
        "UPDATE schedules SET last_success_at = (SELECT max(runs.finished_at) FROM runs"
        " WHERE runs.schedule_id = schedules.id AND runs.status = 'success')"
    )


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("last_success_at")
