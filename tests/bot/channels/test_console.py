"""The console chat: numbered buttons, pressing by number or label, terminal rendering."""

from __future__ import annotations

import io

from bot.channels.console import chat, pressed, render
from bot.conversation import Button, Conversation, Reply
from bot.conversation.replies import load_replies
from bot.storage.db import Database
from knowledge.advisor import default_rules
from knowledge.retrieval import Retriever
from nlu.pipeline import Nlu
from tests.bot.channels.conftest import free_port

BUTTONS = [Button("What is a promotion?", "kb:what-is-promotion"), Button("None", "dym:none")]


def test_buttons_are_pressed_by_number_or_label() -> None:
    assert pressed("1", BUTTONS) == BUTTONS[0]
    assert pressed(" 2 ", BUTTONS) == BUTTONS[1]
    assert pressed("what is a PROMOTION?", BUTTONS) == BUTTONS[0]
    assert pressed("3", BUTTONS) is None
    assert pressed("0", BUTTONS) is None
    assert pressed("tell me more", BUTTONS) is None
    assert pressed("1", []) is None


def test_replies_render_as_plain_text_with_numbered_buttons() -> None:
    reply = Reply("<b>Yes</b> &amp; <i>no</i> &lt;3", ((BUTTONS[0],), (BUTTONS[1],)))
    assert render(reply) == "Yes & no <3\n  [1] What is a promotion?\n  [2] None"
    assert "\033[1mYes\033[0m" in render(reply, color=True)


async def test_a_console_conversation_presses_buttons_by_number(
    conversation: Conversation,
) -> None:
    stdin = io.StringIO("/start\n1\nis this a promotion?\n1\n1\n/quit\nnever read\n")
    stdout = io.StringIO()
    await chat(conversation, user="ann", stdin=stdin, stdout=stdout)
    out = stdout.getvalue()
    assert "Hi, ann!" in out
    assert "[1] What is a promotion?" in out
    assert "Source:" in out  # "1" after the welcome opened the first entry
    assert "Yes, that is a promotion." in out  # two answers by number reached a verdict
    assert "never read" not in out


async def test_a_number_with_no_buttons_on_screen_is_a_message(
    conversation: Conversation,
) -> None:
    stdout = io.StringIO()
    await chat(conversation, user="bob", stdin=io.StringIO("hi\n1\n"), stdout=stdout)
    assert "I read words better than emoji" in stdout.getvalue()  # "1" has no words to read


async def test_a_database_that_cannot_be_reached_gets_a_try_again_and_the_chat_goes_on(
    nlu: Nlu, retriever: Retriever
) -> None:
    unreachable = Database(f"postgresql+asyncpg://careerbot@127.0.0.1:{free_port()}/nowhere")
    conversation = Conversation(nlu=nlu, retriever=retriever, rules=default_rules(),
                                database=unreachable, replies=load_replies())  # fmt: skip
    stdout = io.StringIO()
    try:
        await chat(conversation, user="cy", stdin=io.StringIO("hi\n/goals\n"), stdout=stdout)
    finally:
        await unreachable.dispose()
    assert stdout.getvalue().count("I can't reach my memory right now") == 2
