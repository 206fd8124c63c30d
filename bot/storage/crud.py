"""Keyword-only functions over the tables; each takes the session and leaves committing to
the caller, so one message's changes land together or not at all."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, null, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from bot.storage.models import (
    ButtonPress,
    CheckIn,
    DialogueState,
    Goal,
    InboxUpdate,
    NudgeDelivery,
    NudgeSchedule,
    ProcessedUpdate,
    User,
)

# A user's last-seen time is kept to the minute, so most messages write nothing about them.
LAST_SEEN_PRECISION = timedelta(minutes=1)


def _user_key(telegram_id: int | None, console_name: str | None) -> ColumnElement[bool]:
    if (telegram_id is None) == (console_name is None):
        raise ValueError("a user is either a Telegram user or a console user")
    if telegram_id is not None:
        return col(User.telegram_id) == telegram_id
    return col(User.console_name) == console_name


def _refresh(user: User, *, now: datetime, name: str, language: str | None) -> None:
    if name and user.name != name[:64]:
        user.name = name[:64]
    if language and user.language != language:
        user.language = language
    if now - user.last_seen_at >= LAST_SEEN_PRECISION:
        user.last_seen_at = now
    if user.blocked:
        user.blocked = False  # they wrote again, so they have unblocked the bot


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
    user, _ = await touch_user_with_state(session, now=now, telegram_id=telegram_id,
                                          console_name=console_name, name=name,
                                          language=language, with_state=False)  # fmt: skip
    return user


async def touch_user_with_state(
    session: AsyncSession,
    *,
    now: datetime,
    telegram_id: int | None = None,
    console_name: str | None = None,
    name: str = "",
    language: str | None = None,
    with_state: bool = True,
) -> tuple[User, DialogueState | None]:
    """``touch_user`` and the user's open dialogue step (an expired one is removed), read in
    one query: this runs for every message."""
    key = _user_key(telegram_id, console_name)
    found: tuple[User, DialogueState | None] | None
    if with_state:
        query = select(User, DialogueState).outerjoin(
            DialogueState, col(DialogueState.user_id) == col(User.id)
        )
        row = (await session.execute(query.where(key))).first()
        found = None if row is None else (row[0], row[1])
    else:
        user = (await session.execute(select(User).where(key))).scalar_one_or_none()
        found = None if user is None else (user, None)
    if found is None:
        user = User(telegram_id=telegram_id, console_name=console_name, name=name[:64],
                    language=language, created_at=now, last_seen_at=now)  # fmt: skip
        try:
            async with session.begin_nested():
                session.add(user)
        except IntegrityError:
            # Another replica created this user a moment ago: use theirs.
            user = (await session.execute(select(User).where(key))).scalar_one()
            _refresh(user, now=now, name=name, language=language)
            state = await session.get(DialogueState, user.id) if with_state else None
            return user, await _unexpired(session, state, now)
        return user, None
    user, state = found
    _refresh(user, now=now, name=name, language=language)
    return user, await _unexpired(session, state, now)


async def _unexpired(
    session: AsyncSession, state: DialogueState | None, now: datetime
) -> DialogueState | None:
    if state is not None and state.expires_at <= now:
        await session.delete(state)
        return None
    return state


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
    return await _unexpired(session, await session.get(DialogueState, user_id), now)


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


# --- goals and check-ins ----------------------------------------------------------------------


async def add_goal(
    session: AsyncSession, *, user_id: int, text: str, kind: str, deadline: date | None,
    now: datetime,
) -> Goal:  # fmt: skip
    goal = Goal(user_id=user_id, text=text[:300], kind=kind, deadline=deadline, created_at=now,
                updated_at=now)  # fmt: skip
    session.add(goal)
    await session.flush()
    return goal


async def list_goals(session: AsyncSession, *, user_id: int, done: bool = False) -> list[Goal]:
    """The user's goals (open ones by default), oldest first: "goal 2" counts in this order."""
    query = select(Goal).where(col(Goal.user_id) == user_id, col(Goal.done) == done)
    return list((await session.scalars(query.order_by(col(Goal.id)))).all())


