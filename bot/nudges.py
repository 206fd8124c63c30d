"""Weekly growth nudges: when each is due, what it says, and sending each exactly once.

The database owns the schedule: ``NudgeSchedule.next_due_at`` (UTC) per user. The dispatcher
claims a due nudge by writing its ``NudgeDelivery`` row (unique per user and ISO week) and
moving ``next_due_at`` to the next week in the same transaction, and only then sends. So a
second dispatcher, a crash after the claim or a repeated ``run-once`` sends no duplicate.

The rules, in the user's local weeks:
- At most one nudge per user per week. A schedule changed after this week's nudge went out
  (another day, another zone, a resume) starts with next week's slot; a due row whose week
  already has its nudge is moved on to the next free week in the same transaction, so no row
  ever stays due and no run loops.
- A nudge missed while the bot was down (or the clock jumped ahead) is sent late, once, for
  the latest slot that passed. It is dropped instead when the next slot is less than
  ``LATE_NUDGE_MIN_LEAD`` away: the user then gets that one, on time.
- A send that fails (5xx, network, repeated 429) is retried by later runs with exponential
  backoff until ``RETRY_WINDOW`` after its slot, then given up with a logged reason. A user
  who blocked the bot (403) is not retried.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiolimiter import AsyncLimiter
from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.config import Settings
from bot.conversation import callbacks
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
# A missed nudge is still sent late, unless the next one is due sooner than this.
LATE_NUDGE_MIN_LEAD = timedelta(days=3)
# Failed sends are retried for this long after their slot: 1, 2, 4 ... minutes apart, at most
# RETRY_MAX_WAIT apart.
RETRY_WINDOW = timedelta(hours=12)
RETRY_FIRST_WAIT = timedelta(minutes=1)
RETRY_MAX_WAIT = timedelta(minutes=30)
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


def latest_slot(weekday: int, local_time: str, timezone: str, *, at: datetime) -> datetime:
    """The last ``weekday`` at ``local_time`` at or before ``at``, in UTC."""
    slot = next_due(weekday, local_time, timezone, after=at - timedelta(days=8))
    while (later := next_due(weekday, local_time, timezone, after=slot)) <= at:
        slot = later
    return slot


def next_slot(
    weekday: int, local_time: str, timezone: str, *, after: datetime, taken: Collection[str]
) -> datetime:
    """The first slot after ``after`` in a week that has no nudge yet (``taken`` weeks)."""
    due = next_due(weekday, local_time, timezone, after=after)
    for _ in range(len(taken)):
        if week_of(due, timezone) not in taken:
            break
        due = next_due(weekday, local_time, timezone, after=due)
    return due


def retry_wait(attempts: int) -> timedelta:
    """How long to wait before the next try after ``attempts`` failed ones."""
    return min(RETRY_FIRST_WAIT * (1 << min(max(attempts - 1, 0), 16)), RETRY_MAX_WAIT)


def week_of(moment: datetime, timezone: str) -> str:
    """The ISO week ("2026-W48") of a moment, in the user's timezone."""
    year, week, _ = moment.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def is_zone(timezone: str) -> bool:
    """A zone name the IANA database knows."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_label(timezone: str) -> str:
    """A timezone as people read it. The fixed-offset ``Etc/GMT-10`` (POSIX signs, so it is
    ten hours *ahead* of UTC) reads "UTC+10"; a named zone is its name."""
    offset = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", timezone)
    if offset is None:
        return timezone
    sign = "-" if offset.group(1) == "+" else "+"
    return f"UTC{sign}{offset.group(2)}"


def describe_schedule(schedule: NudgeSchedule) -> str:
    zone = zone_label(schedule.timezone)
    return f"{WEEKDAYS[schedule.weekday]}s at {schedule.local_time} ({zone})"


def describe_due(schedule: NudgeSchedule) -> str:
    local = schedule.next_due_at.astimezone(ZoneInfo(schedule.timezone))
    return f"{local:%A %d %B at %H:%M} ({zone_label(schedule.timezone)})"


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

    def data(status: str) -> str:
        return callbacks.encode("ci", goal.id or 0, status, week)

    buttons = ((Button("📈 Made progress", data("progress")),
                Button("⏳ Not yet", data("not_yet"))),
               (Button("✅ Done", data("done")),))  # fmt: skip
    return Reply(text, buttons, kind="nudge")


class SendResult(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot: stop nudging them
    FAILED = "failed"


Sender = Callable[[int, Reply], Awaitable[SendResult]]


@dataclass(slots=True)
class RunReport:
    sent: int = 0
    skipped: int = 0  # this week's nudge went out already, or another dispatcher has it
    failed: int = 0  # to be retried by a later run, or given up (see ``gave_up``)
    blocked: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"sent {self.sent}, skipped {self.skipped}, failed {self.failed} "
                f"(of which {self.blocked} blocked the bot, {self.gave_up} given up)")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Claim:
    telegram_id: int
    reply: Reply
    delivery_id: int
    due_at: datetime
    attempts: int


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
        """Send what is due at ``now`` (default: this instant). Always ends: every due row it
        reads is claimed or moved on, and a row it met once in this run is not read again."""
        now = now or datetime.now(UTC)
        report = RunReport()
        await self._take_over(now, report)
        seen: set[int] = set()
        while True:
            due = [user_id for user_id in await self._due(now) if user_id not in seen]
            if not due:
                return report
            seen.update(due)
            for user_id in due:
                await self._deliver(user_id, now, report)

    async def _take_over(self, now: datetime, report: RunReport) -> None:
        """Send again what an earlier run left unsent: claims whose dispatcher died between
        the claim and the send (taken over once, by one dispatcher, after ``stale_claim``: a
        kill in the milliseconds between Telegram's answer and the status update would repeat
        a nudge, while skipping the takeover would lose one), and failed sends whose retry is
        due."""
        pending = (
            select(col(NudgeDelivery.id))
            .where(or_(self._abandoned(now), and_(col(NudgeDelivery.status) == "failed",
                                                  col(NudgeDelivery.retry_at) <= now)))
            .order_by(col(NudgeDelivery.id))
            .limit(self.batch)
        )  # fmt: skip
        async with self.database.session() as session:
            delivery_ids = [i for i in (await session.scalars(pending)).all() if i is not None]
        for delivery_id in delivery_ids:
            claim = await self._retake(delivery_id, now)
            if claim is not None:
                await self._send_and_record(claim, now, report)

    def _abandoned(self, now: datetime) -> ColumnElement[bool]:
        """Claims whose dispatcher died before it recorded the send: a first claim, or a
        takeover that died in its turn, older than ``stale_claim``. The same condition
        guards the takeover's UPDATE, so a fresh takeover is never taken over again."""
        return and_(col(NudgeDelivery.status).in_(("claimed", "resending")),
                    col(NudgeDelivery.created_at) <= now - self.stale_claim)  # fmt: skip

    async def _retake(self, delivery_id: int, now: datetime) -> _Claim | None:
        async with self.database.session() as session:
            taken = await session.execute(
                update(NudgeDelivery)
                .where(col(NudgeDelivery.id) == delivery_id,
                       or_(self._abandoned(now), col(NudgeDelivery.status) == "failed"))
                .values(status="resending", created_at=now)
            )  # fmt: skip
            await session.commit()
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None  # another dispatcher took it over first
            delivery = await session.get(NudgeDelivery, delivery_id)
            assert delivery is not None
            user = await session.get(User, delivery.user_id)
            goal = None if delivery.goal_id is None else await session.get(Goal, delivery.goal_id)
            if user is None or user.telegram_id is None or user.blocked:
                delivery.status = "blocked"
                await session.commit()
                return None
            tip = next((t for t in self.kb.tips if t.id == delivery.tip_id), None)
            log.info("sending again a nudge claimed at %s (attempt %d)",
                     delivery.due_at, delivery.attempts + 1)  # fmt: skip
            return _Claim(user.telegram_id, compose(goal, tip, delivery.week), delivery_id,
                          delivery.due_at, delivery.attempts)  # fmt: skip

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
        claim = await self._claim(user_id, now)
        if claim is None:
            report.skipped += 1
            return
        await self._send_and_record(claim, now, report)

    async def _send_and_record(self, claim: _Claim, now: datetime, report: RunReport) -> None:
        async with self.limiter:
            try:
                result = await self.send(claim.telegram_id, claim.reply)
            except Exception as error:  # a failed send must not stop the other users' nudges
                log.exception("sending a nudge failed")
                report.errors.append(type(error).__name__)
                result = SendResult.FAILED
        async with self.database.session() as session:
            delivery = await session.get(NudgeDelivery, claim.delivery_id)
            if delivery is not None:
                delivery.status = result.value
                delivery.attempts = claim.attempts + 1
                delivery.retry_at = None
                if result is SendResult.FAILED:
                    retry_at = now + retry_wait(delivery.attempts)
                    if retry_at <= claim.due_at + RETRY_WINDOW:
                        delivery.retry_at = retry_at
                    else:
                        delivery.status = "gave_up"
                        report.gave_up += 1
                        log.warning("gave up a nudge (delivery %d) after %d attempts: every "
                                    "send failed for %s after its slot", delivery.id,
                                    delivery.attempts, RETRY_WINDOW)  # fmt: skip
            if result is SendResult.BLOCKED:
                await crud.mark_blocked(session, telegram_id=claim.telegram_id)
            await session.commit()
        if result is SendResult.SENT:
            report.sent += 1
        else:
            report.failed += 1
            report.blocked += result is SendResult.BLOCKED

    async def _claim(self, user_id: int, now: datetime) -> _Claim | None:
        """Write the delivery record and move the schedule on, in one transaction. None when
        nothing is to be sent now: this week's nudge went out already, a late nudge is dropped
        for the next one, another dispatcher holds the row, or it is no longer due. Whenever
        the row was due, it is moved on, so it is never read again in this run."""
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
            slot = latest_slot(schedule.weekday, schedule.local_time, schedule.timezone, at=now)
            slot = max(slot, schedule.next_due_at)
            week = week_of(slot, schedule.timezone)
            taken = await delivered_weeks(session, user_id=user_id)
            following = next_slot(schedule.weekday, schedule.local_time, schedule.timezone,
                                  after=now, taken=taken | {week})  # fmt: skip
            late = following - now < LATE_NUDGE_MIN_LEAD and slot < now - timedelta(days=1)
            if week in taken or late:
                schedule.next_due_at = following
                await session.commit()
                return None
            goals = await crud.list_goals(session, user_id=user_id)
            goal = pick_goal(goals, schedule.last_goal_id)
            tip = None if goal is None else pick_tip(
                list(self.kb.tips), goal.kind, last_tip_id=schedule.last_tip_id, week=week
            )  # fmt: skip
            delivery = NudgeDelivery(
                user_id=user_id, week=week, due_at=slot, status="claimed",
                goal_id=None if goal is None else goal.id, tip_id=None if tip is None else tip.id,
                created_at=now,
            )  # fmt: skip
            session.add(delivery)
            schedule.next_due_at = following
            if goal is not None:
                schedule.last_goal_id = goal.id
            if tip is not None:
                schedule.last_tip_id = tip.id
            try:
                await session.commit()
            except IntegrityError:
                # Another dispatcher claimed this week between our read and our write: move
                # the row on all the same (it is due no longer), in a transaction of its own.
                await session.rollback()
                await self._move_on(user_id, now)
                return None
            assert delivery.id is not None
            return _Claim(user.telegram_id, compose(goal, tip, week), delivery.id, slot, 0)

    async def _move_on(self, user_id: int, now: datetime) -> None:
        async with self.database.session() as session:
            schedule = await session.get(NudgeSchedule, user_id)
            if schedule is not None and schedule.next_due_at <= now:
                schedule.next_due_at = await free_slot(session, schedule, after=now)
                await session.commit()


