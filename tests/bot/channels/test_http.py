"""The aiohttp transport under python-telegram-bot, against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.channels.http import AiohttpRequest
from tests.bot.channels.conftest import TOKEN
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.test_bot_api import _png


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    client = Bot(TOKEN, base_url=fake.base_url, request=AiohttpRequest(read_timeout=1.0),
                 get_updates_request=AiohttpRequest(connection_pool_size=1))  # fmt: skip
    async with client:
        yield client


async def test_messages_with_buttons_round_trip(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(7)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes ✅", callback_data="jq:level:up")]])
    sent = await bot.send_message(7, "<b>Höher?</b> &lt;3", parse_mode="HTML", reply_markup=markup)
    assert sent.text == "Höher? <3"
    assert sent.reply_markup == markup
    call = fake.calls_of("sendMessage")[-1]
    assert call.params["chat_id"] == 7
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "jq:level:up"


async def test_photos_go_as_multipart(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(7)
    message = await bot.send_photo(7, _png(320, 240), caption="progress")
    assert message.caption == "progress"
    assert max(size.width for size in message.photo) == 320


async def test_updates_arrive_by_long_polling(fake: FakeBotApi, bot: Bot) -> None:
    fake.user_sends(7, "hello")
    [update] = await bot.get_updates(timeout=5)
    assert update.message is not None
    assert update.message.text == "hello"


async def test_errors_map_to_telegram_errors(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(7)
    fake.fail("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as waited:
        await bot.send_message(7, "hi")
    assert waited.value.retry_after == timedelta(seconds=3)
    fake.fail("sendMessage", status=502, description="Bad Gateway")
    with pytest.raises(NetworkError):
        await bot.send_message(7, "hi")
    with pytest.raises(BadRequest):
        await bot.send_message(7, "<b>unclosed", parse_mode="HTML")
    fake.delay("sendMessage", 2.0)
    with pytest.raises(TimedOut):
        await bot.send_message(7, "slow")


async def test_a_server_that_is_gone_is_a_network_error(fake: FakeBotApi, bot: Bot) -> None:
    await fake.stop()
    with pytest.raises(NetworkError):
        await bot.get_me()
