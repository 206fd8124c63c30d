"""Long polling records each batch in an inbox before confirming it to Telegram, and each
button acts once per message.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_table(
        "button_presses",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.String(length=64), nullable=False),
        sa.Column("pressed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "message_id", "data"),
    )
    op.create_index("ix_button_presses_pressed_at", "button_presses", ["pressed_at"])


def downgrade() -> None:
    op.drop_index("ix_button_presses_pressed_at", table_name="button_presses")
    op.drop_table("button_presses")
    op.drop_table("inbox_updates")
