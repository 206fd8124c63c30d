"""Goals, weekly check-ins, nudge schedules and nudge deliveries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _user_id(*, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                     primary_key=primary_key, nullable=False)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_id(),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_goals_user_id", "goals", ["user_id"])
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "goal_id", sa.Integer(), sa.ForeignKey("goals.id", ondelete="CASCADE"), nullable=False
        ),
        _user_id(),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("goal_id", "week", name="uq_check_ins_goal_week"),
    )
    op.create_index("ix_check_ins_user_id", "check_ins", ["user_id"])
    op.create_table(
        "nudge_schedules",
        _user_id(primary_key=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", UtcDateTime(), nullable=False),
        sa.Column("last_tip_id", sa.String(64), nullable=True),
        sa.Column("last_goal_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_nudge_schedules_next_due_at", "nudge_schedules", ["next_due_at"])
    op.create_table(
        "nudge_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_id(),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("tip_id", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "week", name="uq_nudge_deliveries_user_week"),
    )
    op.create_index("ix_nudge_deliveries_user_id", "nudge_deliveries", ["user_id"])


def downgrade() -> None:
    for table in ("nudge_deliveries", "nudge_schedules", "check_ins", "goals"):
        op.drop_table(table)
