"""The growth skills: goals from free text, weekly check-ins, progress, nudge settings and the
data export. The conversation core routes to them; they share its ``Turn``.

Button data: ``g:<action>:<goal>`` (done, prog, edit, del, kind, undo), ``gk:<goal>:<kind>``,
``gdel:yes|no``, ``ci:<goal>:<status>:<week>`` (from a nudge), ``gs:<kind>`` (a goal offered
after a verdict), ``nd:offer|pause|resume``, ``nd:day:<0-6>``, ``nd:time:<HH:MM>``. A goal id
is always looked up among the pressing user's own goals.
"""

from __future__ import annotations

import json
import re
from datetime import date
from zoneinfo import ZoneInfo

from bot import nudges
from bot.charts import ProgressChart
from bot.conversation import answers, callbacks
from bot.conversation.answers import Act
from bot.conversation.callbacks import Callback
from bot.conversation.messages import Button, Reply
from bot.conversation.replies import Replies
from bot.conversation.steps import Step
from bot.conversation.turn import Turn, escape
from bot.goals import GOAL_KINDS, draft_goal, goal_edit, opens_like_goal, same_goal
from bot.storage import crud
from bot.storage.models import Goal, NudgeSchedule
from knowledge.models import KnowledgeBase
from nlu.intents import Intent
from nlu.pipeline import NluResult

AWAITING_GOAL, EDIT_GOAL, CONFIRM_DELETE_GOAL = (
    Step.AWAITING_GOAL,
    Step.EDIT_GOAL,
    Step.CONFIRM_DELETE_GOAL,
)
GOAL_DEADLINE = Step.GOAL_DEADLINE  # a deadline that had passed: asked for another
_NO_DEADLINE = re.compile(
    r"\b(no|without( a)?|none|skip( the)?) deadline\b|^\W*(none|no)\W*$", re.I
)
CHECK_IN_STATUSES = {"progress", "not_yet", "done"}
_DONE_WORDS = (
    "done",
    "finished",
    "finish",
    "completed",
    "complete",
    "achieved",
    "nailed",
    "did it",
)
_PAUSE_WORDS = ("pause", "mute", "hold", "break", "skip")
_STOP_WORDS = ("stop", "no more", "turn off", "unsubscribe", "disable", "don't send", "dont send",
               "cancel")  # fmt: skip
_RESUME_WORDS = ("resume", "restart", "turn on", "start again", "unpause", "enable", "back on")
DEFAULT_WEEKDAY, DEFAULT_TIME = 4, "17:00"  # Friday afternoon: a natural moment to look back
TIME_CHOICES = ("08:00", "12:00", "17:00", "19:00")
PROMOTION_TIPS = 3


