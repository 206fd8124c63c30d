"""Conversations as data, like Rasa's test stories: a file of scripted conversations (what
a user types or presses, restarts, time passing) with expectations on what the bot stored and
said, run through the conversation core and scored turn by turn.

The format (``tests/eval/README.md`` has it in full): a YAML list of conversations, each with
``id``, ``style``, ``writer``, ``now`` (the clock at its first turn) and ``turns``. A turn is
``user: text``, ``press: label`` (a button of the latest message that had buttons),
``restart: true`` (a new core on the same database, as after a crash) or ``after: P3D`` (time
passes first; a weekly nudge that falls due meanwhile is delivered, and its buttons can be
pressed). A turn with ``expect`` is scored: it passes when every expectation holds.

Every conversation starts from a new user in a new SQLite database; each turn happens one
minute after the one before (so what changed is visible in the stored times).
"""

from __future__ import annotations

import html
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import select
from sqlmodel import col

from bot import nudges
from bot.conversation.core import Conversation
from bot.conversation.messages import Button, Incoming, Reply, Sender
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.models import User

TELEGRAM_ID = 4242
_STEP = timedelta(minutes=1)
_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?"
)
_TAG = re.compile(r"<[^>]+>")
# Replies that say the bot did not understand: a turn fails on one unless it allows it.
NOT_UNDERSTOOD = frozenset(
    {"did_you_mean", "out_of_scope", "judge_answer_unmatched", "checkin_unknown", "stale_button"}
)
# Replies that inform nobody about anything asked (a knowledge expectation fails on them).
_NOT_ANSWERS = NOT_UNDERSTOOD | {
    "no_answer",
    "help",
    "greet",
    "thanks",
    "goodbye",
    "emoji",
    "not_english",
    "no_text",
    "unknown_command",
}
# Replies that ask the user to choose or confirm without opening a typed step.
_ASKING = frozenset(
    {
        "goal_which",
        "nudge_offer",
        "nudge_none",
        "nudge_pick_time",
        "goal_kind_prompt",
        "did_you_mean",
    }
)
WEEKDAYS = [day.casefold() for day in nudges.WEEKDAYS]


def duration(text: str) -> timedelta:
    """An ISO 8601 duration of weeks, days, hours and minutes ("P3D", "PT2H", "P1W")."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = {name: int(value or 0) for name, value in match.groupdict().items()}
    return timedelta(**parts)


def load(path: Path) -> list[dict[str, Any]]:
    conversations = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(conversations, list):
        raise ValueError(f"{path}: a conversation file is a YAML list")
    return conversations


# --- what the bot stored --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalView:
    text: str
    kind: str
    deadline: date | None
    done: bool


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything stored about the user that the expectations look at."""

    exists: bool
    goals: dict[int, GoalView] = field(default_factory=dict)
    check_ins: dict[tuple[int, str], tuple[str, datetime]] = field(default_factory=dict)
    schedule: tuple[str, str, str, bool] | None = None  # weekday, time, zone, paused
    waiting: bool = False  # a dialogue step is open
    timezone: str | None = None  # the user's own zone (a nudge takes it when set up)

    def open_goals(self) -> dict[int, GoalView]:
        return {key: goal for key, goal in self.goals.items() if not goal.done}

    def data(self) -> tuple[Any, ...]:
        return (self.goals, self.check_ins, self.schedule)


async def snapshot(database: Database, now: datetime) -> Snapshot:
    async with database.session() as session:
        query = select(User).where(col(User.telegram_id) == TELEGRAM_ID)
        user = (await session.scalars(query)).one_or_none()
        if user is None or user.id is None:
            return Snapshot(exists=False)
        goals = await crud.list_goals(session, user_id=user.id)
        goals += await crud.list_goals(session, user_id=user.id, done=True)
        check_ins = await crud.list_check_ins(session, user_id=user.id)
        schedule = await crud.get_schedule(session, user_id=user.id)
        state = await crud.load_state(session, user_id=user.id, now=now)
        return Snapshot(
            exists=True,
            goals={g.id or 0: GoalView(g.text, g.kind, g.deadline, g.done) for g in goals},
            check_ins={(c.goal_id, c.week): (c.status, c.created_at) for c in check_ins},
            schedule=None
            if schedule is None
            else (
                WEEKDAYS[schedule.weekday],
                schedule.local_time,
                schedule.timezone,
                not schedule.active,
            ),
            waiting=state is not None,
            timezone=user.timezone,
        )


# --- checking one turn ------------------------------------------------------------------------


def _plain(replies: Iterable[Reply]) -> str:
    parts = []
    for reply in replies:
        parts.append(html.unescape(_TAG.sub("", reply.text)))
        parts.extend(button.label for button in reply.button_list())
    return "\n".join(parts).casefold()


