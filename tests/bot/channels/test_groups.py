"""Personal data goes only to the user's private chat: in a group the bot handles nothing and
stores nothing, and answers a command or a mention with a button to the private chat."""

from __future__ import annotations

import asyncio
import sqlite3

from tests.bot.channels.conftest import StartBot
from tests.bot.channels.test_telegram import reply_to
from tests.fakes.bot_api import FakeBotApi

ANN, GROUP = 7001, -100700


def users_stored(env: dict[str, str]) -> int:
    path = env["DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM users").fetchone()[0])


async def test_group_commands_get_a_private_chat_link_and_never_personal_data(
    fake: FakeBotApi, start_bot: StartBot, bot_env: dict[str, str]
) -> None:
    await start_bot()
    fake.user_sends(ANN, "I want to leave Acme for a competitor by June")
    assert "Acme" in (await reply_to(fake, ANN, 1))["text"]
    before = users_stored(bot_env)
    addressed = [
        "/goals@careerbot_test_bot", "/progress", "/nudge", "/export",
        "@careerbot_test_bot what are my goals?", "/forget@careerbot_test_bot",
    ]  # fmt: skip
    for text in addressed:
        fake.enqueue(fake.group_message_update(ANN, GROUP, text))
    # Not addressed to this bot: ignored.
    fake.enqueue(fake.group_message_update(ANN, GROUP, "/goals@some_other_bot"))
    fake.enqueue(fake.group_message_update(ANN, GROUP, "lunch at noon?"))
    answers = await fake.wait_for_messages(GROUP, 6, timeout=20)
    await asyncio.sleep(1.0)
    assert len(fake.sent(GROUP)) == 6
    for answer in answers:
        assert "Acme" not in answer["text"]
        assert "photo" not in answer
        assert "document" not in answer
        [[button]] = answer["reply_markup"]["inline_keyboard"]
        assert button["url"].startswith("https://t.me/careerbot_test_bot")
    links = [a["reply_markup"]["inline_keyboard"][0][0]["url"] for a in answers]
    assert links[0] == "https://t.me/careerbot_test_bot?start=goals"
    assert links[4] == "https://t.me/careerbot_test_bot"  # a mention carries no command
    assert len(fake.sent(ANN)) == 1  # nothing went to the private chat either
    assert users_stored(bot_env) == before  # and nothing was stored or deleted

    # The deep link opens the command in the private chat.
    fake.user_sends(ANN, "/start goals")
    goals = await reply_to(fake, ANN, 2)
    assert "Acme" in goals["text"]


async def test_a_button_pressed_in_a_group_does_nothing_there(
    fake: FakeBotApi, start_bot: StartBot, bot_env: dict[str, str]
) -> None:
    await start_bot()
    fake.user_sends(ANN, "I want to leave Acme for a competitor by June")
    await reply_to(fake, ANN, 1)
    fake.enqueue(fake.group_message_update(ANN, GROUP, "/help"))
    [answer] = await fake.wait_for_messages(GROUP, 1, timeout=20)
    # A forged press under the group answer, asking to delete everything.
    fake._callback_queries["4242"] = False
    fake.enqueue({"update_id": fake._next_update(), "callback_query": {
        "id": "4242", "from": fake._chats[ANN].user, "message": answer,
        "chat_instance": "1", "data": "forget:yes",
    }})  # fmt: skip
    await fake.wait_for(lambda: fake.calls_of("answerCallbackQuery") or None, timeout=20,
                        what="the press to be answered")  # fmt: skip
    [call] = fake.calls_of("answerCallbackQuery")
    assert call.ok
    assert "private chat" in call.params["text"]
    await asyncio.sleep(0.5)
    assert len(fake.sent(GROUP)) == 1
    assert len(fake.sent(ANN)) == 1
    assert users_stored(bot_env) == 1  # nothing was deleted
