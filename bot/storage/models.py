"""Every table the bot keeps, in one place.

Only what the bot needs is stored: a user's first name (to greet them), language, timezone,
activity times and whether they blocked the bot; and the one open dialogue step per user.
All times are timezone-aware UTC (``UtcDateTime`` makes SQLite keep that promise too).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, DateTime, ForeignKey, String
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
