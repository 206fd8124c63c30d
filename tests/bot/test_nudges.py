"""Weekly nudges: due times across daylight saving, tips, and exactly-once delivery on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import nudges
from bot.conversation import Conversation, Incoming, Sender
from bot.conversation.messages import Reply
from bot.conversation.replies import load_replies
from bot.nudges import Dispatcher, SendResult
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.models import NudgeDelivery, NudgeSchedule, User
from knowledge.advisor import default_rules
from knowledge.base import load_knowledge
from knowledge.retrieval import Retriever
from nlu.pipeline import Nlu

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
    monday_two_weeks_later = FRIDAY_5PM_BERLIN + timedelta(days=17)  # three slots missed
    assert (await dispatcher.run_once(monday_two_weeks_later)).sent == 1
    assert (await dispatcher.run_once(monday_two_weeks_later + timedelta(hours=1))).sent == 0
    async with database.session() as session:
        schedule = await crud.get_schedule(session, user_id=1)
    assert schedule is not None
    assert schedule.next_due_at == FRIDAY_5PM_BERLIN + timedelta(days=21)  # that Friday's too
    [(_, late)] = telegram.sent
    assert all(b.data.endswith(":2026-W50") for b in late.button_list())  # the latest slot's


@pytest.mark.parametrize(
    ("jump", "sent_at_once"),
    [(timedelta(days=5), 1), (timedelta(days=7), 0), (timedelta(days=8), 0),
     (timedelta(days=10), 1), (timedelta(days=30), 1)],
)  # fmt: skip
async def test_after_a_clock_jump_at_most_one_nudge_comes_and_none_early(
    database: Database, jump: timedelta, sent_at_once: int
) -> None:
    """The clock jumps from the Wednesday before a Friday slot. A slot that passed is sent
    late once, unless the next slot is less than three days away: then that one comes on
    time. Never two nudges in one week, never one before its slot by the bot's clock."""
    await add_user_with_schedule(database, 19)
    telegram = FakeTelegram()
    dispatcher = Dispatcher(database, KB, telegram)
    wednesday = FRIDAY_5PM_BERLIN - timedelta(days=2)
    assert (await dispatcher.run_once(wednesday)).sent == 0
    after_jump = wednesday + jump
    assert (await dispatcher.run_once(after_jump)).sent == sent_at_once
    async with database.session() as session:
        schedule = await crud.get_schedule(session, user_id=1)
    assert schedule is not None
    assert schedule.next_due_at > after_jump
    assert schedule.next_due_at - after_jump <= timedelta(days=7)
    assert (schedule.next_due_at - FRIDAY_5PM_BERLIN) % timedelta(days=7) == timedelta(0)
    just_before = schedule.next_due_at - timedelta(seconds=1)
    assert (await dispatcher.run_once(just_before)).sent == 0
    assert (await dispatcher.run_once(schedule.next_due_at)).sent == 1
    weeks = [delivery.week for delivery in await delivery_rows(database)]
    assert len(set(weeks)) == len(weeks) == len(telegram.sent)  # one nudge per week at most


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


async def test_a_takeover_that_died_in_its_turn_is_taken_over_once_more(
    database: Database,
) -> None:
    await add_user_with_schedule(database, 19)
    telegram = FakeTelegram()
    assert await Dispatcher(database, KB, telegram)._claim(1, FRIDAY_5PM_BERLIN) is not None
    takeover = FRIDAY_5PM_BERLIN + nudges.STALE_CLAIM + timedelta(minutes=1)
    dying = Dispatcher(database, KB, telegram)
    assert await dying._retake(1, takeover) is not None  # took it over, then was killed
    # While the takeover may still be sending, nobody takes it again ...
    fresh = await Dispatcher(database, KB, telegram).run_once(takeover + timedelta(minutes=1))
    assert (fresh.sent, telegram.sent) == (0, [])
    # ... and once it is stale too, exactly one dispatcher sends it.
    later = takeover + nudges.STALE_CLAIM + timedelta(minutes=1)
    reports = await asyncio.gather(
        *(Dispatcher(database, KB, telegram).run_once(later) for _ in range(3))
    )
    assert sum(report.sent for report in reports) == 1
    assert [chat_id for chat_id, _ in telegram.sent] == [19]


# --- schedules that change after this week's nudge went out --------------------------------
# Monday 1 March 2027 starts ISO week 2027-W09; Berlin is on winter time (UTC+1).
TUESDAY_9PM_BERLIN = datetime(2027, 3, 2, 20, 0, tzinfo=UTC)


def conversation_on(database: Database, nlu: Nlu, retriever: Retriever) -> Conversation:
    return Conversation(nlu=nlu, retriever=retriever, rules=default_rules(),
                        database=database, replies=load_replies())  # fmt: skip


async def stored_schedule(database: Database) -> NudgeSchedule:
    async with database.session() as session:
        schedule = (await session.scalars(select(NudgeSchedule))).one()
    return schedule


