"""End to end: the real ``careerbot run`` process talking to the fake Bot API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import User
from tests.bot.channels.conftest import TOKEN, StartBot, free_port
from tests.fakes.bot_api import FakeBotApi

ANN, BOB = 1001, 1002


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A sent message's inline buttons, label to callback data."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def wait_for_port(port: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
            else:
                writer.close()
                await writer.wait_closed()
                return


async def reply_to(fake: FakeBotApi, chat_id: int, count: int) -> dict[str, Any]:
    """The ``count``-th message the bot sent to a chat (1-based), once it is there."""
    return (await fake.wait_for_messages(chat_id, count, timeout=20))[count - 1]


async def test_start_then_a_knowledge_button(fake: FakeBotApi, start_bot: StartBot) -> None:
    bot = await start_bot(TYPING_INDICATOR_DELAY_MS="0")  # "typing…" even for fast replies
    commands = fake.calls_of("setMyCommands")[0].params["commands"]
    assert {c["command"] for c in commands} >= {"start", "help", "cancel", "forget"}
    # Polling clears any webhook first (after post_init, so it may come a moment later).
    await fake.wait_for(lambda: fake.call_count("deleteWebhook") or None)

    fake.user_sends(ANN, "/start", first_name="Ann")
    welcome = await reply_to(fake, ANN, 1)
    assert "Hi, Ann!" in welcome["text"]
    assert "Advancement vs promotion" in buttons(welcome)

    fake.user_sends(ANN, "can I grow without being promoted?")
    answer = await reply_to(fake, ANN, 2)
    assert "Source:" in answer["text"]
    data = next(iter(buttons(answer).values()))
    fake.user_presses(ANN, answer["message_id"], data)
    related = await reply_to(fake, ANN, 3)
    assert "Source:" in related["text"]
    await fake.wait_for(lambda: fake.call_count("answerCallbackQuery") or None)
    assert fake.call_count("sendChatAction") >= 2  # "typing…" for each text message
    assert all(c.params["action"] == "typing" for c in fake.calls_of("sendChatAction"))
    assert TOKEN not in bot.log()
    assert TOKEN.split(":")[1] not in bot.log()


async def test_a_vague_question_is_answered_through_buttons(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot()
    fake.user_sends(ANN, "is this a promotion?")
    question = await reply_to(fake, ANN, 1)
    fake.user_presses(ANN, question["message_id"], buttons(question)["Higher position or title"])
    same_org = await reply_to(fake, ANN, 2)
    assert "same employer" in same_org["text"]
    fake.user_presses(ANN, same_org["message_id"], buttons(same_org)["Yes, same employer"])
    verdict = await reply_to(fake, ANN, 3)
    assert "Yes, that is a promotion." in verdict["text"]


async def test_fast_replies_come_without_a_typing_indicator(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot()  # default: "typing…" only when a reply takes more than 300 ms
    fake.user_sends(ANN, "hi")
    await reply_to(fake, ANN, 1)
    assert fake.call_count("sendChatAction") == 0


async def test_two_users_at_once_do_not_cross(fake: FakeBotApi, start_bot: StartBot) -> None:
    await start_bot()
    fake.user_sends(ANN, "I got a new title at work, is that a promotion?", first_name="Ann")
    fake.user_sends(BOB, "/start", first_name="Bob")
    fake.user_sends(BOB, "what is a lateral move?", first_name="Bob")
    ann_question = await reply_to(fake, ANN, 1)
    bob_welcome, bob_answer = await fake.wait_for_messages(BOB, 2, timeout=20)
    assert "Hi, Bob!" in bob_welcome["text"]
    assert "Source:" in bob_answer["text"]
    # Bob pressing Ann's button (forged data) does not answer Ann's question.
    fake.user_presses(
        BOB, bob_answer["message_id"], buttons(ann_question)["Yes, a higher position"]
    )
    stale = await reply_to(fake, BOB, 3)
    assert "expired" in stale["text"]
    fake.user_presses(
        ANN, ann_question["message_id"], buttons(ann_question)["Yes, a higher position"]
    )
    assert "same employer" in (await reply_to(fake, ANN, 2))["text"]
    assert all("Ann" not in m.get("text", "") for m in fake.sent(BOB))


async def test_one_users_messages_are_answered_in_order(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot()
    texts = ["hi", "what is a promotion?", "thanks", "bye", "/help"]
    for text in texts:
        fake.user_sends(ANN, text)
    sent = await fake.wait_for_messages(ANN, len(texts), timeout=30)
    assert "Hello" in sent[0]["text"]
    assert "Source:" in sent[1]["text"]
    assert "welcome" in sent[2]["text"]
    assert "Good luck" in sent[3]["text"]
    assert "Here is what I can do" in sent[4]["text"]


async def test_a_restart_in_the_middle_of_a_judgement_continues(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    first = await start_bot()
    fake.user_sends(ANN, "I got a new title at work, is that a promotion?")
    question = await reply_to(fake, ANN, 1)
    assert await first.stop() == 0
    await start_bot()
    fake.user_presses(ANN, question["message_id"], buttons(question)["Yes, a higher position"])
    same_org = await reply_to(fake, ANN, 2)
    fake.user_presses(ANN, same_org["message_id"], buttons(same_org)["No, a new employer"])
    verdict = await reply_to(fake, ANN, 3)
    assert "new employer" in verdict["text"]


async def test_a_user_who_blocks_the_bot_is_marked_inactive(
    fake: FakeBotApi, start_bot: StartBot, tmp_path: Path
) -> None:
    await start_bot()
    fake.user_sends(ANN, "hi")
    await reply_to(fake, ANN, 1)
    fake.user_blocks(ANN)
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careerbot.db'}")

    async def blocked() -> bool:
        async with database.session() as session:
            return bool(await session.scalar(select(User.blocked)))

    try:
        for _ in range(100):
            if await blocked():
                break
            await asyncio.sleep(0.1)
        assert await blocked()
        fake.user_sends(ANN, "hi again")  # unblocking and writing makes them active again
        await reply_to(fake, ANN, 2)
        assert not await blocked()
    finally:
        await database.dispose()


async def test_a_429_from_telegram_is_waited_out_and_sent_once(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot()
    fake.fail("sendMessage", status=429, retry_after=1)
    fake.user_sends(ANN, "hi")
    await reply_to(fake, ANN, 1)
    await asyncio.sleep(0.5)
    assert len(fake.sent(ANN)) == 1
    assert fake.call_count("sendMessage") == 2


async def test_server_errors_are_retried_and_nothing_is_doubled(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot()
    fake.fail("sendMessage", status=502, description="Bad Gateway")
    fake.drop("sendMessage")  # the connection closed with no answer
    fake.fail("sendMessage", status=500, description="Internal Server Error")
    fake.user_sends(ANN, "hi")
    [reply] = await fake.wait_for_messages(ANN, 1, timeout=20)
    assert "Hello" in reply["text"]
    await asyncio.sleep(1.0)
    assert len(fake.sent(ANN)) == 1
    assert [c.status for c in fake.calls_of("sendMessage")] == [502, 499, 500, 200]


async def test_a_reply_that_times_out_is_not_sent_again_nor_apologised_for(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    bot = await start_bot()
    fake.delay("sendMessage", 6.0)  # past the bot's 5 s read timeout; Telegram delivers it
    fake.user_sends(ANN, "hi")
    [reply] = await fake.wait_for_messages(ANN, 1, timeout=20)
    assert "Hello" in reply["text"]
    fake.user_sends(ANN, "thanks")
    await reply_to(fake, ANN, 2)
    assert len(fake.sent(ANN)) == 2  # the slow answer once, then the next one; no apology
    assert "a reply timed out; not sent again" in bot.log()


async def test_a_lasting_failure_is_logged_and_the_user_told_when_possible(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    bot = await start_bot()
    fake.fail("sendMessage", status=500, times=4, description="Internal Server Error")
    fake.user_sends(ANN, "hi")
    apology = await reply_to(fake, ANN, 1)
    assert "something went wrong" in apology["text"]
    # Telegram out of reach is one warning line, not an error with a traceback.
    assert "Telegram could not be reached while answering an update" in bot.log()
    assert "ERROR" not in bot.log()
    assert "Traceback" not in bot.log()


async def test_webhook_mode_checks_the_secret(fake: FakeBotApi, start_bot: StartBot) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    bot = await start_bot(WEBHOOK_URL=url, WEBHOOK_SECRET="s3cret-value_1",
                          WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))  # fmt: skip
    await fake.wait_for(lambda: fake.webhook_url or None, what="setWebhook")
    assert fake.webhook_url == url
    await wait_for_port(port)  # PTB sets the webhook a moment before its server listens
    assert fake.webhook_secret == "s3cret-value_1"
    wrong = fake.message_update(ANN, "hi")
    assert await fake.post_update(url, wrong, secret="not-the-secret") == 403
    assert await fake.post_update(url, wrong, secret=None) == 403
    right = fake.message_update(ANN, "what is a promotion?")
    assert await fake.post_update(url, right, secret="s3cret-value_1") == 200
    # Telegram retries a delivery it thinks failed: the copy is not answered again.
    assert await fake.post_update(url, right, secret="s3cret-value_1") == 200
    [answer] = await fake.wait_for_messages(ANN, 1, timeout=20)
    assert "Source:" in answer["text"]
    await asyncio.sleep(0.5)
    assert len(fake.sent(ANN)) == 1  # the rejected updates were never handled
    assert "s3cret-value_1" not in bot.log()
    assert TOKEN not in bot.log()
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as health,
    ):
        assert health.status == 200
        assert (await health.json()) == {"status": "ok", "database": True}
    async with aiohttp.ClientSession() as session:
        garbage = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-value_1"}
        huge_date = fake.message_update(ANN, "hi")
        huge_date["message"]["date"] = 1e20
        deep = b"[" * 200_000 + b"]" * 200_000
        bodies = [b"{not json", b"[1, 2]", b"null", json.dumps(huge_date).encode(), deep]
        for body in bodies:
            async with session.post(url, data=body, headers=garbage) as response:
                assert response.status == 400, body[:40]


async def test_a_flooding_user_is_slowed_down_and_others_are_not_delayed(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot(FLOOD_LIMIT="10", FLOOD_WINDOW_SECONDS="60")
    for number in range(50):
        fake.user_sends(ANN, f"hi {number}")
    fake.user_sends(BOB, "what is a promotion?", first_name="Bob")
    [answer] = await fake.wait_for_messages(BOB, 1, timeout=20)
    assert "Source:" in answer["text"]
    await fake.wait_for_messages(ANN, 11, timeout=30)
    await asyncio.sleep(1.0)
    sent = fake.sent(ANN)
    assert len(sent) == 11  # ten answers and one request to slow down; the rest dropped
    assert sum("a lot of messages" in m["text"] for m in sent) == 1