def _same_zone(stored: str, expected: str) -> bool:
    """The zone the user meant: the same name, the same label ("UTC+10"), or a zone that
    keeps the same clock all year (Asia/Calcutta for Asia/Kolkata)."""
    if stored == expected or nudges.zone_label(stored) == expected:
        return True
    try:
        ours, theirs = ZoneInfo(stored), ZoneInfo(expected)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    instants = [datetime(2027, month, 15, 12, tzinfo=UTC) for month in range(1, 13)]
    return all(t.astimezone(ours).utcoffset() == t.astimezone(theirs).utcoffset() for t in instants)


def _contains(goal: GoalView, text: str) -> bool:
    return text.casefold() in goal.text.casefold()


def _logged(before: Snapshot, after: Snapshot) -> list[int]:
    """Goals with progress (or done) recorded this turn."""
    return [
        goal_id
        for key, (status, at) in after.check_ins.items()
        if status in {"progress", "done"} and before.check_ins.get(key) != (status, at)
        for goal_id in [key[0]]
    ]


def check(
    expect: Mapping[str, Any], before: Snapshot, after: Snapshot, replies: list[Reply]
) -> list[str]:
    """The expectations of one turn that do not hold (empty when the turn passes)."""
    failed: list[str] = []
    kinds = [reply.kind for reply in replies]
    added = [after.goals[key] for key in after.goals.keys() - before.goals.keys()]
    if not expect.get("not_understood_ok") and any(kind in NOT_UNDERSTOOD for kind in kinds):
        failed.append("not_understood")
    for key, value in expect.items():
        ok = True
        if key == "verdict":
            ok = any(reply.verdict == value for reply in replies)
        elif key == "knowledge_about":
            ok = bool(kinds) and kinds[0] not in _NOT_ANSWERS
        elif key == "asks":
            ok = bool(value) == (after.waiting or any(kind in _ASKING for kind in kinds))
        elif key == "goal_added":
            ok = len(added) == 1 and _contains(added[0], value["title_contains"])
            if ok and value.get("kind") is not None:
                ok = added[0].kind == value["kind"]
            if ok and value.get("deadline") is not None:
                ok = str(added[0].deadline) == str(value["deadline"])
        elif key == "goal_count":
            ok = len(after.open_goals()) == int(value)
        elif key == "goal_deadline":
            ok = any(
                _contains(goal, value["goal_contains"])
                and str(goal.deadline) == str(value["deadline"])
                for goal in after.goals.values()
            )
        elif key == "goal_renamed":
            ok = any(
                key in before.goals
                and _contains(before.goals[key], value["from_contains"])
                and _contains(goal, value["to_contains"])
                for key, goal in after.goals.items()
            )
        elif key == "goal_done":
            ok = any(
                goal.done and _contains(goal, value) and not before.goals[key].done
                for key, goal in after.goals.items()
                if key in before.goals
            )
        elif key == "goal_deleted":
            gone = [before.goals[key] for key in before.goals.keys() - after.goals.keys()]
            ok = any(_contains(goal, value) for goal in gone)
        elif key == "progress_logged":
            ok = any(_contains(after.goals[goal_id], value) for goal_id in _logged(before, after))
        elif key == "no_progress_logged":
            ok = not _logged(before, after)
        elif key == "nudge":
            if after.schedule is None and set(value) == {"timezone"} and after.timezone:
                # Only the zone is asked about and no schedule is set yet: the user's zone,
                # which the nudge will use once a day is chosen.
                ok = _same_zone(after.timezone, str(value["timezone"]))
            else:
                ok = after.schedule is not None and all(
                    _nudge_field(after.schedule, name, wanted) for name, wanted in value.items()
                )
        elif key == "no_data_change":
            ok = before.data() == after.data()
        elif key == "data_deleted":
            ok = not after.goals and after.schedule is None and not after.check_ins
        elif key == "reply_mentions_any":
            text = _plain(replies)
            ok = any(str(option).casefold() in text for option in value)
        elif key == "not_understood_ok":
            continue
        else:
            raise ValueError(f"unknown expectation {key!r}")
        if not ok:
            failed.append(key)
    return failed


def _nudge_field(schedule: tuple[str, str, str, bool], name: str, wanted: Any) -> bool:
    weekday, local_time, zone, paused = schedule
    if name == "weekday":
        return weekday == str(wanted).casefold()
    if name == "time":
        return local_time == str(wanted)
    if name == "timezone":
        return _same_zone(zone, str(wanted))
    if name == "paused":
        return paused is bool(wanted)
    raise ValueError(f"unknown nudge field {name!r}")


# --- running a conversation ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TurnResult:
    conversation: str
    number: int  # the turn's place in its conversation, from 1
    style: str
    writer: str
    failed: tuple[str, ...]  # the expectations that did not hold
    said: str = ""  # what the user typed or pressed (for development sets only)
    answer: str = ""  # what the bot replied (for development sets only)

    @property
    def passed(self) -> bool:
        return not self.failed


