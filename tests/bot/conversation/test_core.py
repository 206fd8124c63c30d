"""The conversation core end to end: real NLU, knowledge base, advisor and SQLite."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.conversation import Conversation, Incoming, Sender
from bot.conversation.messages import Button, Reply
from bot.conversation.replies import load_replies
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.models import DialogueState, User
from knowledge.advisor import default_rules
from knowledge.models import html_problems
from knowledge.retrieval import Retriever
from nlu.pipeline import Nlu
from tests.bot.conversation.conftest import Chat
from tests.conftest import NOW

BOT_DIR = Path(__file__).resolve().parents[3] / "bot"


def kinds(replies: list[object]) -> list[str]:
    return [reply.kind for reply in replies]  # type: ignore[attr-defined]


async def test_start_welcomes_by_name_and_offers_first_steps(ann: Chat) -> None:
    [reply] = await ann.say("/start")
    assert reply.kind == "welcome"
    assert "Hi, Ann!" in reply.text
    assert [b.data for b in reply.button_list()] == [
        "kb:what-is-promotion", "kb:advancement-vs-promotion", "menu:judge", "menu:goal",
        "nd:offer"]  # fmt: skip


async def test_user_names_are_escaped(bob: Chat) -> None:
    [reply] = await bob.say("/start")
    assert "Bob &lt;b&gt;" in reply.text
    assert not html_problems(reply.text)


async def test_a_knowledge_answer_names_its_source_and_offers_related_entries(ann: Chat) -> None:
    [reply] = await ann.say("can I grow without being promoted?")
    assert reply.kind == "answer"
    assert "Source:" in reply.text
    related = [b.data for b in reply.button_list()]
    assert related
    assert all(data.startswith("kb:") for data in related)
    [follow] = await ann.press(reply.button_list()[0].label)
    assert follow.kind == "answer"


async def test_an_uncovered_question_gets_the_honest_fallback(ann: Chat) -> None:
    [reply] = await ann.say("how do I bake sourdough bread at home?")
    assert reply.kind in {"out_of_scope", "no_answer"}


async def test_a_vague_question_is_judged_through_follow_up_buttons(ann: Chat) -> None:
    [question] = await ann.say("I got a new title at work, is that a promotion?")
    assert question.kind == "question"
    [next_question] = await ann.press("Yes, a higher position")
    assert next_question.kind == "question"
    assert "same employer" in next_question.text
    [verdict] = await ann.press("Yes, same employer")
    assert verdict.kind == "verdict"
    assert "promotion" in verdict.text.lower()
    assert all(b.data.startswith(("kb:", "gs:")) for b in verdict.button_list())


async def test_follow_up_questions_take_typed_answers(ann: Chat) -> None:
    [question] = await ann.say("I became team lead, is that a promotion?")
    assert question.kind == "question"
    [verdict] = await ann.say("No, a new employer")
    assert verdict.kind == "verdict"
    assert "Advancement" in verdict.text


async def test_a_lateral_move_is_advancement_without_questions(ann: Chat) -> None:
    [verdict] = await ann.say("I moved from sales to marketing at the same pay")
    assert verdict.kind == "verdict"
    assert "lateral" in verdict.text


async def test_an_open_judgement_survives_a_new_conversation_object(
    ann: Chat, conversation: Conversation
) -> None:
    await ann.say("I got a new title at work, is that a promotion?")
    restarted = Conversation(nlu=conversation.nlu, retriever=conversation.retriever,
                             rules=conversation.rules, database=conversation.database,
                             replies=conversation.replies)  # fmt: skip
    again = Chat(restarted, ann.sender)
    again.last = ann.last
    [reply] = await again.press("Yes, a higher position")
    assert reply.kind == "question"


async def test_open_steps_expire(conversation: Conversation) -> None:
    sender = Sender(telegram_id=5)
    start = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    [question] = await conversation.handle(
        Incoming(sender, text="I got a new title at work, is that a promotion?"), now=start
    )
    data = question.button_list()[0].data
    late = start + conversation.state_ttl + timedelta(seconds=1)
    [reply] = await conversation.handle(Incoming(sender, button=data), now=late)
    assert reply.kind == "stale_button"


async def test_cancel_clears_the_open_step(ann: Chat) -> None:
    [question] = await ann.say("I got a new title at work, is that a promotion?")
    assert kinds(await ann.say("/cancel")) == ["cancelled"]
    assert kinds(await ann.say("/cancel")) == ["nothing_to_cancel"]
    [reply] = await ann.press_data(question.button_list()[0].data)
    assert reply.kind == "stale_button"


@pytest.mark.parametrize(
    "data",
    ["", "kb:no-such-entry", "jq:level:up", "jq:level:sideways", "dym:greet", "forget:yes",
     "x" * 64, "kb:", "jq::", "menu:unknown", "\x00\ufffd"],
)  # fmt: skip
async def test_stale_or_forged_button_data_changes_nothing(ann: Chat, data: str) -> None:
    await ann.say("hello")
    [reply] = await ann.press_data(data)
    assert reply.kind == "stale_button"


async def test_one_user_cannot_answer_another_users_question(ann: Chat, bob: Chat) -> None:
    [question] = await ann.say("I got a new title at work, is that a promotion?")
    [reply] = await bob.press_data(question.button_list()[0].data)
    assert reply.kind == "stale_button"
    [still_open] = await ann.press_data(question.button_list()[0].data)
    assert still_open.kind == "question"


async def test_unsure_messages_ask_did_you_mean(ann: Chat) -> None:
    # Pick a message the NLU is unsure about, from the core's own point of view.
    nlu = ann.conversation.nlu
    unsure = next(t for t in ["promotion", "goal", "career", "weekly", "my team lead thing"]
                  if nlu.parse(t).fallback)  # fmt: skip
    [reply] = await ann.say(unsure)
    assert reply.kind == "did_you_mean"
    labels = [b.label for b in reply.button_list()]
    assert labels[-1] == "None of these"
    assert kinds(await ann.press("None of these")) == ["none_chosen"]


async def test_a_did_you_mean_choice_routes_the_original_message(ann: Chat) -> None:
    nlu = ann.conversation.nlu
    unsure = next(t for t in ["promotion", "career", "my team lead thing"]
                  if nlu.parse(t).fallback)  # fmt: skip
    [reply] = await ann.say(unsure)
    choices = [b for b in reply.button_list() if b.data != "dym:none"]
    [routed] = await ann.press_data(choices[0].data)
    assert routed.kind not in {"did_you_mean", "stale_button"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [(None, "no_text"), ("", "no_text"), ("   \n ", "no_text"), ("🙂🙂🙂", "emoji"),
     ("Bonjour, je voudrais savoir comment obtenir une promotion", "not_english"),
     ("Как получить повышение на работе?", "not_english"),
     ("/nonsense", "unknown_command"), ("/help", "help"), ("/HELP@careerbot_bot", "help")],
)  # fmt: skip
async def test_odd_input_gets_a_clear_answer(ann: Chat, text: str | None, kind: str) -> None:
    assert kinds(await ann.say(text)) == [kind]


async def test_a_huge_message_is_answered(ann: Chat) -> None:
    replies = await ann.say("is a lateral move a promotion? " * 400)
    assert replies
    assert all(len(reply.text) <= 4096 for reply in replies)


async def test_forget_me_asks_then_deletes_every_row(ann: Chat, bob: Chat) -> None:
    await bob.say("hello")
    await ann.say("I got a new title at work, is that a promotion?")
    assert kinds(await ann.say("forget everything about me")) == ["forget_confirm"]
    assert kinds(await ann.press("Yes, delete it all")) == ["forget_done"]
    async with ann.conversation.database.session() as session:
        users = (await session.scalars(select(User.telegram_id))).all()
        states = await session.scalar(select(func.count()).select_from(DialogueState))
    assert users == [202]
    assert states == 0


async def test_forget_can_be_declined_by_typing(ann: Chat) -> None:
    assert kinds(await ann.say("/forget")) == ["forget_confirm"]
    assert kinds(await ann.say("no")) == ["forget_kept"]
    assert kinds(await ann.press_data("forget:yes")) == ["stale_button"]


async def test_every_reply_is_valid_telegram_html(ann: Chat) -> None:
    texts = ["/start", "/help", "hi", "thanks", "bye", "what is a lateral move?", "/goals",
             "I got a raise, is that a promotion?", "set a goal to learn SQL"]  # fmt: skip
    for text in texts:
        for reply in await ann.say(text):
            assert not html_problems(reply.text), (text, reply.text)
            assert all(len(b.data.encode()) <= 64 for b in reply.button_list())


def test_the_core_never_imports_telegram() -> None:
    for path in [*BOT_DIR.joinpath("conversation").rglob("*.py"),
                 *BOT_DIR.joinpath("storage").rglob("*.py")]:  # fmt: skip
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "telegram" for n in names), path


async def test_a_delivery_handled_once_is_not_answered_again(conversation: Conversation) -> None:
    sender = Sender(telegram_id=9)
    first = await conversation.handle(Incoming(sender, text="hi", delivery_id=77), now=NOW)
    await conversation.replies_sent(77)
    again = await conversation.handle(Incoming(sender, text="hi", delivery_id=77), now=NOW)
    other = await conversation.handle(Incoming(sender, text="hi", delivery_id=78), now=NOW)
    assert (kinds(first), again, kinds(other)) == (["greet"], [], ["greet"])


async def test_a_redelivery_sends_the_replies_a_crash_kept_from_being_sent(
    conversation: Conversation,
) -> None:
    """Committed, then killed before the reply went out: the redelivery stores nothing again
    and sends the stored reply, once."""
    sender = Sender(telegram_id=10)
    incoming = Incoming(sender, text="set a goal to learn SQL", delivery_id=90)
    [saved] = await conversation.handle(incoming, now=NOW)
    [resent] = await conversation.handle(incoming, now=NOW)  # no replies_sent: the crash
    assert resent == saved
    await conversation.replies_sent(90)
    assert await conversation.handle(incoming, now=NOW) == []
    async with conversation.database.session() as session:
        user = await crud.touch_user(session, now=NOW, telegram_id=10)
        await session.flush()
        assert user.id is not None
        assert len(await crud.list_goals(session, user_id=user.id)) == 1


def test_replies_survive_the_outbox_whole() -> None:
    reply = Reply("<b>hi</b> &amp; more", ((Button("A", "a:1"), Button("B", "b")),),
                  image=b"\x89PNG", kind="progress", document=("me.json", b"{}"))  # fmt: skip
    assert Reply.from_json(reply.to_json()) == reply


async def test_stats_are_for_admins_only(conversation: Conversation) -> None:
    conversation.admin_ids = frozenset({1})
    admin, someone = Sender(telegram_id=1), Sender(telegram_id=2)
    await conversation.handle(Incoming(someone, text="set a goal to learn SQL"), now=NOW)
    [refused] = await conversation.handle(Incoming(someone, text="/stats"), now=NOW)
    assert refused.kind == "unknown_command"  # not even a hint that the command exists
    [figures] = await conversation.handle(Incoming(admin, text="/stats"), now=NOW)
    assert figures.kind == "stats"
    assert "users: 2" in figures.text
    assert "goals open: 1" in figures.text
    assert "SQL" not in figures.text  # counts, never anyone's content


async def test_each_button_of_a_message_acts_once_however_often_it_is_pressed(
    conversation: Conversation,
) -> None:
    ann = Sender(telegram_id=401, name="Ann")

    async def press(data: str, keyboard: int) -> list[Reply]:
        return await conversation.handle(Incoming(ann, button=data, keyboard=keyboard), now=NOW)

    # "Grow into the new role" under one verdict, tapped five times: one goal.
    first = await press("gs:leadership", keyboard=77)
    again = [await press("gs:leadership", keyboard=77) for _ in range(4)]
    assert first[0].kind != "already_pressed"
    assert [reply.kind for replies in again for reply in replies] == ["already_pressed"] * 4
    # The same button under another verdict is another press; a knowledge entry can be
    # opened as often as one likes.
    assert (await press("gs:leadership", keyboard=78))[0].kind != "already_pressed"
    assert [(await press("kb:what-is-promotion", keyboard=79))[0].kind for _ in range(2)] == [
        "answer", "answer"]  # fmt: skip


async def test_command_arguments_are_used(ann: Chat) -> None:
    [saved] = await ann.say("/goal learn SQL by June")
    assert saved.kind == "goal_saved"
    assert "Learn SQL" in saved.text
    [listed] = await ann.say("/start goals")  # a deep link from a group answer
    assert listed.kind == "goals"
    assert [reply.kind for reply in await ann.say("/start")] == ["welcome"]
    assert [reply.kind for reply in await ann.say("/start something-else")] == ["welcome"]


async def test_nul_characters_and_odd_language_tags_are_normalised_on_both_databases(
    nlu: Nlu, retriever: Retriever, database: Database
) -> None:
    conversation = Conversation(nlu=nlu, retriever=retriever, rules=default_rules(),
                                database=database, replies=load_replies())  # fmt: skip
    odd = Sender(telegram_id=501, name="Ann\x00Marie", language="x" * 40)
    [saved] = await conversation.handle(Incoming(odd, text="set a goal to learn\x00 SQL"), now=NOW)
    assert saved.kind == "goal_saved"
    # The user is not stuck after it: the next message is handled as usual.
    [listed] = await conversation.handle(Incoming(odd, text="/goals"), now=NOW)
    assert listed.kind == "goals"
    async with database.session() as session:
        user = (await session.scalars(select(User))).one()
    assert (user.name, user.language) == ("AnnMarie", None)
