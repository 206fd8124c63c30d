"""Weekly growth nudges: when each is due, what it says, and sending each exactly once.

The database owns the schedule: ``NudgeSchedule.next_due_at`` (UTC) per user. The dispatcher
claims a due nudge by writing its ``NudgeDelivery`` row (unique per user and ISO week) and
moving ``next_due_at`` to the next week in the same transaction, and only then sends. So a
second dispatcher, a crash after the claim or a repeated ``run-once`` sends no duplicate, and a
nudge missed while the bot was down is sent late, once, on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.config import Settings
from bot.conversation.messages import Button, Reply
from bot.conversation.turn import escape
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.models import Goal, NudgeDelivery, NudgeSchedule, User
from knowledge.models import KnowledgeBase, Tip

log = logging.getLogger(__name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A claim with no outcome after this long belongs to a dispatcher that died: take it over
# (the default of NUDGE_STALE_CLAIM_SECONDS).
STALE_CLAIM = timedelta(minutes=5)
# Goals of kind "other" get tips for the kind that helps most careers: skills.
_TIP_KIND_FOR_OTHER = "skills"


def next_due(weekday: int, local_time: str, timezone: str, *, after: datetime) -> datetime:
    """The first ``weekday`` at ``local_time`` in ``timezone`` strictly after ``after``, in UTC.

    Wall-clock arithmetic in the user's zone keeps the local time across daylight-saving
    changes; a time that does not exist on the day the clocks go forward comes an hour late.
    """
    zone = ZoneInfo(timezone)
    hour, minute = (int(part) for part in local_time.split(":"))
    local_now = after.astimezone(zone)
    day = local_now.date() + timedelta(days=(weekday - local_now.weekday()) % 7)
    for _ in range(3):
        candidate = datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
        if candidate > after:
            return candidate
        day += timedelta(days=7)
    raise AssertionError("unreachable: a week later is always later")


def week_of(moment: datetime, timezone: str) -> str:
    """The ISO week ("2026-W48") of a moment, in the user's timezone."""
    year, week, _ = moment.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def describe_schedule(schedule: NudgeSchedule) -> str:
    return f"{WEEKDAYS[schedule.weekday]}s at {schedule.local_time} ({schedule.timezone})"


def describe_due(schedule: NudgeSchedule) -> str:
    local = schedule.next_due_at.astimezone(ZoneInfo(schedule.timezone))
    return f"{local:%A %d %B at %H:%M} ({schedule.timezone})"


def pick_tip(tips: list[Tip], kind: str, *, last_tip_id: str | None, week: str) -> Tip:
    """A tip for the goal's kind, never the one sent last time, rotating week by week."""
    kind = kind if any(t.kind == kind for t in tips) else _TIP_KIND_FOR_OTHER
    fitting = [tip for tip in tips if tip.kind == kind]
    choices = [tip for tip in fitting if tip.id != last_tip_id] or fitting
    year, _, number = week.partition("-W")
    return choices[(int(year) * 53 + int(number)) % len(choices)]


def pick_goal(goals: list[Goal], last_goal_id: int | None) -> Goal | None:
    """The open goal after the one nudged last time, so several goals take turns."""
    if not goals:
        return None
    later = [goal for goal in goals if last_goal_id is None or (goal.id or 0) > last_goal_id]
    return (later or goals)[0]


def compose(goal: Goal | None, tip: Tip | None, week: str) -> Reply:
    """The nudge message: the goal, one concrete step, and check-in buttons."""
    if goal is None or tip is None:
        return Reply(
            "🌱 <b>Your weekly growth nudge</b>\nYou have no open goals yet. Tell me one, for "
            "example <i>I want to lead a project by March</i>, and next week's nudge will have "
            "a step for it.",
            ((Button("Set a goal", "menu:goal"),),),
            kind="nudge",
        )
    deadline = f" (by {goal.deadline:%d %B %Y})" if goal.deadline else ""
    text = (
        f"🌱 <b>Your weekly growth nudge</b>\nGoal: <i>{escape(goal.text)}"
        f"</i>{deadline}\n\n<b>This week:</b> {escape(tip.text)}\n\n"
        "How is this goal going?"
    )
    data = f"ci:{goal.id}:{{}}:{week}"
    buttons = ((Button("📈 Made progress", data.format("progress")),
                Button("⏳ Not yet", data.format("not_yet"))),
               (Button("✅ Done", data.format("done")),))  # fmt: skip
    return Reply(text, buttons, kind="nudge")