def _label(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']+", " ", text).casefold().split())


def find_button(replies: list[Reply], label: str) -> Button | None:
    """The button a user means by ``label``: the same words, or a label containing them."""
    wanted = _label(label)
    buttons = [button for reply in replies for button in reply.button_list()]
    exact = [button for button in buttons if _label(button.label) == wanted]
    partial = [button for button in buttons if wanted and wanted in _label(button.label)]
    found = exact or partial
    return found[0] if found else None


ConversationFactory = Callable[[Database], Conversation]


class Runner:
    """Runs conversations through the core built by ``factory`` (the NLU and the knowledge
    base are loaded once; each conversation gets a new database)."""

    def __init__(self, factory: ConversationFactory) -> None:
        self.factory = factory
        self._template: bytes | None = None  # an empty migrated database, copied for each run

    async def run(self, script: Mapping[str, Any]) -> list[TurnResult]:
        with tempfile.TemporaryDirectory(prefix="careerbot-script-") as folder:
            path = Path(folder) / "careerbot.db"
            url = f"sqlite+aiosqlite:///{path}"
            if self._template is None:
                database = Database(url)
                await database.upgrade()
                await database.dispose()
                self._template = path.read_bytes()
            path.write_bytes(self._template)
            return await self._run(script, url)

    async def _run(self, script: Mapping[str, Any], url: str) -> list[TurnResult]:
        database = Database(url)
        try:
            return await self._turns(script, database)
        finally:
            await database.dispose()

    async def _turns(self, script: Mapping[str, Any], database: Database) -> list[TurnResult]:
        now = datetime.fromisoformat(str(script["now"]))
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        conversation = self.factory(database)
        sender = Sender(telegram_id=TELEGRAM_ID, name=str(script.get("persona", ""))[:20])
        results: list[TurnResult] = []
        keyboard: list[Reply] = []  # the latest message with buttons
        message_id = 0
        for number, step in enumerate(script["turns"], start=1):
            if step.get("restart"):
                # A new core, as after a crash: what it knows comes from the database only.
                conversation = self.factory(database)
            if "after" in step:
                now += duration(str(step["after"]))
                delivered = await self._nudges(conversation, database, now)
                if delivered:
                    keyboard = delivered
                    message_id += 1
            if "user" not in step and "press" not in step:
                continue
            before = await snapshot(database, now)
            failed: list[str] = []
            replies: list[Reply] = []
            said = str(step.get("user", step.get("press", "")))
            if "press" in step:
                button = find_button(keyboard, str(step["press"]))
                if button is None:
                    failed.append("no_such_button")
                else:
                    incoming = Incoming(sender, button=button.data, keyboard=message_id)
                    replies = await conversation.handle(incoming, now=now)
            else:
                incoming = Incoming(sender, text=str(step["user"]))
                replies = await conversation.handle(incoming, now=now)
            if any(reply.buttons for reply in replies):
                keyboard = [reply for reply in replies if reply.buttons]
                message_id += 1
            after = await snapshot(database, now)
            if "expect" in step:
                failed += check(step["expect"] or {}, before, after, replies)
                results.append(
                    TurnResult(
                        str(script["id"]),
                        number,
                        str(script.get("style", "?")),
                        str(script.get("writer", "?")),
                        tuple(failed),
                        said,
                        _plain(replies)[:400],
                    )
                )
            now += _STEP
        return results

    async def _nudges(
        self, conversation: Conversation, database: Database, now: datetime
    ) -> list[Reply]:
        """Run the nudge dispatcher at ``now``: the nudges it sends to the user."""
        sent: list[Reply] = []

        async def send(telegram_id: int, reply: Reply) -> nudges.SendResult:
            sent.append(reply)
            return nudges.SendResult.SENT

        dispatcher = nudges.Dispatcher(database, conversation.retriever.kb, send, rate=1000)
        await dispatcher.run_once(now)
        return sent


async def run_file(runner: Runner, path: Path) -> list[TurnResult]:
    results: list[TurnResult] = []
    for script in load(path):
        results += await runner.run(script)
    return results


def score(results: list[TurnResult]) -> dict[str, Any]:
    """Aggregates only: the share of turns passed, overall, per style, per writer and per
    expectation, and the conversations passed in full. Never which turn failed."""
    by: dict[str, dict[str, list[bool]]] = {"style": defaultdict(list), "writer": defaultdict(list)}
    conversations: dict[str, bool] = {}
    failures: Counter[str] = Counter()
    for result in results:
        by["style"][result.style].append(result.passed)
        by["writer"][result.writer].append(result.passed)
        conversations[result.conversation] = (
            conversations.get(result.conversation, True) and result.passed
        )
        failures.update(result.failed)

    def share(flags: list[bool]) -> dict[str, Any]:
        return {"turns": len(flags), "passed": round(sum(flags) / max(len(flags), 1), 3)}

    return {
        "turns": share([result.passed for result in results]),
        "conversations": {"n": len(conversations), "passed_in_full": sum(conversations.values())},
        "by_writer": {name: share(flags) for name, flags in sorted(by["writer"].items())},
        "by_style": {name: share(flags) for name, flags in sorted(by["style"].items())},
        "failed_expectations": dict(failures.most_common()),
    }