async def free_slot(session: AsyncSession, schedule: NudgeSchedule, *, after: datetime) -> datetime:
    """The schedule's first slot after ``after`` in a week that has had no nudge yet."""
    taken = await delivered_weeks(session, user_id=schedule.user_id)
    return next_slot(schedule.weekday, schedule.local_time, schedule.timezone,
                     after=after, taken=taken)  # fmt: skip


async def delivered_weeks(session: AsyncSession, *, user_id: int) -> set[str]:
    """The weeks of the user's most recent nudges (any outcome): those weeks are done."""
    query = (
        select(col(NudgeDelivery.week))
        .where(col(NudgeDelivery.user_id) == user_id)
        .order_by(col(NudgeDelivery.id).desc())
        .limit(3)
    )
    return set((await session.scalars(query)).all())


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


async def reschedule(session: AsyncSession, schedule: NudgeSchedule, *, now: datetime) -> None:
    """Move the schedule to its next slot after a change (day, time, zone, resume): the first
    one after ``now`` in a week that has had no nudge yet."""
    schedule.next_due_at = await free_slot(session, schedule, after=now)
    schedule.updated_at = now


def monday_of(week: str) -> date:
    year, _, number = week.partition("-W")
    return date.fromisocalendar(int(year), int(number), 1)
