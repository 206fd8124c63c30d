"""Weekly nudges: due times across daylight saving, tips, and exactly-once delivery on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import nudges
from bot.conversation.messages import Reply
from bot.nudges import Dispatcher, SendResult
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.models import NudgeDelivery, User
from knowledge.base import load_knowledge

KB = load_knowledge()
# Friday 27 November 2026, 16:00 UTC = 17:00 in Berlin (winter time).
FRIDAY_5PM_BERLIN = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def test_next_due_keeps_local_time_across_daylight_saving() -> None:
    before = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # Berlin on summer time (UTC+2)
    first = nudges.next_due(4, "17:00", "Europe/Berlin", after=before)
    second = nudges.next_due(4, "17:00", "Europe/Berlin", after=first)
    assert first == datetime(2026, 10, 23, 15, 0, tzinfo=UTC)  # 17:00 CEST
    assert second == datetime(2026, 10, 30, 16, 0, tzinfo=UTC)  # 17:00 CET, clocks went back
    spring = nudges.next_due(6, "02:30", "Europe/Berlin", after=datetime(2027, 3, 27, tzinfo=UTC))
    assert spring.astimezone(UTC).hour == 1  # 02:30 does not exist that night: sent at 03:30


def test_next_due_is_strictly_later_and_within_a_week() -> None:
    after = FRIDAY_5PM_BERLIN
    due = nudges.next_due(4, "17:00", "Europe/Berlin", after=after)
    assert due == after + timedelta(days=7)
    due = nudges.next_due(0, "09:00", "America/New_York", after=after)
    assert after < due <= after + timedelta(days=7)
    assert due.astimezone(nudges.ZoneInfo("America/New_York")).strftime("%a %H:%M") == "Mon 09:00"


def test_weeks_are_counted_in_the_users_timezone() -> None:
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert nudges.week_of(sunday_night_utc, "UTC") == "2026-W48"
    assert nudges.week_of(sunday_night_utc, "Europe/Berlin") == "2026-W49"  # Monday there


def test_tips_fit_the_goal_and_never_repeat_in_a_row() -> None:
    tips = list(KB.tips)
    last = None
    for number in range(1, 30):
        tip = nudges.pick_tip(tips, "network", last_tip_id=last, week=f"2027-W{number:02d}")
        assert tip.kind == "network"
        assert tip.id != last
        last = tip.id
    assert nudges.pick_tip(tips, "other", last_tip_id=None, week="2027-W01").kind == "skills"


class FakeTelegram:
    """Records the nudges "sent"; some users have blocked the bot."""

    def __init__(self, blocked: frozenset[int] = frozenset(), delay: float = 0.0) -> None:
        self.sent: list[tuple[int, Reply]] = []
        self.blocked = blocked
        self.delay = delay

    async def __call__(self, chat_id: int, reply: Reply) -> SendResult:
        await asyncio.sleep(self.delay)
        if chat_id in self.blocked:
            return SendResult.BLOCKED
        self.sent.append((chat_id, reply))
        return SendResult.SENT


async def add_user_with_schedule(
    database: Database, telegram_id: int, *, goal: str | None = "Learn SQL", active: bool = True
) -> int:
    set_at = FRIDAY_5PM_BERLIN - timedelta(days=3)
    async with database.session() as session:
        user = await crud.touch_user(session, now=set_at, telegram_id=telegram_id)
        await session.flush()
        assert user.id is not None
        if goal:
            await crud.add_goal(session, user_id=user.id, text=goal, kind="skills",
                                deadline=None, now=set_at)  # fmt: skip
        schedule = nudges.new_schedule(user.id, weekday=4, local_time="17:00",
                                       timezone="Europe/Berlin", now=set_at)  # fmt: skip
        schedule.active = active
        session.add(schedule)
        await session.commit()
        return user.id


async def deliveries(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(NudgeDelivery)) or 0)


async def test_a_due_nudge_is_sent_once_with_a_goal_a_tip_and_check_in_buttons(
    database: Database,
) -> None:
    await add_user_with_schedule(database, 11)
    telegram = FakeTelegram()
    dispatcher = Dispatcher(database, KB, telegram)
    early = await dispatcher.run_once(FRIDAY_5PM_BERLIN - timedelta(minutes=1))
    assert (early.sent, early.skipped) == (0, 0)
    first = await dispatcher.run_once(FRIDAY_5PM_BERLIN)
    again = await dispatcher.run_once(FRIDAY_5PM_BERLIN + timedelta(minutes=1))
    assert (first.sent, again.sent) == (1, 0)
    [(chat_id, reply)] = telegram.sent
    assert chat_id == 11
    assert "Learn SQL" in reply.text
    assert [b.label for b in reply.button_list()] == ["📈 Made progress", "⏳ Not yet", "✅ Done"]
    assert all(b.data.endswith(":2026-W48") for b in reply.button_list())
    next_week = await dispatcher.run_once(FRIDAY_5PM_BERLIN + timedelta(days=7))
    assert next_week.sent == 1
    assert telegram.sent[0][1].text != telegram.sent[1][1].text  # another tip


async def test_two_dispatchers_at_once_send_each_nudge_once(database: Database) -> None:
    for telegram_id in range(100, 130):
        await add_user_with_schedule(database, telegram_id)
    telegram = FakeTelegram(delay=0.001)
    reports = await asyncio.gather(
        *(Dispatcher(database, KB, telegram).run_once(FRIDAY_5PM_BERLIN) for _ in range(3))
    )
    assert sum(report.sent for report in reports) == 30
    assert sorted(chat for chat, _ in telegram.sent) == list(range(100, 130))
    assert await deliveries(database) == 30


async def test_a_nudge_missed_in_an_outage_is_sent_late_once(database: Database) -> None:
    await add_user_with_schedule(database, 12)
    telegram = FakeTelegram()
    dispatcher = Dispatcher(database, KB, telegram)
    three_weeks_later = FRIDAY_5PM_BERLIN + timedelta(days=20)
    assert (await dispatcher.run_once(three_weeks_later)).sent == 1
    assert (await dispatcher.run_once(three_weeks_later + timedelta(hours=1))).sent == 0
    async with database.session() as session:
        schedule = await crud.get_schedule(session, user_id=1)
    assert schedule is not None
    assert schedule.next_due_at > three_weeks_later


async def test_users_without_goals_are_invited_to_set_one(database: Database) -> None:
    await add_user_with_schedule(database, 13, goal=None)
    telegram = FakeTelegram()
    await Dispatcher(database, KB, telegram).run_once(FRIDAY_5PM_BERLIN)
    [(_, reply)] = telegram.sent
    assert "no open goals" in reply.text
    assert [b.data for b in reply.button_list()] == ["menu:goal"]


async def test_paused_and_blocked_users_get_nothing(database: Database) -> None:
    await add_user_with_schedule(database, 14, active=False)
    await add_user_with_schedule(database, 15)
    telegram = FakeTelegram(blocked=frozenset({15}))
    dispatcher = Dispatcher(database, KB, telegram)
    report = await dispatcher.run_once(FRIDAY_5PM_BERLIN)
    assert (report.sent, report.failed, report.blocked) == (0, 1, 1)
    async with database.session() as session:
        blocked = (await session.scalars(select(User.telegram_id).where(User.blocked))).all()
    assert blocked == [15]
    later = await dispatcher.run_once(FRIDAY_5PM_BERLIN + timedelta(days=7))
    assert (later.sent, later.failed) == (0, 0)  # a blocked user is not retried


async def test_a_failing_send_does_not_stop_the_others(database: Database) -> None:
    await add_user_with_schedule(database, 16)
    await add_user_with_schedule(database, 17)

    async def flaky(chat_id: int, reply: Reply) -> SendResult:
        if chat_id == 16:
            raise ConnectionError("network down")
        return SendResult.SENT

    report = await Dispatcher(database, KB, flaky).run_once(FRIDAY_5PM_BERLIN)
    assert (report.sent, report.failed) == (1, 1)


@pytest.mark.parametrize("rate", [5.0])
async def test_the_dispatcher_is_throttled(database: Database, rate: float) -> None:
    for telegram_id in range(200, 215):
        await add_user_with_schedule(database, telegram_id, goal=None)
    dispatcher = Dispatcher(database, KB, FakeTelegram(), rate=rate)
    started = asyncio.get_running_loop().time()
    report = await dispatcher.run_once(FRIDAY_5PM_BERLIN)
    elapsed = asyncio.get_running_loop().time() - started
    assert report.sent == 15
    assert elapsed >= (15 - rate) / rate * 0.9  # a burst of `rate`, then `rate` per second


async def test_a_nudge_claimed_by_a_dispatcher_that_died_is_sent_once_later(
    database: Database,
) -> None:
    await add_user_with_schedule(database, 18)
    telegram = FakeTelegram()
    crashed = Dispatcher(database, KB, telegram)
    assert await crashed._claim(1, FRIDAY_5PM_BERLIN) is not None  # claimed, then killed
    survivor = Dispatcher(database, KB, telegram)
    soon = await survivor.run_once(FRIDAY_5PM_BERLIN + timedelta(minutes=1))
    assert (soon.sent, telegram.sent) == (0, [])  # the claim may still be in flight
    takeover = FRIDAY_5PM_BERLIN + nudges.STALE_CLAIM + timedelta(minutes=1)
    later = await asyncio.gather(
        *(Dispatcher(database, KB, telegram).run_once(takeover) for _ in range(3))
    )
    assert sum(report.sent for report in later) == 1
    [(chat_id, reply)] = telegram.sent
    assert chat_id == 18
    assert "Learn SQL" in reply.text
    again = await survivor.run_once(FRIDAY_5PM_BERLIN + timedelta(hours=1))
    assert again.sent == 0