class GrowthSkills:
    def __init__(self, *, replies: Replies, kb: KnowledgeBase, default_timezone: str) -> None:
        self.replies = replies
        self.kb = kb
        self.default_timezone = default_timezone

    def timezone(self, turn: Turn) -> str:
        return turn.user.timezone or self.default_timezone

    def this_week(self, turn: Turn) -> str:
        return nudges.week_of(turn.now, self.timezone(turn))

    # --- goals ------------------------------------------------------------------------------

    def ask_for_goal(self, turn: Turn) -> None:
        turn.say("goal_prompt", self.replies.goal_prompt)
        turn.open(AWAITING_GOAL, {})

    async def set_goal(self, turn: Turn, result: NluResult) -> None:
        draft = draft_goal(result.text, result.entities)
        for goal in await crud.list_goals(turn.session, user_id=turn.user_id):
            if same_goal(goal.text, draft.text):
                turn.close()
                turn.say(
                    "goal_duplicate", self.replies.goal_duplicate.format(text=escape(goal.text))
                )
                return
        passed = draft.deadline is not None and draft.deadline < self.today(turn)
        goal = await crud.add_goal(
            turn.session,
            user_id=turn.user_id,
            text=draft.text,
            kind=draft.kind,
            deadline=None if passed else draft.deadline,
            now=turn.now,
        )
        turn.close()
        self._say_goal_saved(turn, goal)
        if passed and draft.deadline is not None:
            self._ask_deadline(turn, goal, passed=draft.deadline)

    def today(self, turn: Turn) -> date:
        """The user's date today, in their timezone."""
        return turn.now.astimezone(ZoneInfo(self.timezone(turn))).date()

    def _ask_deadline(self, turn: Turn, goal: Goal, *, passed: date) -> None:
        """A deadline that has passed is not stored: ask for another one."""
        turn.say("goal_deadline_passed",
                 self.replies.goal_deadline_passed.format(date=_day(passed)))  # fmt: skip
        turn.open(GOAL_DEADLINE, {"goal_id": goal.id})

    def _say_goal_saved(self, turn: Turn, goal: Goal) -> None:
        replies = self.replies
        text = replies.goal_saved.format(
            text=escape(goal.text),
            kind=replies.goal_kinds[goal.kind],
            deadline=self._deadline(goal),
        )
        turn.say(
            "goal_saved",
            text,
            [
                [
                    Button("✏️ Change kind", callbacks.encode("g", "kind", goal.id or 0)),
                    Button("✏️ Edit text", callbacks.encode("g", "edit", goal.id or 0)),
                    Button("↩️ Undo", callbacks.encode("g", "undo", goal.id or 0)),
                ]
            ],
        )
        if goal.kind == "promotion":
            tips = [tip for tip in self.kb.tips if tip.kind == "promotion"][:PROMOTION_TIPS]
            lines = [replies.promotion_tips_header] + [f"• {escape(tip.text)}" for tip in tips]
            turn.say("promotion_tips", "\n".join(lines))

    def _deadline(self, goal: Goal) -> str:
        if goal.deadline is None:
            return ""
        return self.replies.goal_deadline.format(date=_day(goal.deadline))

    async def list_goals(self, turn: Turn) -> None:
        replies = self.replies
        goals = await crud.list_goals(turn.session, user_id=turn.user_id)
        done = await crud.list_goals(turn.session, user_id=turn.user_id, done=True)
        if not goals:
            text = replies.goals_empty + (
                replies.goals_done_count.format(count=len(done)) if done else ""
            )
            self._say_no_goals(turn, text)
            return
        check_ins = await crud.list_check_ins(turn.session, user_id=turn.user_id)
        lines = [replies.goals_header]
        buttons = []
        for number, goal in enumerate(goals, start=1):
            weeks = sum(1 for c in check_ins if c.goal_id == goal.id and c.status != "not_yet")
            progress = (
                replies.goal_progress.format(weeks=weeks) if weeks else replies.goal_progress_none
            )
            lines.append(
                replies.goal_line.format(
                    number=number,
                    text=escape(goal.text),
                    deadline=self._deadline(goal),
                    kind=replies.goal_kinds[goal.kind].lower(),
                    progress=progress,
                )
            )
            buttons.append(
                [
                    Button(f"📈 {number}", callbacks.encode("g", "prog", goal.id or 0)),
                    Button(f"✅ {number}", callbacks.encode("g", "done", goal.id or 0)),
                    Button(f"✏️ {number}", callbacks.encode("g", "edit", goal.id or 0)),
                    Button(f"🗑 {number}", callbacks.encode("g", "del", goal.id or 0)),
                ]
            )
        if done:
            lines.append(replies.goals_done_count.format(count=len(done)))
        turn.say("goals", "\n".join(lines), buttons)

    def _say_no_goals(self, turn: Turn, text: str) -> None:
        turn.say("goals", text, [[Button("Set a goal", callbacks.encode("menu", "goal"))]])

    async def _find_goal(self, turn: Turn, result: NluResult, action: str) -> Goal | None:
        """The goal a message means ("goal 2", "the SQL goal", the only open one), or None
        after asking which one with buttons."""
        goals = await crud.list_goals(turn.session, user_id=turn.user_id)
        reference = result.entity("GOAL_REF")
        named = reference is not None and bool(reference.value.get("name"))
        if not goals and not named:
            self._say_no_goals(turn, self.replies.goals_empty)
            return None
        candidates = goals
        if reference is None and len(goals) > 1:
            # "did 2 hours of SQL practice": the goal whose words the message shares.
            chosen = answers.best_goal(result.text, [goal.text for goal in goals])
            if chosen is not None:
                return goals[chosen - 1]
        if reference is not None:
            index = reference.value.get("index")
            name = str(reference.value.get("name") or "").casefold()
            if index is not None:
                candidates = goals[index - 1 : index] if 1 <= index <= len(goals) else []
            elif name:
                # A named goal may be a done one ("drop the SQL goal" after finishing it).
                done = await crud.list_goals(turn.session, user_id=turn.user_id, done=True)
                candidates = [g for g in goals + done if name in g.text.casefold()]
        if len(candidates) == 1:
            return candidates[0]
        if not goals and not candidates:
            self._say_no_goals(turn, self.replies.goals_empty)
            return None
        shown = candidates or goals
        button_action = "prog" if action == "not_yet" else action
        buttons = [
            [Button(f"{n}. {g.text[:40]}", callbacks.encode("g", button_action, g.id or 0))]
            for n, g in enumerate(shown, start=1)
        ]
        turn.say("goal_which", self.replies.goal_which, buttons)
        turn.open(Step.WHICH_GOAL, {"action": action, "goals": [g.id for g in shown]})
        return None

    async def update_goal(self, turn: Turn, result: NluResult) -> None:
        edit = goal_edit(result.text, result.entities)
        if edit is not None:
            goal = await self._find_goal(turn, result, "edit")
            if goal is not None:
                self._apply_edit(turn, goal, edit)
            return
        words = result.text.casefold()
        if answers.negative(result.text):
            action = "not_yet"
        elif any(re.search(rf"\b{re.escape(word)}\b", words) for word in _DONE_WORDS):
            action = "done"
        else:
            action = "prog"
        goal = await self._find_goal(turn, result, action)
        if goal is not None:
            status = {"done": "done", "prog": "progress", "not_yet": "not_yet"}[action]
            await self._check_in(turn, goal, status, self.this_week(turn))

    def _apply_edit(self, turn: Turn, goal: Goal, edit: tuple[str, object]) -> None:
        field, value = edit
        if field == "title" and isinstance(value, str):
            goal.text, goal.updated_at = value[:300], turn.now
            turn.say("goal_edited", self.replies.goal_edited.format(text=escape(goal.text)))
        elif field == "deadline" and isinstance(value, date):
            if value < self.today(turn):
                self._ask_deadline(turn, goal, passed=value)
                return
            goal.deadline, goal.updated_at = value, turn.now
            turn.say("goal_deadline_set", self.replies.goal_deadline_set.format(
                text=escape(goal.text), date=_day(value)))  # fmt: skip
        elif field == "kind" and isinstance(value, str):
            goal.kind, goal.updated_at = value, turn.now
            turn.say("goal_kind_set", self.replies.goal_kind_set.format(
                text=escape(goal.text), kind=self.replies.goal_kinds[value].lower()))  # fmt: skip

    async def delete_goal(self, turn: Turn, result: NluResult) -> None:
        goal = await self._find_goal(turn, result, "del")
        if goal is not None:
            self._confirm_delete(turn, goal)

    def _confirm_delete(self, turn: Turn, goal: Goal) -> None:
        turn.say(
            "goal_delete_confirm",
            self.replies.goal_delete_confirm.format(text=escape(goal.text)),
            [
                [
                    Button("🗑 Delete", callbacks.encode("gdel", "yes")),
                    Button("Keep it", callbacks.encode("gdel", "no")),
                ]
            ],
        )
        turn.open(CONFIRM_DELETE_GOAL, {"goal_id": goal.id})

    async def _check_in(self, turn: Turn, goal: Goal, status: str, week: str) -> None:
        await crud.record_check_in(turn.session, goal=goal, week=week, status=status, now=turn.now)
        template = {
            "done": ("goal_marked_done", self.replies.goal_marked_done),
            "progress": ("goal_progress_logged", self.replies.goal_progress_logged),
            "not_yet": ("goal_not_yet_logged", self.replies.goal_not_yet_logged),
        }[status]
        turn.say(template[0], template[1].format(text=escape(goal.text)))

    async def hint(self, turn: Turn, result: NluResult) -> Intent | None:
        """When the NLU hesitates between intents, what the user's own goals say: a message
        that opens like a goal ("another goal: ...") sets one; a message about one of their
        goals' topics ("practised excel formulas") checks in on it."""
        ranked = {intent for intent, _ in result.ranking}
        if Intent.SET_GOAL in ranked and opens_like_goal(result.text):
            return Intent.SET_GOAL
        if not ranked & {Intent.UPDATE_GOAL, Intent.SET_GOAL, Intent.LIST_GOALS}:
            return None
        goals = await crud.list_goals(turn.session, user_id=turn.user_id)
        if goals and answers.best_goal(result.text, [goal.text for goal in goals]) is not None:
            return Intent.UPDATE_GOAL
        top = result.ranking[0][0] if result.ranking else None
        if goals and top is Intent.UPDATE_GOAL:
            return Intent.UPDATE_GOAL  # "log progress pls": which goal is asked next
        short = len(result.text.split()) <= 5
        if top is Intent.NUDGE_SETTINGS or (Intent.NUDGE_SETTINGS in ranked and short):
            schedule = await crud.get_schedule(turn.session, user_id=turn.user_id)
            if schedule is not None:
                return Intent.NUDGE_SETTINGS  # "resume them", "when's the next one?"
        return None

    async def retarget(self, turn: Turn, result: NluResult, intent: Intent) -> Intent:
        """A goal intent the message's own words contradict: a message that opens like a new
        goal ("another goal: get my PMP") sets one, and an edit in words ("make goal 1 a
        visibility goal") edits, whatever goal intent the classifier read."""
        goal_intents = {Intent.UPDATE_GOAL, Intent.DELETE_GOAL, Intent.LIST_GOALS, Intent.SET_GOAL}
        if intent not in goal_intents:
            return intent
        if goal_edit(result.text, result.entities) is not None:
            return Intent.UPDATE_GOAL
        if intent is not Intent.SET_GOAL and opens_like_goal(result.text):
            return Intent.SET_GOAL
        return intent

    async def step_answer(self, turn: Turn, step: Step, text: str, result: NluResult) -> bool:
        """Read a message as the answer to a growth step; False when it is not one."""
        if step is Step.AWAITING_GOAL:
            if answers.is_question(text) or answers.act(text) is Act.UNSURE:
                return False
            await self.set_goal(turn, result)
            return True
        if step is Step.EDIT_GOAL:
            return await self._edit_answer(turn, text, result)
        if step is Step.CONFIRM_DELETE_GOAL:
            polar = answers.yes_no(text)
            if polar is None:
                return False
            await self._delete_answer(turn, confirmed=polar.yes)
            return True
        if step is Step.GOAL_DEADLINE:
            return await self._deadline_answer(turn, text, result)
        if step is Step.WHICH_GOAL:
            return await self._which_goal_answer(turn, text)
        if step in {Step.NUDGE_DAY, Step.NUDGE_TIME, Step.PLACE}:
            if step is Step.PLACE and await self._place_answer(turn, text):
                return True
            if _says_nudge_settings(text, result):
                turn.close()
                await self.nudge_settings(turn, result)
                return True
        return False

    async def _edit_answer(self, turn: Turn, text: str, result: NluResult) -> bool:
        editing = turn.pending(EDIT_GOAL)
        assert editing is not None
        goal = await self._own_goal(turn, int(editing["goal_id"]))
        turn.close()
        if goal is None or answers.is_question(text):
            return False
        draft = draft_goal(text, result.entities)
        goal.text, goal.updated_at = draft.text, turn.now
        if draft.deadline is not None and draft.deadline >= self.today(turn):
            goal.deadline = draft.deadline
        turn.say("goal_edited", self.replies.goal_edited.format(text=escape(goal.text)))
        return True

    async def _delete_answer(self, turn: Turn, *, confirmed: bool) -> bool:
        pending = turn.pending(CONFIRM_DELETE_GOAL)
        if pending is None:
            return False
        goal = await self._own_goal(turn, int(pending["goal_id"]))
        turn.close()
        if goal is None:
            return False
        if confirmed:
            await crud.delete_goal(turn.session, user_id=turn.user_id, goal_id=goal.id or 0)
            turn.say("goal_deleted", self.replies.goal_deleted.format(text=escape(goal.text)))
        else:
            turn.say("goal_kept", self.replies.goal_kept)
        return True

    async def _deadline_answer(self, turn: Turn, text: str, result: NluResult) -> bool:
        asked = turn.pending(GOAL_DEADLINE)
        assert asked is not None
        goal = await self._own_goal(turn, int(asked["goal_id"]))
        if goal is None:
            turn.close()
            return False
        if _NO_DEADLINE.search(text):
            turn.close()
            turn.say("goal_edited", self.replies.goal_edited.format(text=escape(goal.text)))
            return True
        deadline = result.entity("DATE")
        if deadline is None:
            return False
        when = date.fromisoformat(deadline.value["date"])
        if when < self.today(turn):
            self._ask_deadline(turn, goal, passed=when)
            return True
        goal.deadline, goal.updated_at = when, turn.now
        turn.close()
        turn.say("goal_deadline_set", self.replies.goal_deadline_set.format(
            text=escape(goal.text), date=_day(when)))  # fmt: skip
        return True

    async def _which_goal_answer(self, turn: Turn, text: str) -> bool:
        pending = turn.pending(Step.WHICH_GOAL)
        assert pending is not None
        goals = [g for i in pending["goals"] if (g := await self._own_goal(turn, int(i)))]
        chosen = answers.goal_choice(text, [goal.text for goal in goals])
        if chosen is None:
            return False
        goal, action = goals[chosen - 1], str(pending["action"])
        turn.close()
        if action == "del":
            self._confirm_delete(turn, goal)
        elif action == "edit":
            turn.say(
                "goal_edit_prompt", self.replies.goal_edit_prompt.format(text=escape(goal.text))
            )
            turn.open(EDIT_GOAL, {"goal_id": goal.id})
        else:
            status = {"done": "done", "not_yet": "not_yet"}.get(action, "progress")
            await self._check_in(turn, goal, status, self.this_week(turn))
        return True

    # --- progress ---------------------------------------------------------------------------

    async def progress(self, turn: Turn) -> None:
        goals = await crud.list_goals(turn.session, user_id=turn.user_id)
        goals += await crud.list_goals(turn.session, user_id=turn.user_id, done=True)
        if not goals:
            turn.say("progress", self.replies.progress_empty)
            return
        check_ins = await crud.list_check_ins(turn.session, user_id=turn.user_id)
        this_week = self.this_week(turn)
        weeks = last_weeks(this_week, 8)
        lines = [self.replies.progress_header]
        for goal in goals:
            mine = {c.week: c.status for c in check_ins if c.goal_id == goal.id}
            lines.append(
                self.replies.progress_line.format(
                    text=escape(goal.text),
                    weeks=sum(1 for s in mine.values() if s != "not_yet"),
                    streak=streak(mine, this_week),
                    status="done" if goal.done else "open",
                )
            )
        rows = {goal.id: row for row, goal in enumerate(goals)}
        status = {(rows[c.goal_id], c.week): c.status for c in check_ins if c.goal_id in rows}
        chart = ProgressChart.of([goal.text for goal in goals], weeks, status)
        turn.replies.append(Reply("\n".join(lines), chart=chart, kind="progress"))

    # --- nudges -----------------------------------------------------------------------------

    async def nudge_settings(self, turn: Turn, result: NluResult) -> None:
        text = result.text
        words = text.casefold()
        replies = self.replies
        schedule = await crud.get_schedule(turn.session, user_id=turn.user_id)
        said_days = answers.days(text)
        if said_days is not None and not said_days.supported:
            # One nudge a week, on one day: anything else gets an honest answer, no change.
            current = ""
            if schedule is not None:
                described = nudges.describe_schedule(schedule)
                current = replies.nudge_unsupported_current.format(schedule=described)
            buttons = self._pause_buttons() if schedule is not None else self._day_buttons()
            turn.say("nudge_unsupported", replies.nudge_unsupported + current, buttons)
            return
        zone = result.entity("TIMEZONE")
        if zone is not None and not zone.value.get("timezone") and zone.value.get("candidates"):
            self._ask_zone(turn, list(zone.value["candidates"]), zone.text)
            return
        clock = answers.clock_time(text)
        when = result.entity("SCHEDULE")
        weekday = None if said_days is None else said_days.day
        if weekday is None and when is not None:
            weekday_name = str(when.value.get("weekday") or "").casefold()
            names = [day.casefold() for day in nudges.WEEKDAYS]
            weekday = names.index(weekday_name) if weekday_name in names else None
        local_time = None if clock is None else clock.resolved()
        if local_time is None and when is not None:
            local_time = when.value.get("time")
        if zone is not None and zone.value.get("timezone"):
            await self._set_zone(turn, schedule, zone.value["timezone"],
                                 say=weekday is None and local_time is None)  # fmt: skip
        if weekday is not None or local_time is not None:
            part = clock.part_of_day if clock is not None and clock.time is None else None
            await self._save_schedule(turn, schedule, weekday=weekday, local_time=local_time,
                                      part_of_day=part)  # fmt: skip
            return
        if schedule is not None and any(word in words for word in _STOP_WORDS):
            await self._stop(turn, schedule)
        elif schedule is not None and any(word in words for word in _PAUSE_WORDS):
            self._pause(turn, schedule)
        elif schedule is not None and any(word in words for word in _RESUME_WORDS):
            await self._resume(turn, schedule)
        elif zone is None:
            self.nudge_status(turn, schedule)

    async def _set_zone(
        self, turn: Turn, schedule: NudgeSchedule | None, timezone: str, *, say: bool
    ) -> None:
        turn.user.timezone = timezone
        if schedule is not None:
            schedule.timezone = timezone
            await nudges.reschedule(turn.session, schedule, now=turn.now)
        if say:
            label = nudges.zone_label(timezone)
            text = self.replies.nudge_timezone_set.format(timezone=label)
            if schedule is not None:
                text += " " + self.replies.nudge_saved.format(
                    schedule=nudges.describe_schedule(schedule), due=nudges.describe_due(schedule)
                )
            turn.say("nudge_timezone_set", text)

    def _ask_zone(self, turn: Turn, candidates: list[str], place: str) -> None:
        """A country with several zones: its zones as buttons (and typed names work)."""
        shown = candidates[:12]
        buttons = [Button(_zone_city(zone), callbacks.encode("nd", "tz", zone)) for zone in shown
                   if len(callbacks.encode("nd", "tz", zone).encode()) <= 64]  # fmt: skip
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        turn.say("nudge_pick_zone", self.replies.nudge_pick_zone.format(place=escape(place)), rows)
        turn.open(Step.PLACE, {"candidates": shown})

    async def _place_answer(self, turn: Turn, text: str) -> bool:
        pending = turn.pending(Step.PLACE)
        assert pending is not None
        zones = [str(zone) for zone in pending["candidates"]]
        chosen = answers.goal_choice(text, [_zone_city(zone) for zone in zones])
        if chosen is None:
            return False
        turn.close()
        schedule = await crud.get_schedule(turn.session, user_id=turn.user_id)
        await self._set_zone(turn, schedule, zones[chosen - 1], say=True)
        return True

    def nudge_status(self, turn: Turn, schedule: NudgeSchedule | None) -> None:
        replies = self.replies
        if schedule is None:
            turn.say(
                "nudge_none", replies.nudge_none + " " + replies.nudge_offer, self._day_buttons()
            )
            turn.open(Step.NUDGE_DAY, {})
        elif schedule.active:
            turn.say(
                "nudge_status",
                replies.nudge_status_active.format(
                    schedule=nudges.describe_schedule(schedule), due=nudges.describe_due(schedule)
                ),
                [
                    [
                        Button("⏸ Pause", callbacks.encode("nd", "pause")),
                        Button("Change day", callbacks.encode("nd", "offer")),
                    ]
                ],
            )
        else:
            turn.say(
                "nudge_status",
                replies.nudge_status_paused.format(schedule=nudges.describe_schedule(schedule)),
                [[Button("▶️ Resume", callbacks.encode("nd", "resume"))]],
            )

    def _day_buttons(self) -> list[list[Button]]:
        days = [Button(day[:3], callbacks.encode("nd", "day", number))
                for number, day in enumerate(nudges.WEEKDAYS)]  # fmt: skip
        return [days[:4], days[4:]]

    async def _save_schedule(
        self,
        turn: Turn,
        schedule: NudgeSchedule | None,
        *,
        weekday: int | None,
        local_time: str | None,
        part_of_day: str | None = None,
    ) -> NudgeSchedule:
        timezone = self.timezone(turn)
        if schedule is None:
            schedule = nudges.new_schedule(
                turn.user_id,
                weekday=DEFAULT_WEEKDAY if weekday is None else weekday,
                local_time=local_time or DEFAULT_TIME,
                timezone=timezone,
                now=turn.now,
            )
            turn.session.add(schedule)
            await nudges.reschedule(turn.session, schedule, now=turn.now)  # after a /stop
        else:
            schedule.weekday = schedule.weekday if weekday is None else weekday
            schedule.local_time = local_time or schedule.local_time
            schedule.timezone, schedule.active = timezone, True
            await nudges.reschedule(turn.session, schedule, now=turn.now)
        text = self.replies.nudge_saved.format(
            schedule=nudges.describe_schedule(schedule), due=nudges.describe_due(schedule)
        )
        if part_of_day is not None and local_time is not None:
            text += " " + self.replies.nudge_part_default.format(part=part_of_day, time=local_time)
        if turn.user.telegram_id is None:
            text += "\n" + self.replies.nudge_console_note
        turn.say(
            "nudge_saved",
            text,
            [
                [
                    Button("⏸ Pause", callbacks.encode("nd", "pause")),
                    Button("Change day", callbacks.encode("nd", "offer")),
                ]
            ],
        )
        return schedule

    def _pause(self, turn: Turn, schedule: NudgeSchedule) -> None:
        schedule.active, schedule.updated_at = False, turn.now
        turn.say("nudge_paused", self.replies.nudge_paused,
                 [[Button("▶️ Resume", callbacks.encode("nd", "resume")),
                   Button("⏹ Stop", callbacks.encode("nd", "stop"))]])  # fmt: skip

    async def _stop(self, turn: Turn, schedule: NudgeSchedule) -> None:
        await turn.session.delete(schedule)
        turn.say("nudge_stopped", self.replies.nudge_stopped)

    async def _resume(self, turn: Turn, schedule: NudgeSchedule) -> None:
        schedule.active = True
        await nudges.reschedule(turn.session, schedule, now=turn.now)
        turn.say(
            "nudge_resumed",
            self.replies.nudge_resumed.format(
                schedule=nudges.describe_schedule(schedule), due=nudges.describe_due(schedule)
            ),
        )

    # --- export -----------------------------------------------------------------------------

    async def export(self, turn: Turn) -> None:
        data = await crud.export_user(turn.session, user_id=turn.user_id)
        content = json.dumps(data, indent=2, ensure_ascii=False).encode()
        turn.replies.append(
            Reply(
                self.replies.export_caption,
                kind="export",
                document=("careerbot-my-data.json", content),
            )
        )

    # --- buttons ----------------------------------------------------------------------------

    @staticmethod
    def _pause_buttons() -> list[list[Button]]:
        return [[Button("⏸ Pause", callbacks.encode("nd", "pause")),
                 Button("Change day", callbacks.encode("nd", "offer"))]]  # fmt: skip

    def verdict_buttons(self, verdict: str) -> list[list[Button]]:
        """After a verdict: offer the next step as a goal."""
        if verdict == "promotion":
            return [
                [Button(self.replies.verdict_goal_leadership, callbacks.encode("gs", "leadership"))]
            ]
        if verdict in {"advancement", "unclear"}:
            return [
                [Button(self.replies.verdict_goal_promotion, callbacks.encode("gs", "promotion"))]
            ]
        return []

    async def on_button(self, turn: Turn, press: Callback) -> bool:
        """Handle a growth button; False for data that is stale, forged or not ours."""
        kind = press.prefix
        if kind == "g":
            return await self._goal_button(turn, press.text(0), press.number(1))
        if kind == "gk":
            goal_id, goal_kind = press.number(0), press.text(1)
            goal = await self._own_goal(turn, goal_id)
            if goal is None or goal_kind not in GOAL_KINDS:
                return False
            goal.kind, goal.updated_at = goal_kind, turn.now
            turn.say(
                "goal_kind_set",
                self.replies.goal_kind_set.format(
                    text=escape(goal.text), kind=self.replies.goal_kinds[goal_kind].lower()
                ),
            )
            return True
        if kind == "gdel":
            return await self._delete_answer(turn, confirmed=press.text(0) == "yes")
        if kind == "ci":
            status, week = press.text(1), press.text(2)
            goal = await self._own_goal(turn, press.number(0))
            if goal is None or status not in CHECK_IN_STATUSES:
                return False
            await self._check_in(turn, goal, status, week)
            return True
        if kind == "gs" and press.text(0) in {"promotion", "leadership"}:
            rest = press.text(0)
            text = "Get ready for a promotion" if rest == "promotion" else "Grow into my new role"
            goal = await crud.add_goal(
                turn.session,
                user_id=turn.user_id,
                text=text,
                kind=rest,
                deadline=None,
                now=turn.now,
            )
            self._say_goal_saved(turn, goal)
            return True
        if kind == "nd":
            return await self._nudge_button(turn, press)
        return False

    async def _own_goal(self, turn: Turn, goal_id: int) -> Goal | None:
        return await crud.get_goal(turn.session, user_id=turn.user_id, goal_id=goal_id)

    async def _goal_button(self, turn: Turn, action: str, goal_id: int) -> bool:
        goal = await self._own_goal(turn, goal_id)
        if goal is None:
            return False
        if action == "done":
            await self._check_in(turn, goal, "done", self.this_week(turn))
        elif action == "prog":
            await self._check_in(turn, goal, "progress", self.this_week(turn))
        elif action == "edit":
            turn.say(
                "goal_edit_prompt", self.replies.goal_edit_prompt.format(text=escape(goal.text))
            )
            turn.open(EDIT_GOAL, {"goal_id": goal.id})
        elif action == "del":
            self._confirm_delete(turn, goal)
        elif action == "undo":
            await crud.delete_goal(turn.session, user_id=turn.user_id, goal_id=goal.id or 0)
            turn.say("goal_undone", self.replies.goal_undone)
        elif action == "kind":
            kinds = [Button(self.replies.goal_kinds[k], callbacks.encode("gk", goal.id or 0, k))
                     for k in GOAL_KINDS]  # fmt: skip
            turn.say("goal_kind_prompt", self.replies.goal_kind_prompt, [kinds[:4], kinds[4:]])
        else:
            return False
        return True

    async def _nudge_button(self, turn: Turn, press: Callback) -> bool:
        schedule = await crud.get_schedule(turn.session, user_id=turn.user_id)
        action = press.text(0)
        if action == "offer":
            turn.say("nudge_offer", self.replies.nudge_offer, self._day_buttons())
            turn.open(Step.NUDGE_DAY, {})
        elif action == "tz":
            zone = press.text(1)
            if not nudges.is_zone(zone):
                return False
            turn.close()
            await self._set_zone(turn, schedule, zone, say=True)
        elif action == "day":
            await self._save_schedule(turn, schedule, weekday=press.number(1), local_time=None)
            times = [Button(t, callbacks.encode("nd", "time", t)) for t in TIME_CHOICES]
            turn.say(
                "nudge_pick_time",
                self.replies.nudge_pick_time.format(
                    timezone=nudges.zone_label(self.timezone(turn))
                ),
                [times],
            )
            turn.open(Step.NUDGE_TIME, {})
        elif action == "time":
            local_time = f"{press.text(1)}:{press.text(2)}"
            await self._save_schedule(turn, schedule, weekday=None, local_time=local_time)
        elif action == "pause" and schedule is not None:
            self._pause(turn, schedule)
        elif action == "stop" and schedule is not None:
            await self._stop(turn, schedule)
        elif action == "resume" and schedule is not None:
            await self._resume(turn, schedule)
        else:
            return False
        return True


