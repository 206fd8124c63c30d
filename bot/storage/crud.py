"""Keyword-only functions over the tables; each takes the session and leaves committing to
the caller, so one message's changes land together or not at all."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.storage.models import DialogueState, User


async def touch_user(
    session: AsyncSession,
    *,
    now: datetime,
    telegram_id: int | None = None,
    console_name: str | None = None,
    name: str = "",
    language: str | None = None,
) -> User:
    """The user behind a message, created on first contact, with their last-seen time,
    name and language brought up to date. A user who writes again is no longer blocked."""
    if (telegram_id is None) == (console_name is None):
        raise ValueError("a user is either a Telegram user or a console user")
    key = (
        col(User.telegram_id) == telegram_id
        if telegram_id is not None
        else (col(User.console_name) == console_name)
    )
    user = (await session.execute(select(User).where(key))).scalar_one_or_none()
    if user is None:
        user = User(telegram_id=telegram_id, console_name=console_name, name=name[:64],
                    language=language, created_at=now, last_seen_at=now)  # fmt: skip
        try:
            async with session.begin_nested():
                session.add(user)
        except IntegrityError:
            # Another replica created this user a moment ago: use theirs.
            user = (await session.execute(select(User).where(key))).scalar_one()
        else:
            return user
    user.name = name[:64] or user.name
    user.language = language or user.language
    user.last_seen_at = now
    user.blocked = False
    return user


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def mark_blocked(session: AsyncSession, *, telegram_id: int, blocked: bool = True) -> bool:
    """Record that a Telegram user blocked (or unblocked) the bot; False for an unknown user."""
    user = (
        await session.execute(select(User).where(col(User.telegram_id) == telegram_id))
    ).scalar_one_or_none()
    if user is None:
        return False
    user.blocked = blocked
    return True


async def load_state(session: AsyncSession, *, user_id: int, now: datetime) -> DialogueState | None:
    """The user's open dialogue step, or None; an expired one is removed."""
    state = await session.get(DialogueState, user_id, populate_existing=True)
    if state is not None and state.expires_at <= now:
        await session.delete(state)
        return None
    return state


async def save_state(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    data: dict[str, Any],
    now: datetime,
    ttl: timedelta,
) -> DialogueState:
    """Open (or replace) the user's dialogue step, expiring ``ttl`` from now."""
    state = await session.get(DialogueState, user_id)
    if state is None:
        state = DialogueState(user_id=user_id, kind=kind, data=data, updated_at=now,
                              expires_at=now + ttl)  # fmt: skip
        session.add(state)
    else:
        state.kind, state.data = kind, data
        state.updated_at, state.expires_at = now, now + ttl
    return state


async def clear_state(session: AsyncSession, *, user_id: int) -> bool:
    """Close the user's dialogue step; False when there was none."""
    result = await session.execute(
        delete(DialogueState).where(col(DialogueState.user_id) == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def export_user(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    """Everything stored about one user, as JSON-ready data."""
    user = await session.get(User, user_id)
    if user is None:
        return {}
    state = await session.get(DialogueState, user_id)
    return {
        "user": user.model_dump(mode="json"),
        "dialogue_state": None if state is None else state.model_dump(mode="json"),
    }


async def delete_user(session: AsyncSession, *, user_id: int) -> bool:
    """Delete every row about one user (the rest cascades); False for an unknown user."""
    await session.execute(delete(DialogueState).where(col(DialogueState.user_id) == user_id))
    result = await session.execute(delete(User).where(col(User.id) == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