CHANGES = {
    "another day": ["nudge me on Fridays at 5pm"],
    "another timezone": ["I'm in New York"],
    "pause and resume": ["pause my nudges", "resume my nudges"],
    "pause, then another day": ["pause my nudges", "nudge me on Fridays at 5pm"],
}


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("when", ["same week", "next week"])
async def test_a_schedule_change_never_loses_a_week(
    database: Database, nlu: Nlu, retriever: Retriever, change: str, when: str
) -> None:
    """Tuesday's nudge went out, then the user changes the schedule: in the same week the
    new schedule starts next week (one nudge per week); in the next week it starts at once.
    Either way a nudge comes every week after, for four weeks."""
    chat = conversation_on(database, nlu, retriever)
    user = Sender(telegram_id=31, name="Ann")
    set_up = TUESDAY_9PM_BERLIN - timedelta(days=1)
    for text in ["I'm in Berlin", "nudge me on Tuesdays at 21:00"]:
        await chat.handle(Incoming(user, text=text), now=set_up)
    telegram = FakeTelegram()
    dispatcher = Dispatcher(database, KB, telegram)
    assert (await dispatcher.run_once(TUESDAY_9PM_BERLIN + timedelta(minutes=1))).sent == 1

    changed_at = TUESDAY_9PM_BERLIN + timedelta(days=1 if when == "same week" else 6)
    for text in CHANGES[change]:
        await chat.handle(Incoming(user, text=text), now=changed_at)
    schedule = await stored_schedule(database)
    assert schedule.active
    first = schedule.next_due_at
    assert first > changed_at
    assert nudges.week_of(first, schedule.timezone) != "2027-W09"  # the week that had one
    if when == "next week":
        assert nudges.week_of(first, schedule.timezone) == "2027-W10"  # nothing lost

    moment = first
    for week in range(4):
        report = await dispatcher.run_once(moment + timedelta(minutes=1))
        assert (report.sent, report.skipped) == (1, 0), f"week {week}: {report}"
        moment = (await stored_schedule(database)).next_due_at
    weeks = [delivery.week for delivery in await delivery_rows(database)]
    assert len(set(weeks)) == len(weeks) == len(telegram.sent) == 5


async def test_rows_stuck_in_a_week_that_had_its_nudge_move_on_and_never_block_others(
    database: Database,
) -> None:
    """More stuck rows than one batch (their due time lies in a week whose nudge went out,
    as a schedule changed by an older version could leave them): the run ends, every other
    due user is nudged, and each stuck row is moved to its next free week."""
    stuck_ids = list(range(400, 412))
    for telegram_id in [*stuck_ids, 500, 501, 502]:
        await add_user_with_schedule(database, telegram_id)
    async with database.session() as session:
        users = {u.telegram_id: u.id for u in (await session.scalars(select(User))).all()}
        for telegram_id in stuck_ids:
            session.add(NudgeDelivery(user_id=users[telegram_id], week="2026-W48",
                                      due_at=FRIDAY_5PM_BERLIN - timedelta(days=3),
                                      status="sent", created_at=FRIDAY_5PM_BERLIN))  # fmt: skip
        await session.commit()
    telegram = FakeTelegram()
    dispatcher = Dispatcher(database, KB, telegram, batch=5)
    report = await asyncio.wait_for(dispatcher.run_once(FRIDAY_5PM_BERLIN), timeout=30)
    assert (report.sent, report.skipped) == (3, 12)
    assert sorted(chat for chat, _ in telegram.sent) == [500, 501, 502]
    again = await asyncio.wait_for(dispatcher.run_once(FRIDAY_5PM_BERLIN), timeout=30)
    assert (again.sent, again.skipped) == (0, 0)  # nothing is due any more
    next_week = await dispatcher.run_once(FRIDAY_5PM_BERLIN + timedelta(days=7))
    assert next_week.sent == 15


# --- sends that fail -------------------------------------------------------------------------


class Outage:
    """Telegram answering 5xx for the first ``failures`` sends, then working again."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.sent: list[int] = []

    async def __call__(self, chat_id: int, reply: Reply) -> SendResult:
        self.calls += 1
        if self.calls <= self.failures:
            return SendResult.FAILED
        self.sent.append(chat_id)
        return SendResult.SENT


async def delivery_rows(database: Database) -> list[NudgeDelivery]:
    async with database.session() as session:
        return list((await session.scalars(select(NudgeDelivery))).all())


async def test_a_send_failed_in_an_outage_longer_than_a_run_is_retried_with_backoff(
    database: Database,
) -> None:
    await add_user_with_schedule(database, 21)
    outage = Outage(failures=3)
    dispatcher = Dispatcher(database, KB, outage)
    minute = timedelta(minutes=1)
    runs = [await dispatcher.run_once(FRIDAY_5PM_BERLIN + n * minute) for n in range(8)]
    assert [r.failed for r in runs] == [1, 1, 0, 1, 0, 0, 0, 0]  # tried at 0, 1 and 3 minutes
    assert [r.sent for r in runs] == [0, 0, 0, 0, 0, 0, 0, 1]  # then 4 minutes later: sent
    assert outage.sent == [21]
    [delivery] = await delivery_rows(database)
    assert (delivery.status, delivery.attempts, delivery.retry_at) == ("sent", 4, None)
    later = await dispatcher.run_once(FRIDAY_5PM_BERLIN + timedelta(hours=2))
    assert (later.sent, later.failed) == (0, 0)


async def test_a_send_that_keeps_failing_is_given_up_with_a_reason(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await add_user_with_schedule(database, 22)
    outage = Outage(failures=10_000)
    dispatcher = Dispatcher(database, KB, outage)
    moment = FRIDAY_5PM_BERLIN
    while moment <= FRIDAY_5PM_BERLIN + nudges.RETRY_WINDOW + timedelta(hours=1):
        await dispatcher.run_once(moment)
        moment += timedelta(minutes=10)
    [delivery] = await delivery_rows(database)
    assert delivery.status == "gave_up"
    assert 10 <= outage.calls <= 40  # backed off, not hammered every run
    assert "gave up a nudge" in caplog.text
    calls = outage.calls
    await dispatcher.run_once(moment + timedelta(hours=1))
    assert outage.calls == calls
