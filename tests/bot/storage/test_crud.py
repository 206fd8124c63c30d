"""Storage on SQLite and PostgreSQL: users, dialogue state, export and deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from bot.storage import crud
from bot.storage.db import Database
from bot.storage.models import DialogueState, User

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
TTL = timedelta(minutes=30)


async def test_migrations_create_the_schema_and_are_repeatable(database: Database) -> None:
    assert await database.current_revision() == "0005"
    await database.upgrade()  # a second start changes nothing
    assert await database.current_revision() == "0005"


async def test_a_user_is_created_once_and_kept_up_to_date(database: Database) -> None:
    async with database.session() as session:
        first = await crud.touch_user(session, now=NOW, telegram_id=7, name="Ann", language="en")
        await session.commit()
    later = NOW + timedelta(days=3)
    async with database.session() as session:
        again = await crud.touch_user(session, now=later, telegram_id=7, name="Annie")
        await session.commit()
        count = await session.scalar(select(func.count()).select_from(User))
    assert again.id == first.id
    assert count == 1
    assert (again.name, again.language) == ("Annie", "en")
    assert again.created_at == NOW
    assert again.last_seen_at == later


async def test_times_come_back_timezone_aware_utc(database: Database) -> None:
    berlin = datetime(2026, 7, 1, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    async with database.session() as session:
        user = await crud.touch_user(session, now=berlin, console_name="ann")
        await session.commit()
        user_id = user.id
    async with database.session() as session:
        stored = await crud.get_user(session, user_id=user_id or 0)
    assert stored is not None
    assert stored.created_at.tzinfo == UTC
    assert stored.created_at == datetime(2026, 7, 1, 15, 0, tzinfo=UTC)


async def test_naive_times_are_refused(database: Database) -> None:
    async def store_naive() -> None:
        async with database.session() as session:
            await crud.touch_user(session, now=datetime(2026, 1, 1), console_name="naive")
            await session.commit()

    with pytest.raises(StatementError, match="naive datetime"):
        await store_naive()


async def test_telegram_and_console_users_are_kept_apart(database: Database) -> None:
    async with database.session() as session:
        telegram = await crud.touch_user(session, now=NOW, telegram_id=1)
        console = await crud.touch_user(session, now=NOW, console_name="1")
        await session.commit()
    assert telegram.id != console.id
    with pytest.raises(ValueError, match="either"):
        async with database.session() as session:
            await crud.touch_user(session, now=NOW, telegram_id=1, console_name="1")


async def test_a_user_row_must_name_exactly_one_channel(database: Database) -> None:
    async with database.session() as session:
        session.add(User(created_at=NOW, last_seen_at=NOW))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_dialogue_state_round_trips_and_expires(database: Database) -> None:
    async with database.session() as session:
        user = await crud.touch_user(session, now=NOW, telegram_id=5)
        await session.flush()
        assert user.id is not None
        user_id = user.id
        data = {"question": "level", "facts": {"pay": "up", "growth": ["education"]}}
        await crud.save_state(session, user_id=user_id, kind="judgement", data=data, now=NOW,
                              ttl=TTL)  # fmt: skip
        await session.commit()
    async with database.session() as session:
        state = await crud.load_state(session, user_id=user_id, now=NOW + TTL / 2)
        assert state is not None
        assert (state.kind, state.data) == ("judgement", data)
    async with database.session() as session:
        assert await crud.load_state(session, user_id=user_id, now=NOW + TTL) is None
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(DialogueState)) == 0


async def test_saving_state_again_replaces_it(database: Database) -> None:
    async with database.session() as session:
        user = await crud.touch_user(session, now=NOW, telegram_id=5)
        await session.flush()
        user_id = user.id or 0
        await crud.save_state(session, user_id=user_id, kind="a", data={}, now=NOW, ttl=TTL)
        await session.commit()
    async with database.session() as session:
        await crud.save_state(session, user_id=user_id, kind="b", data={"x": 1},
                              now=NOW + TTL, ttl=TTL)  # fmt: skip
        await session.commit()
    async with database.session() as session:
        state = await crud.load_state(session, user_id=user_id, now=NOW + TTL)
        assert state is not None
        assert (state.kind, state.data) == ("b", {"x": 1})
        assert await crud.clear_state(session, user_id=user_id)
        assert not await crud.clear_state(session, user_id=user_id)


async def test_blocking_is_recorded_and_undone_when_the_user_writes(database: Database) -> None:
    async with database.session() as session:
        await crud.touch_user(session, now=NOW, telegram_id=9)
        await session.commit()
        assert await crud.mark_blocked(session, telegram_id=9)
        assert not await crud.mark_blocked(session, telegram_id=10)
        await session.commit()
    async with database.session() as session:
        user = await crud.touch_user(session, now=NOW, telegram_id=9)
        assert user.blocked is False


async def test_export_and_delete_touch_only_that_user(database: Database) -> None:
    async with database.session() as session:
        ann = await crud.touch_user(session, now=NOW, telegram_id=1, name="Ann")
        bob = await crud.touch_user(session, now=NOW, telegram_id=2, name="Bob")
        await session.flush()
        for user in (ann, bob):
            await crud.save_state(session, user_id=user.id or 0, kind="k", data={"n": user.name},
                                  now=NOW, ttl=TTL)  # fmt: skip
        await session.commit()
    async with database.session() as session:
        exported = await crud.export_user(session, user_id=ann.id or 0)
        assert exported["user"]["name"] == "Ann"
        assert exported["dialogue_states"][0]["data"] == {"n": "Ann"}
        assert "Bob" not in str(exported)
        assert await crud.delete_user(session, user_id=ann.id or 0)
        await session.commit()
    async with database.session() as session:
        names = (await session.scalars(select(User.name))).all()
        states = (await session.scalars(select(DialogueState.user_id))).all()
    assert names == ["Bob"]
    assert states == [bob.id]


async def test_an_update_is_claimed_once_and_forgotten_after_a_day(database: Database) -> None:
    async with database.session() as session:
        assert await crud.claim_update(session, update_id=5, now=NOW, replies=[])
        assert not await crud.claim_update(session, update_id=5, now=NOW, replies=[])
        assert await crud.claim_update(
            session, update_id=6, now=NOW + timedelta(days=2), replies=[]
        )
        await session.commit()
        assert await crud.prune_updates(session, now=NOW + timedelta(days=2)) == 1
        assert await crud.claim_update(
            session, update_id=5, now=NOW + timedelta(days=2), replies=[]
        )