class SendResult(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot: stop nudging them
    FAILED = "failed"


Sender = Callable[[int, Reply], Awaitable[SendResult]]


@dataclass(slots=True)
class RunReport:
    sent: int = 0
    skipped: int = 0  # already claimed by another run or dispatcher
    failed: int = 0
    blocked: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"sent {self.sent}, skipped {self.skipped}, failed {self.failed} "
                f"(of which {self.blocked} blocked the bot)")  # fmt: skip


class Dispatcher:
    """Sends every due nudge, throttled to ``rate`` messages per second."""

    def __init__(
        self, database: Database, kb: KnowledgeBase, send: Sender, *, rate: float = 25.0,
        batch: int = 500, stale_claim: timedelta = STALE_CLAIM,
    ) -> None:  # fmt: skip
        self.database = database
        self.stale_claim = stale_claim
        self.kb = kb
        self.send = send
        self.limiter = AsyncLimiter(max(rate, 1e-3), 1.0)
        self.batch = batch

    async def run_once(self, now: datetime | None = None) -> RunReport:
        """Send what is due at ``now`` (default: this instant)."""
        now = now or datetime.now(UTC)
        report = RunReport()
        await self._recover(now, report)
        while True:
            due = await self._due(now)
            if not due:
                return report
            for user_id in due:
                await self._deliver(user_id, now, report)
            if len(due) < self.batch:
                return report

    async def _recover(self, now: datetime, report: RunReport) -> None:
        """Send the nudges a dispatcher claimed but never reported on (it was killed between
        the claim and the send). A claim is taken over once, by one dispatcher, after
        ``stale_claim``: a kill in the milliseconds between Telegram's answer and the
        status update would repeat a nudge, while skipping the takeover would lose one."""
        stale = (
            select(col(NudgeDelivery.id))
            .where(col(NudgeDelivery.status) == "claimed",
                   col(NudgeDelivery.created_at) <= now - self.stale_claim)
            .limit(self.batch)
        )  # fmt: skip
        async with self.database.session() as session:
            delivery_ids = [i for i in (await session.scalars(stale)).all() if i is not None]
        for delivery_id in delivery_ids:
            async with self.database.session() as session:
                taken = await session.execute(
                    update(NudgeDelivery)
                    .where(col(NudgeDelivery.id) == delivery_id,
                           col(NudgeDelivery.status) == "claimed")
                    .values(status="resending")
                )  # fmt: skip
                await session.commit()
                if taken.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another dispatcher took it over first
                delivery = await session.get(NudgeDelivery, delivery_id)
                assert delivery is not None
                user = await session.get(User, delivery.user_id)
                goal = (
                    None if delivery.goal_id is None else await session.get(Goal, delivery.goal_id)
                )
                tip = next((t for t in self.kb.tips if t.id == delivery.tip_id), None)
            if user is None or user.telegram_id is None or user.blocked:
                continue
            log.info("taking over a nudge claimed %s and never sent", delivery.created_at)
            reply = compose(goal, tip, delivery.week)
            await self._send_and_record(user.telegram_id, reply, delivery_id, report)

    def _due_query(self, now: datetime) -> Select[int]:
        """The users whose nudge is due: the index on ``next_due_at`` finds them."""
        return (
            select(col(NudgeSchedule.user_id))
            .join(User, col(User.id) == col(NudgeSchedule.user_id))
            .where(col(NudgeSchedule.active), col(NudgeSchedule.next_due_at) <= now,
                   col(User.telegram_id).is_not(None), col(User.blocked).is_(False))
            .order_by(col(NudgeSchedule.next_due_at), col(NudgeSchedule.user_id))
            .limit(self.batch)
        )  # fmt: skip

    async def _due(self, now: datetime) -> list[int]:
        async with self.database.session() as session:
            return list((await session.scalars(self._due_query(now))).all())

    async def _deliver(self, user_id: int, now: datetime, report: RunReport) -> None:
        claimed = await self._claim(user_id, now)
        if claimed is None:
            report.skipped += 1
            return
        telegram_id, reply, delivery_id = claimed
        await self._send_and_record(telegram_id, reply, delivery_id, report)

    async def _send_and_record(
        self, telegram_id: int, reply: Reply, delivery_id: int, report: RunReport
    ) -> None:
        async with self.limiter:
            try:
                result = await self.send(telegram_id, reply)
            except Exception as error:  # a failed send must not stop the other users' nudges
                log.exception("sending a nudge failed")
                report.errors.append(type(error).__name__)
                result = SendResult.FAILED
        async with self.database.session() as session:
            delivery = await session.get(NudgeDelivery, delivery_id)
            if delivery is not None:
                delivery.status = result.value
            if result is SendResult.BLOCKED:
                await crud.mark_blocked(session, telegram_id=telegram_id)
            await session.commit()
        if result is SendResult.SENT:
            report.sent += 1
        else:
            report.failed += 1
            report.blocked += result is SendResult.BLOCKED

    async def _claim(self, user_id: int, now: datetime) -> tuple[int, Reply, int] | None:
        """Write the delivery record and move the schedule on, in one transaction; None when
        this week's nudge was claimed already or the schedule is no longer due."""
        async with self.database.session() as session:
            query = select(NudgeSchedule).where(col(NudgeSchedule.user_id) == user_id)
            if not self.database.is_sqlite:
                # Replicas split the due rows between them instead of waiting on each other.
                query = query.with_for_update(skip_locked=True)
            schedule = (await session.scalars(query)).one_or_none()
            user = await session.get(User, user_id)
            if schedule is None or user is None or user.telegram_id is None:
                return None
            if not schedule.active or schedule.next_due_at > now:
                return None
            week = week_of(schedule.next_due_at, schedule.timezone)
            goals = await crud.list_goals(session, user_id=user_id)
            goal = pick_goal(goals, schedule.last_goal_id)
            tip = None if goal is None else pick_tip(
                list(self.kb.tips), goal.kind, last_tip_id=schedule.last_tip_id, week=week
            )  # fmt: skip
            delivery = NudgeDelivery(
                user_id=user_id, week=week, due_at=schedule.next_due_at, status="claimed",
                goal_id=None if goal is None else goal.id, tip_id=None if tip is None else tip.id,
                created_at=now,
            )  # fmt: skip
            session.add(delivery)
            schedule.next_due_at = next_due(schedule.weekday, schedule.local_time,
                                            schedule.timezone, after=now)  # fmt: skip
            if goal is not None:
                schedule.last_goal_id = goal.id
            if tip is not None:
                schedule.last_tip_id = tip.id
            try:
                await session.commit()
            except IntegrityError:
                return None  # another dispatcher claimed this week's nudge first
            assert delivery.id is not None
            return user.telegram_id, compose(goal, tip, week), delivery.id


def dispatcher(
    settings: Settings, database: Database, kb: KnowledgeBase, send: Sender
) -> Dispatcher:
    """The dispatcher these settings describe: its rate and when a claim counts as stale."""
    stale_claim = timedelta(seconds=settings.nudge_stale_claim_seconds)
    return Dispatcher(database, kb, send, rate=settings.nudge_rate, stale_claim=stale_claim)


def new_schedule(
    user_id: int, *, weekday: int, local_time: str, timezone: str, now: datetime
) -> NudgeSchedule:
    due = next_due(weekday, local_time, timezone, after=now)
    return NudgeSchedule(user_id=user_id, weekday=weekday, local_time=local_time,
                         timezone=timezone, updated_at=now, next_due_at=due)  # fmt: skip


def reschedule(schedule: NudgeSchedule, *, now: datetime) -> None:
    schedule.next_due_at = next_due(schedule.weekday, schedule.local_time, schedule.timezone,
                                    after=now)  # fmt: skip
    schedule.updated_at = now


def monday_of(week: str) -> date:
    year, _, number = week.partition("-W")
    return date.fromisocalendar(int(year), int(number), 1)
