"""Failed nudges are retried (how many sends were tried, when the next one is due), and each
update's replies wait in an outbox until they are sent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nudge_deliveries") as table:
        table.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("retry_at", UtcDateTime(), nullable=True))
        table.create_index("ix_nudge_deliveries_retry_at", ["retry_at"])
    with op.batch_alter_table("processed_updates") as table:
        table.add_column(sa.Column("replies", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_updates") as table:
        table.drop_column("replies")
    with op.batch_alter_table("nudge_deliveries") as table:
        table.drop_index("ix_nudge_deliveries_retry_at")
        table.drop_column("retry_at")
        table.drop_column("attempts")