def _zone_city(zone: str) -> str:
    """A zone as a person names it: "America/Sao_Paulo" -> "Sao Paulo"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _says_nudge_settings(text: str, result: NluResult) -> bool:
    """A reply at a nudge question that gives a day, a time or a place."""
    return (
        answers.days(text) is not None
        or answers.clock_time(text) is not None
        or result.entity("TIMEZONE") is not None
        or (result.intent is Intent.NUDGE_SETTINGS and not result.fallback)
    )


def last_weeks(this_week: str, count: int) -> list[str]:
    monday = nudges.monday_of(this_week)
    weeks = []
    for back in range(count - 1, -1, -1):
        year, week, _ = date.fromordinal(monday.toordinal() - 7 * back).isocalendar()
        weeks.append(f"{year}-W{week:02d}")
    return weeks


def streak(statuses: dict[str, str], this_week: str) -> int:
    """Weeks in a row with progress, ending this week (or last week, if this one is open)."""
    count = 0
    weeks = last_weeks(this_week, 104)[::-1]
    if statuses.get(weeks[0]) not in {"progress", "done"}:
        weeks = weeks[1:]
    for week in weeks:
        if statuses.get(week) not in {"progress", "done"}:
            break
        count += 1
    return count


def _day(day: date) -> str:
    """A deadline as the bot writes it: 30 June 2027."""
    return f"{day:%d %B %Y}"
