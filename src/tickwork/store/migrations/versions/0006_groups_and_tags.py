"""groups and tags: a schedule's group (indexed, for the list's filter and sort) and its tags

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("group_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index("ix_schedules_group_name", "schedules", ["group_name"])


def downgrade() -> None:
    op.drop_index("ix_schedules_group_name", table_name="schedules")
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("tags")
        batch.drop_column("group_name")