async def get_goal(session: AsyncSession, *, user_id: int, goal_id: int) -> Goal | None:
    """One of this user's goals; None for a goal that is not theirs (forged button data)."""
    query = select(Goal).where(col(Goal.id) == goal_id, col(Goal.user_id) == user_id)
    return (await session.scalars(query)).one_or_none()


async def delete_goal(session: AsyncSession, *, user_id: int, goal_id: int) -> bool:
    await session.execute(delete(CheckIn).where(col(CheckIn.goal_id) == goal_id,
                                                col(CheckIn.user_id) == user_id))  # fmt: skip
    result = await session.execute(
        delete(Goal).where(col(Goal.id) == goal_id, col(Goal.user_id) == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_check_in(
    session: AsyncSession, *, goal: Goal, week: str, status: str, now: datetime
) -> CheckIn:
    """Record how a goal went this week; a second answer in the same week replaces the first."""
    assert goal.id is not None
    query = select(CheckIn).where(col(CheckIn.goal_id) == goal.id, col(CheckIn.week) == week)
    check_in = (await session.scalars(query)).one_or_none()
    if check_in is None:
        check_in = CheckIn(goal_id=goal.id, user_id=goal.user_id, week=week, status=status,
                           created_at=now)  # fmt: skip
        session.add(check_in)
    else:
        check_in.status, check_in.created_at = status, now
    if status == "done":
        goal.done, goal.updated_at = True, now
    return check_in


async def list_check_ins(session: AsyncSession, *, user_id: int) -> list[CheckIn]:
    query = select(CheckIn).where(col(CheckIn.user_id) == user_id)
    return list((await session.scalars(query.order_by(col(CheckIn.week)))).all())


# --- nudges ------------------------------------------------------------------------------------


async def get_schedule(session: AsyncSession, *, user_id: int) -> NudgeSchedule | None:
    return await session.get(NudgeSchedule, user_id)


# --- operator statistics ----------------------------------------------------------------------


async def stats(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """Counts for the operator: users, goals, schedules and nudges (no one's content)."""
    week_ago = now - timedelta(days=7)

    async def count(table: Any, *where: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    return {
        "users": await count(User),
        "active_7d": await count(User, col(User.last_seen_at) >= week_ago),
        "blocked": await count(User, col(User.blocked)),
        "goals_open": await count(Goal, col(Goal.done).is_(False)),
        "goals_done": await count(Goal, col(Goal.done)),
        "nudges_scheduled": await count(NudgeSchedule, col(NudgeSchedule.active)),
        "nudges_sent_7d": await count(NudgeDelivery, col(NudgeDelivery.status) == "sent",
                                      col(NudgeDelivery.created_at) >= week_ago),
    }  # fmt: skip


# --- Telegram updates -------------------------------------------------------------------------

UPDATE_MEMORY = timedelta(days=1)
PRESS_MEMORY = timedelta(days=90)  # a keyboard older than this may act once more


def _insert(session: AsyncSession | AsyncConnection, table: Any) -> Any:
    """The INSERT of the session's dialect, which has ON CONFLICT DO NOTHING (both do)."""
    bind = session if isinstance(session, AsyncConnection) else session.get_bind()
    return (postgresql_insert if bind.dialect.name == "postgresql" else sqlite_insert)(table)


async def claim_update(
    session: AsyncSession, *, update_id: int, now: datetime, replies: list[dict[str, Any]]
) -> bool:
    """Record that this update is handled, with its replies in the outbox; False when it was
    already (a redelivery).

    One INSERT … ON CONFLICT DO NOTHING (both SQLite and PostgreSQL have it): it runs for
    every message, so no savepoint round trips.
    """
    statement = (
        _insert(session, ProcessedUpdate)
        .values(update_id=update_id, processed_at=now, replies=replies)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unsent_replies(session: AsyncSession, *, update_id: int) -> list[dict[str, Any]]:
    """The replies of a handled update that were never sent (empty once they were)."""
    query = select(col(ProcessedUpdate.replies)).where(col(ProcessedUpdate.update_id) == update_id)
    return list(await session.scalar(query) or [])


async def replies_sent(session: AsyncSession | AsyncConnection, *, update_id: int) -> None:
    """Empty an update's outbox: its replies went out (or were refused for good). Runs on a
    bare connection as well: it is one statement after every answer, and a session's unit of
    work costs more than the statement."""
    await session.execute(
        update(ProcessedUpdate)
        .where(
            col(ProcessedUpdate.update_id) == update_id, col(ProcessedUpdate.replies).is_not(None)
        )
        .values(replies=null())
    )


async def prune_states(session: AsyncSession, *, now: datetime) -> int:
    """Delete every expired dialogue step (what a step keeps, such as the message a "did you
    mean…?" waits to route, is kept no longer than the step lives); how many."""
    expired = delete(DialogueState).where(col(DialogueState.expires_at) <= now)
    return int((await session.execute(expired)).rowcount)  # type: ignore[attr-defined]


async def prune_updates(session: AsyncSession, *, now: datetime) -> int:
    """Forget update ids older than a day (and button presses older than ``PRESS_MEMORY``);
    how many update ids were forgotten."""
    old = col(ProcessedUpdate.processed_at) < now - UPDATE_MEMORY
    result = await session.execute(delete(ProcessedUpdate).where(old))
    await session.execute(
        delete(ButtonPress).where(col(ButtonPress.pressed_at) < now - PRESS_MEMORY)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def claim_press(
    session: AsyncSession, *, user_id: int, message_id: int, data: str, now: datetime
) -> bool:
    """Record that this button of this message acts now; False when it already did."""
    statement = (
        _insert(session, ButtonPress)
        .values(user_id=user_id, message_id=message_id, data=data, pressed_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "message_id", "data"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def keep_in_inbox(
    session: AsyncSession | AsyncConnection,
    *,
    updates: list[dict[str, Any]],
    handled: list[int],
    now: datetime,
) -> None:
    """Record fetched updates (raw, by ``update_id``; one fetched again is kept once) and
    delete the ones handled since, in one transaction."""
    if handled:
        await session.execute(delete(InboxUpdate).where(col(InboxUpdate.update_id).in_(handled)))
    if updates:
        rows = [{"update_id": u["update_id"], "received_at": now, "payload": u} for u in updates]
        await session.execute(
            _insert(session, InboxUpdate)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )


async def inbox(session: AsyncSession) -> list[dict[str, Any]]:
    """The updates recorded and not handled yet, oldest first."""
    query = select(col(InboxUpdate.payload)).order_by(col(InboxUpdate.update_id))
    return list((await session.scalars(query)).all())


# --- data rights -------------------------------------------------------------------------------

_USER_TABLES: tuple[Any, ...] = (
    NudgeDelivery, NudgeSchedule, CheckIn, Goal, DialogueState, ButtonPress,
)  # fmt: skip


async def export_user(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    """Everything stored about one user, as JSON-ready data."""
    user = await session.get(User, user_id)
    if user is None:
        return {}
    exported: dict[str, Any] = {"user": user.model_dump(mode="json")}
    for table in _USER_TABLES:
        rows = await session.scalars(select(table).where(table.user_id == user_id))
        exported[table.__tablename__] = [row.model_dump(mode="json") for row in rows]
    return exported


async def delete_user(session: AsyncSession, *, user_id: int) -> bool:
    """Delete every row about one user; False for an unknown user."""
    for table in _USER_TABLES:
        await session.execute(delete(table).where(table.user_id == user_id))
    result = await session.execute(delete(User).where(col(User.id) == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
