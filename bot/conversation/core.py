"""The conversation core: routes each message by intent to a skill and keeps the open
dialogue step (a judgement waiting for an answer, a "did you mean…?", a confirmation) in the
database, so a restart or another replica carries on where the last reply left off.

Button data follows one grammar (``bot.conversation.callbacks``): ``kb:<entry>`` opens a
knowledge entry, ``jq:<question>:<value>`` answers the advisor, ``dym:<intent>`` picks a "did
you mean…?" choice, ``forget:yes|no`` confirms a deletion, ``menu:judge`` starts a judgement.
Every press is decoded against the grammar, then checked against the knowledge base or the
open dialogue step, so stale or forged data gets a polite "that button has expired" and
changes nothing.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts import drawn
from bot.conversation import answers, callbacks
from bot.conversation.answers import Act
from bot.conversation.growth import GrowthSkills
from bot.conversation.messages import Button, Incoming, Reply
from bot.conversation.replies import Replies
from bot.conversation.steps import Step
from bot.conversation.turn import Turn, escape
from bot.storage import crud
from bot.storage.db import Database, is_unavailable
from knowledge.advisor import Facts, Judgement, Rules, apply_answer, decide, judge
from knowledge.retrieval import Retriever
from nlu.intents import Intent
from nlu.pipeline import Nlu, NluResult

log = logging.getLogger(__name__)


JUDGEMENT, DID_YOU_MEAN, CONFIRM_FORGET = Step.JUDGEMENT, Step.DID_YOU_MEAN, Step.CONFIRM_FORGET
# A command: its name, the bot it is addressed to (``/goals@careerbot``), its argument. The
# Telegram channel reads group messages with it too.
COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+(.*)|$)", re.DOTALL)
# What a deep link (t.me/<bot>?start=<payload>, as the group answer sends) may open.
START_PAYLOADS = frozenset({"help", "goal", "goals", "progress", "nudge", "export", "forget"})
_WORDS = re.compile(r"[^\w\s']+")
# Deleting everything needs words that say so ("delete all my data", "forget everything about
# me", "erase my account"); "forget it" or "delete my goal" never leads there.
_DELETE_ALL = re.compile(
    r"\b(delete|erase|wipe|remove|forget|clear|purge|destroy)\b.{0,30}?\b(all|every|everything|"
    r"entire|whole|account|profile|me)\b(?!\s+(goals?|nudges?|reminders?|schedule)\b)"
    r"|\bforget (?:about )?me\b|\bforget everything\b|\bdelete (?:my|all) data\b",
    re.IGNORECASE,
)
# The advisor's typed answers: the step reader for each of its questions.
_JUDGEMENT_READERS = {
    "level": answers.level,
    "same_org": answers.employer,
    "what_changed": answers.what_changed,
}
_EMPLOYER_VALUES = {"same": "yes", "new": "no", "self": "no"}
_MAX_RELATED = 3


_NEW_SITUATION = re.compile(
    r"^\W*(and\s+)?(what|how)\s+(if|about)\b|^\W*(and\s+)?(if|suppose|imagine|say)\b"
    r"|\binstead\b|\bwhat about\b",
    re.IGNORECASE,
)


def _settings_fragment(result: NluResult) -> bool:
    """A few words that only name a place, a day or a time."""
    if len(result.text.split()) > 5:
        return False
    if result.entity("TIMEZONE") is not None or result.entity("SCHEDULE") is not None:
        return True
    clock = answers.clock_time(result.text)
    return answers.days(result.text) is not None or (clock is not None and clock.time is not None)


def _is_new_situation(text: str) -> bool:
    """A hypothetical, another case ("what if I moved to marketing?") or a whole new story
    that asks for its own verdict, not more facts for the open one."""
    asks_again = re.search(r"\bpromot\w*\s*\?", text, re.IGNORECASE) is not None
    return _NEW_SITUATION.search(text) is not None or asks_again or len(text.split()) > 14


class Conversation:
    """Turns an incoming message into replies; one instance serves every user and channel."""

    def __init__(
        self,
        *,
        nlu: Nlu,
        retriever: Retriever,
        rules: Rules,
        database: Database,
        replies: Replies,
        state_ttl: timedelta = timedelta(hours=6),
        default_timezone: str = "UTC",
        admin_ids: frozenset[int] = frozenset(),
    ) -> None:
        self.nlu = nlu
        self.retriever = retriever
        self.rules = rules
        self.database = database
        self.replies = replies
        self.state_ttl = state_ttl
        self.admin_ids = admin_ids
        self.growth = GrowthSkills(replies=replies, kb=retriever.kb,
                                   default_timezone=default_timezone)  # fmt: skip

    async def handle(self, incoming: Incoming, *, now: datetime | None = None) -> list[Reply]:
        """The replies to one message or button press, with its changes stored."""
        now = now or datetime.now(UTC)
        sender = incoming.sender
        async with self.database.session() as session:
            user, state = await crud.touch_user_with_state(
                session, now=now, telegram_id=sender.telegram_id,
                console_name=sender.console_name, name=sender.name, language=sender.language,
            )  # fmt: skip
            turn = Turn(session, user, state, now)
            if incoming.button is not None:
                if await self._pressed_before(turn, incoming):
                    turn.say("already_pressed", self.replies.already_pressed)
                else:
                    await self._on_button(turn, incoming.button)
            else:
                await self._on_text(turn, incoming.text)
            await self._store(turn)
            # Claimed in the same transaction as the reply's changes (a crash loses both, and
            # the redelivery is handled), and last, so SQLite's single write lock is held only
            # for the commit.
            if incoming.delivery_id is not None and not await crud.claim_update(
                session, update_id=incoming.delivery_id, now=now,
                replies=[reply.to_json() for reply in turn.replies],
            ):  # fmt: skip
                await session.rollback()
                replies = await self._redelivered(session, incoming.delivery_id)
            else:
                await session.commit()
                replies = turn.replies
        if turn.forgotten:
            await self.database.scrub()
        # Drawn with the session closed: SQLite's one connection is free for everyone else.
        return await drawn(replies)

    async def _redelivered(self, session: AsyncSession, delivery_id: int) -> list[Reply]:
        """The answer to an update handled before: nothing, unless its replies were stored
        and never sent (the process died between the two); then those, once."""
        unsent = await crud.unsent_replies(session, update_id=delivery_id)
        if unsent:
            log.info("delivery %d was handled but not answered; sending its replies", delivery_id)
        else:
            log.info("delivery %d was handled already; ignoring it", delivery_id)
        return [Reply.from_json(data) for data in unsent]

    async def replies_sent(self, delivery_id: int) -> None:
        """The channel sent (or gave up on) a delivery's replies: empty its outbox."""
        async with self.database.engine.begin() as connection:
            await crud.replies_sent(connection, update_id=delivery_id)

    async def _pressed_before(self, turn: Turn, incoming: Incoming) -> bool:
        """True when this button of this message has acted before. Buttons that only show
        something (a knowledge entry) may be pressed again."""
        data = incoming.button or ""
        if incoming.keyboard is None or data.startswith("kb:"):
            return False
        claimed = await crud.claim_press(
            turn.session, user_id=turn.user_id, message_id=incoming.keyboard, data=data,
            now=turn.now,
        )  # fmt: skip
        return not claimed

    def apology(self, error: BaseException) -> Reply:
        """The reply to a message whose handling failed with ``error``, which is logged. Its
        transaction was rolled back, so nothing of it was stored; a database that cannot be
        reached gets its own, reassuring answer (and a warning, not an error, in the log)."""
        if is_unavailable(error):
            log.warning("the database cannot be reached (%s): asked the user to try again",
                        type(error).__name__)  # fmt: skip
            return Reply(self.replies.storage_unavailable)
        log.error("error while handling an update", exc_info=error)
        return Reply(self.replies.failed)

    async def _store(self, turn: Turn) -> None:
        if turn.forgotten:
            return
        if turn.opened is not None:
            kind, data = turn.opened
            await crud.save_state(turn.session, user_id=turn.user_id, kind=kind, data=data,
                                  now=turn.now, ttl=self.state_ttl)  # fmt: skip
        elif turn.closed and turn.state is not None:
            await crud.clear_state(turn.session, user_id=turn.user_id)

    # --- text ------------------------------------------------------------------------------

    async def _on_text(self, turn: Turn, text: str | None) -> None:
        if text is None or not text.strip():
            turn.say("no_text", self.replies.no_text)
            return
        command = COMMAND.match(text.strip())
        if command is not None:
            await self._command(turn, command.group(1).lower(), (command.group(3) or "").strip())
            return
        step = turn.step
        if step is not None:
            if answers.act(text) is Act.ESCAPE:
                # One set of escape words closes any question; none of it is stored.
                turn.say("cancelled", self.replies.cancelled)
                turn.close()
                return
            result = self.nlu.parse(text, now=turn.now)
            if await self._step_answer(turn, step, text, result):
                return
            # Not an answer: the question is dropped and the message read as a new one.
            turn.close()
        else:
            result = self.nlu.parse(text, now=turn.now)
        await self._route(turn, result)

    async def _command(self, turn: Turn, name: str, argument: str = "") -> None:
        replies = self.replies
        if name == "start" and argument.casefold() in START_PAYLOADS:
            await self._command(turn, argument.casefold())  # a deep link, e.g. from a group
        elif name == "goal" and argument:
            await self.growth.set_goal(turn, self.nlu.parse(argument, now=turn.now))
        elif name == "start":
            buttons = [[Button(label, data)] for label, data in replies.welcome_buttons]
            turn.say("welcome", replies.welcome.format(name=turn.greeting_name), buttons)
        elif name == "help":
            turn.say("help", replies.help)
        elif name == "cancel":
            if turn.state is not None:
                turn.say("cancelled", replies.cancelled)
            else:
                turn.say("nothing_to_cancel", replies.nothing_to_cancel)
            turn.close()
        elif name == "forget":
            self._ask_to_forget(turn)
        elif name == "goal":
            self.growth.ask_for_goal(turn)
        elif name == "goals":
            await self.growth.list_goals(turn)
        elif name == "progress":
            await self.growth.progress(turn)
        elif name in {"nudge", "nudges"}:
            schedule = await crud.get_schedule(turn.session, user_id=turn.user_id)
            self.growth.nudge_status(turn, schedule)
        elif name == "export":
            await self.growth.export(turn)
        elif name == "stats" and turn.user.telegram_id in self.admin_ids:
            figures = await crud.stats(turn.session, now=turn.now)
            lines = [f"{key.replace('_', ' ')}: {value:,}" for key, value in figures.items()]
            turn.say("stats", "<b>careerbot</b>\n" + "\n".join(lines))
        else:
            command = escape(f"/{name}")
            turn.say("unknown_command", replies.unknown_command.format(command=command))

    async def _step_answer(self, turn: Turn, step: Step, text: str, result: NluResult) -> bool:
        """Read a message as the answer to the open step; False when it is not one."""
        if step is Step.CONFIRM_FORGET:
            polar = answers.yes_no(text, strict=True)
            if polar is None and answers.act(text) is not Act.UNSURE:
                return False
            await self._forget(turn, confirmed=polar is not None and polar.yes)
            return True
        if step is Step.JUDGEMENT:
            return self._judgement_answer(turn, text, result)
        if step is Step.DID_YOU_MEAN:
            return await self._did_you_mean_answer(turn, text)
        return await self.growth.step_answer(turn, step, text, result)

    def _judgement_answer(self, turn: Turn, text: str, result: NluResult) -> bool:
        pending = turn.pending(JUDGEMENT)
        assert pending is not None
        question = self.rules.questions.get(pending["question"])
        if question is None:
            return False
        words = _WORDS.sub(" ", text.casefold()).strip()
        for label, value in question.options:  # the button's words, typed
            if fuzz.ratio(words, label.casefold()) >= 85:
                self._answer_judgement(turn, question.id, value)
                return True
        reader = _JUDGEMENT_READERS.get(question.id)
        answer = None if reader is None else reader(text)
        if question.id == "same_org" and answer is not None:
            answer = _EMPLOYER_VALUES[answer]
        if answer is not None:
            self._answer_judgement(turn, question.id, answer)
            return True
        if answers.act(text) is Act.UNSURE:
            turn.say("judge_unsure", self.replies.judge_unsure)
            turn.close()
            return True
        # A description that adds facts ("and it's at my company", "I got a raise too")
        # builds on the open judgement; a new situation or anything else does not.
        adds_facts = not answers.is_question(text) and not _is_new_situation(text)
        if result.intent is Intent.JUDGE_SITUATION and adds_facts:
            self._judge(turn, result)
            return True
        return False

    async def _did_you_mean_answer(self, turn: Turn, text: str) -> bool:
        pending = turn.pending(DID_YOU_MEAN)
        assert pending is not None
        labels = [self.replies.intent_labels[Intent(i)] for i in pending["candidates"]]
        chosen = answers.goal_choice(text, labels)
        if chosen is None:
            return False
        return await self._did_you_mean_button(turn, pending["candidates"][chosen - 1])

    async def _route(self, turn: Turn, result: NluResult, intent: Intent | None = None) -> None:
        replies = self.replies
        if intent is None:
            if result.reason == "not_english":
                turn.say("not_english", replies.not_english)
                return
            if result.reason == "no_words":
                turn.say("emoji", replies.emoji)
                return
            if result.fallback and _settings_fragment(result):
                intent = Intent.NUDGE_SETTINGS  # "Madrid", "10am", "fridays": a nudge setting
            elif result.fallback:
                # The hint reads the user's goals: only when the classifier hesitates.
                hint = await self.growth.hint(turn, result)
                if hint is None:
                    self._did_you_mean(turn, result)
                    return
                intent = hint
            else:
                intent = await self.growth.retarget(turn, result, result.intent)
        if intent is Intent.ASK_KNOWLEDGE:
            self._ask(turn, result.text)
        elif intent is Intent.JUDGE_SITUATION:
            self._judge(turn, result)
        elif intent is Intent.FORGET_ME:
            if _DELETE_ALL.search(result.text):
                self._ask_to_forget(turn)
            else:
                turn.say("forget_how", replies.forget_how)
        elif intent is Intent.SET_GOAL:
            await self.growth.set_goal(turn, result)
        elif intent is Intent.LIST_GOALS:
            await self.growth.list_goals(turn)
        elif intent is Intent.UPDATE_GOAL:
            await self.growth.update_goal(turn, result)
        elif intent is Intent.DELETE_GOAL:
            await self.growth.delete_goal(turn, result)
        elif intent is Intent.NUDGE_SETTINGS:
            await self.growth.nudge_settings(turn, result)
        elif intent is Intent.GREET:
            turn.say("greet", replies.greet.format(name=turn.greeting_name))
        elif intent is Intent.HELP:
            turn.say("help", replies.help)
        elif intent is Intent.THANKS:
            turn.say("thanks", replies.thanks)
        elif intent is Intent.GOODBYE:
            turn.say("goodbye", replies.goodbye)
        else:
            turn.say("out_of_scope", replies.out_of_scope)

    def _did_you_mean(self, turn: Turn, result: NluResult) -> None:
        # Never offered as a guess: deleting everything is asked for in words that say so.
        candidates = [
            i for i, _ in result.ranking if i not in {Intent.OUT_OF_SCOPE, Intent.FORGET_ME}
        ]
        if not candidates:
            turn.say("out_of_scope", self.replies.out_of_scope)
            return
        labels = self.replies.intent_labels
        buttons = [[Button(labels[i], callbacks.encode("dym", i.value))] for i in candidates]
        buttons.append([Button(self.replies.none_of_these, callbacks.encode("dym", "none"))])
        turn.say("did_you_mean", self.replies.did_you_mean, buttons)
        turn.open(DID_YOU_MEAN, {"text": result.text, "candidates": [i.value for i in candidates]})

    # --- skills ----------------------------------------------------------------------------

    def _ask(self, turn: Turn, question: str) -> None:
        answer = self.retriever.ask(question)
        if answer.fallback or answer.entry_id is None:
            turn.say("no_answer", answer.answer)
            return
        self._say_entry(turn, answer.entry_id)

    def _say_entry(self, turn: Turn, entry_id: str) -> None:
        kb = self.retriever.kb
        entry = kb.entry(entry_id)
        sources = "; ".join(
            f"{escape(kb.document(source.document).title)}, {escape(source.section)}"
            for source in entry.sources
        )
        text = f"{entry.answer}\n\n<i>{self.replies.answer_source.format(sources=sources)}</i>"
        buttons = [
            [Button(kb.entry(r).title, callbacks.encode("kb", r))]
            for r in entry.related[:_MAX_RELATED]
        ]
        turn.say("answer", text, buttons)

    def _judge(self, turn: Turn, result: NluResult) -> None:
        # A new situation is judged on its own words: facts of an earlier one do not leak in.
        pending = turn.pending(JUDGEMENT)
        # A message that adds to an open judgement ("and it's at my company") builds on it.
        known = Facts.from_dict(pending["facts"]) if pending is not None else None
        judgement = judge(result.text, result.entities, known=known, rules=self.rules)
        self._say_judgement(turn, judgement)

    def _answer_judgement(self, turn: Turn, question_id: str, value: str) -> None:
        pending = turn.pending(JUDGEMENT)
        assert pending is not None
        facts = apply_answer(Facts.from_dict(pending["facts"]), question_id, value)
        self._say_judgement(turn, decide(facts, self.rules))

    def _say_judgement(self, turn: Turn, judgement: Judgement) -> None:
        lines = [f"<b>{escape(judgement.summary)}</b>"]
        lines += [f"• {escape(text)}" for text, _ in judgement.reasons]
        question = judgement.question
        if question is not None:
            lines += ["", question.text]
            buttons = [[Button(label, callbacks.encode("jq", question.id, value))]
                       for label, value in question.options]  # fmt: skip
            turn.say("question", "\n".join(lines), buttons, verdict="unclear")
            turn.open(JUDGEMENT, {"facts": judgement.facts.to_dict(), "question": question.id})
            return
        entries = list(dict.fromkeys(entry for _, entry in judgement.reasons))[:2]
        kb = self.retriever.kb
        buttons = [
            [Button(kb.entry(entry).title, callbacks.encode("kb", entry))] for entry in entries
        ]
        if buttons:
            lines += ["", self.replies.read_more]
        buttons += self.growth.verdict_buttons(judgement.verdict.value)
        turn.say("verdict", "\n".join(lines), buttons, verdict=judgement.verdict.value)
        turn.close()

    def _ask_to_forget(self, turn: Turn) -> None:
        turn.say("forget_confirm", self.replies.forget_confirm, [[
            Button(self.replies.forget_yes, callbacks.encode("forget", "yes")),
            Button(self.replies.forget_no, callbacks.encode("forget", "no")),
        ]])  # fmt: skip
        turn.open(CONFIRM_FORGET, {})

    async def _forget(self, turn: Turn, *, confirmed: bool) -> None:
        if not confirmed:
            turn.say("forget_kept", self.replies.forget_kept)
            turn.close()
            return
        await crud.delete_user(turn.session, user_id=turn.user_id)
        turn.forgotten = True
        log.info("deleted every row of one user on their request")
        turn.say("forget_done", self.replies.forget_done)

    # --- buttons ---------------------------------------------------------------------------

    async def _on_button(self, turn: Turn, data: str) -> None:
        press = callbacks.decode(data)
        handled = False
        if press is None:
            pass  # outside the grammar: forged, malformed or from an older version
        elif press.prefix == "kb":
            handled = self._entry_button(turn, press.text(0))
        elif press.prefix == "jq":
            value = ":".join(map(str, press.fields[1:]))
            handled = self._judgement_button(turn, press.text(0), value)
        elif press.prefix == "dym":
            handled = await self._did_you_mean_button(turn, press.text(0))
        elif press.prefix == "forget":
            handled = turn.pending(CONFIRM_FORGET) is not None
            if handled:
                await self._forget(turn, confirmed=press.text(0) == "yes")
        elif press.prefix == "menu" and press.text(0) == "judge":
            turn.say("judge_prompt", self.replies.judge_prompt)
            handled = True
        elif press.prefix == "menu":
            self.growth.ask_for_goal(turn)
            handled = True
        else:
            handled = await self.growth.on_button(turn, press)
        if not handled:
            log.info("stale or unknown button data (%d bytes)", len(data.encode()))
            turn.say("stale_button", self.replies.stale_button)

    def _entry_button(self, turn: Turn, entry_id: str) -> bool:
        try:
            self.retriever.kb.entry(entry_id)
        except KeyError:
            return False
        self._say_entry(turn, entry_id)
        return True

    def _judgement_button(self, turn: Turn, question_id: str, value: str) -> bool:
        pending = turn.pending(JUDGEMENT)
        if pending is None or pending.get("question") != question_id:
            return False
        question = self.rules.questions[question_id]
        if value not in {option_value for _, option_value in question.options}:
            return False
        self._answer_judgement(turn, question_id, value)
        return True

    async def _did_you_mean_button(self, turn: Turn, choice: str) -> bool:
        pending = turn.pending(DID_YOU_MEAN)
        if pending is None:
            return False
        if choice == "none":
            turn.say("none_chosen", self.replies.none_chosen)
            turn.close()
            return True
        if choice not in pending["candidates"]:
            return False
        turn.close()
        result = self.nlu.parse(pending["text"], now=turn.now)
        await self._route(turn, result, Intent(choice))
        return True
