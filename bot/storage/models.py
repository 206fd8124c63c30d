"""Every table the bot keeps, in one place.

Only what the bot needs is stored: a user's first name (to greet them), language, timezone,
activity times and whether they blocked the bot; the one open dialogue step per user; their
goals and weekly check-ins; their nudge schedule and a record of each nudge sent.
All times are timezone-aware UTC (``UtcDateTime`` makes SQLite keep that promise too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    PostgreSQL keeps the zone (``timestamptz``); SQLite drops it, so values are converted to
    UTC on the way in and tagged UTC on the way out. Naive datetimes are refused: a naive time
    in storage is a bug waiting for a daylight-saving change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _time(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


class User(SQLModel, table=True):
    """Someone who talked to the bot, in Telegram or in the console chat."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(telegram_id IS NULL) <> (console_name IS NULL)", name="ck_users_one_channel"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    console_name: str | None = Field(
        default=None, sa_column=Column(String(64), unique=True, nullable=True)
    )
    name: str = Field(default="", max_length=64)
    language: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = _time()
    last_seen_at: datetime = _time()
    blocked: bool = Field(default=False)


class DialogueState(SQLModel, table=True):
    """The one open step of a user's conversation (a judgement waiting for an answer, a
    pending confirmation), kept in the database so a restart or another replica goes on."""

    __tablename__ = "dialogue_states"

    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    kind: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _time()
    expires_at: datetime = _time(index=True)


def _user_id(*, primary_key: bool = False) -> Any:
    return Field(sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"),
                                  primary_key=primary_key, nullable=False,
                                  index=not primary_key))  # fmt: skip


class Goal(SQLModel, table=True):
    """A career goal in the user's words, with the kind the bot inferred or they chose."""

    __tablename__ = "goals"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _user_id()
    text: str = Field(max_length=300)
    kind: str = Field(max_length=16)  # skills, education, network, leadership, ...
    deadline: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    done: bool = Field(default=False)
    created_at: datetime = _time()
    updated_at: datetime = _time()


class CheckIn(SQLModel, table=True):
    """How a goal went in one week (ISO week in the user's timezone); the latest answer wins."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("goal_id", "week", name="uq_check_ins_goal_week"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(sa_column=Column(ForeignKey("goals.id", ondelete="CASCADE"),
                                          nullable=False))  # fmt: skip
    user_id: int = _user_id()
    week: str = Field(max_length=8)  # "2026-W47"
    status: str = Field(max_length=12)  # progress, not_yet, done
    created_at: datetime = _time()


class NudgeSchedule(SQLModel, table=True):
    """When a user wants their weekly nudge; ``next_due_at`` (UTC) is what the dispatcher reads."""

    __tablename__ = "nudge_schedules"

    user_id: int = _user_id(primary_key=True)
    weekday: int = Field(sa_column=Column(Integer, nullable=False))  # 0 = Monday
    local_time: str = Field(max_length=5)  # "17:00" in ``timezone``
    timezone: str = Field(max_length=64)
    active: bool = Field(default=True)
    next_due_at: datetime = _time(index=True)
    last_tip_id: str | None = Field(default=None, max_length=64)
    last_goal_id: int | None = Field(default=None)
    updated_at: datetime = _time()


class NudgeDelivery(SQLModel, table=True):
    """One nudge for one user and week, written before it is sent: the unique key is what
    makes a second dispatcher, a crash or a repeated run send no duplicate."""

    __tablename__ = "nudge_deliveries"
    __table_args__ = (UniqueConstraint("user_id", "week", name="uq_nudge_deliveries_user_week"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _user_id()
    week: str = Field(max_length=8)
    due_at: datetime = _time()
    # claimed, resending (taken over), sent, failed (retried at ``retry_at``), gave_up, blocked
    status: str = Field(max_length=12)
    goal_id: int | None = Field(default=None)
    tip_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _time()  # when it was claimed, or last taken over
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    retry_at: datetime | None = _time(nullable=True, index=True)


class ProcessedUpdate(SQLModel, table=True):
    """A Telegram update some replica has taken on: Telegram may deliver an update twice (a
    webhook retry, a replica that died mid-request, a poller killed before it confirmed a
    batch), and the second copy must not be handled again.

    ``replies`` is the outbox: the replies, written in the transaction that stored the
    update's changes and cleared once they were sent. A redelivery finding them still there
    (the process died between the commit and the send) sends them instead of nothing. Rows
    older than a day are pruned; Telegram does not redeliver that late."""

    __tablename__ = "processed_updates"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = _time(index=True)
    replies: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )


class InboxUpdate(SQLModel, table=True):
    """An update fetched by long polling and not handled yet. The poller writes a batch here
    before it confirms the batch to Telegram (the next ``getUpdates`` offset does that), and
    deletes each row once its update was handled: a poller killed in between handles the rows
    left here when it starts again, so nothing Telegram handed out is lost. Rows live seconds;
    they hold the raw update, message text included, only until it is handled."""

    __tablename__ = "inbox_updates"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    received_at: datetime = _time()
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class ButtonPress(SQLModel, table=True):
    """A button that acted: the same button of the same message acts once, however often it
    is pressed (a stale keyboard tapped five times makes one goal, not five)."""

    __tablename__ = "button_presses"

    user_id: int = _user_id(primary_key=True)
    message_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: str = Field(primary_key=True, max_length=64)
    pressed_at: datetime = _time(index=True)
