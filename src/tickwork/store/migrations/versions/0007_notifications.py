"""notifications: channels, the outbox, and each schedule's subscriptions

Channels are apprise URLs that admins manage; a schedule's `notify` lists which channel hears
of which events; the outbox holds each message from the transaction of its event until it is
sent (tickwork.notify), retried with backoff, or merged into a digest.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(
            sa.Column("notify", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    op.create_table(
        "notification_channels",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("default", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("on", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("schedule_id", sa.String(length=36), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_notification_outbox_status_due_at", "notification_outbox", ["status", "due_at"]
    )
    op.create_index(
        "ix_notification_outbox_channel_attempt",
        "notification_outbox",
        ["channel_id", "last_attempt_at"],
    )
    op.create_index("ix_notification_outbox_digest_id", "notification_outbox", ["digest_id"])


def downgrade() -> None:
    op.drop_index("ix_notification_outbox_digest_id", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_channel_attempt", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_status_due_at", table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_table("notification_channels")
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("notify")
