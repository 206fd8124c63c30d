"""Self-tests of FakeBotApi, driven by python-telegram-bot's own ``Bot`` as the bot will be."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatMemberStatus
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.bot_api import FakeBotApi, UploadedFile, parse_html

TOKEN = "123456:AAtest-token_for-the-fake"
USER = 4242


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.file_base_url) as client:
        yield client


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


def _png(width: int, height: int) -> bytes:
    """A real (black) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_get_me_describes_the_bot(fake: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (1000, "careerbot_test_bot", True)
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False
    assert fake.call_count("getMe") == 2  # Bot.initialize asked too


async def test_send_then_edit_message(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER, first_name="Ann")
    markup = _keyboard("yes", "no")

    sent = await bot.send_message(USER, "Hello <b>Ann</b>", parse_mode="HTML", reply_markup=markup)
    edited = await bot.edit_message_text("Thanks!", chat_id=USER, message_id=sent.message_id)
    after = await bot.send_message(USER, "Next")

    assert sent.text == "Hello Ann"
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 6, 3),)
    assert sent.reply_markup == markup
    assert sent.chat.first_name == "Ann"
    assert sent.from_user is not None
    assert sent.from_user.id == 1000
    assert isinstance(edited, Message)
    assert (edited.message_id, edited.text, edited.reply_markup) == (
        sent.message_id,
        "Thanks!",
        None,
    )
    assert edited.edit_date is not None
    assert after.message_id == sent.message_id + 1
    record = fake.sent(USER)
    assert [(m["method"], m["text"]) for m in record] == [
        ("sendMessage", "Hello Ann"),
        ("editMessageText", "Thanks!"),
        ("sendMessage", "Next"),
    ]
    assert record[0]["reply_markup"] == markup.to_dict()
    params = fake.calls_of("sendMessage")[0].params
    # Form fields arrive as strings; the fake decodes them to their JSON types.
    assert params["chat_id"] == USER
    assert params["reply_markup"] == markup.to_dict()


async def test_edit_errors_are_telegrams(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)
    sent = await bot.send_message(USER, "Same", reply_markup=_keyboard("a"))

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Same", chat_id=USER, message_id=sent.message_id, reply_markup=_keyboard("a")
        )
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Other", chat_id=USER, message_id=99)
    bare = await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=None)

    assert isinstance(bare, Message)
    assert bare.reply_markup is None
    assert [m["method"] for m in fake.sent(USER)] == ["sendMessage", "editMessageReplyMarkup"]


async def test_sends_to_unknown_chats_fail(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(777, "Hello?")


async def test_get_updates_honours_offset_and_limit(fake: FakeBotApi, bot: Bot) -> None:
    first = fake.user_sends(USER, "/start now")
    second = fake.user_sends(USER, "hi", first_name="Bea", language_code="de")

    both = await bot.get_updates(timeout=0)
    one = await bot.get_updates(timeout=0, limit=1)
    rest = await bot.get_updates(offset=first["update_id"] + 1, timeout=0)
    again = await bot.get_updates(timeout=0)
    none = await bot.get_updates(offset=second["update_id"] + 1, timeout=0)

    assert [u.update_id for u in both] == [first["update_id"], second["update_id"]]
    assert both[0].message is not None
    assert both[0].message.text == "/start now"
    assert both[0].message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert both[0].message.chat.id == USER
    assert both[1].message is not None
    assert both[1].message.from_user is not None
    assert both[1].message.from_user.language_code == "de"
    assert both[1].message.message_id == both[0].message.message_id + 1
    assert [u.update_id for u in one] == [first["update_id"]]
    assert [u.update_id for u in rest] == [second["update_id"]]
    assert [u.update_id for u in again] == [second["update_id"]]  # confirmed ones are gone
    assert none == ()
    assert fake.pending_updates == []


async def test_long_poll_wakes_up_when_the_user_writes(fake: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.3)
    assert not poll.done()  # the poll is waiting for an update

    started = time.monotonic()
    fake.user_sends(USER, "hello")
    updates = await asyncio.wait_for(poll, 3)

    assert time.monotonic() - started < 1.0
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()

    updates = await bot.get_updates(timeout=1)

    assert updates == ()
    assert 0.9 <= time.monotonic() - started < 3.0


async def test_a_newer_poll_terminates_an_older_one(fake: FakeBotApi, bot: Bot) -> None:
    # A second bot instance: one Bot's getUpdates connection pool holds a single connection.
    async with Bot(TOKEN, base_url=fake.base_url) as other:
        older = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        newer = asyncio.create_task(other.get_updates(timeout=5))

        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await older
        assert time.monotonic() - started < 2.0  # at once, not when its own timeout ends
        fake.user_sends(USER, "hi")
        assert len(await newer) == 1


async def test_callback_query_round_trip(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)
    question = await bot.send_message(USER, "Up or sideways?", reply_markup=_keyboard("up", "side"))

    pressed = fake.user_presses(USER, question.message_id, "up")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None
    answered = await bot.answer_callback_query(query.id, text="Noted")

    assert query.id == pressed["callback_query"]["id"]
    assert query.data == "up"
    assert query.from_user.id == USER
    assert isinstance(query.message, Message)
    assert query.message.message_id == question.message_id
    assert query.message.reply_markup == _keyboard("up", "side")
    assert answered is True
    assert fake.calls_of("answerCallbackQuery")[0].params == {
        "callback_query_id": query.id,
        "text": "Noted",
    }
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)


async def test_user_presses_needs_a_message(fake: FakeBotApi) -> None:
    fake.add_user(USER)

    with pytest.raises(ValueError, match="no message 5"):
        fake.user_presses(USER, 5, "up")


async def test_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    # Bot.initialize replaces Telegram's "Unauthorized" with its own wording.
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("654321:wrong", base_url=fake.base_url):
            pass

    assert [(c.method, c.status) for c in fake.calls] == [("getMe", 401)]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>crossed</i>", 'expected "</b>", found "</i>"'),
        ("<div>block</div>", 'Unsupported start tag "div"'),
        ("<br>", 'Unsupported start tag "br"'),
        ("1 < 2", "byte offset 2"),
        ("Tom & Jerry", "entity starting at byte offset 4"),
        ("&nbsp;", "Unsupported HTML entity"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ("</b>", "Unexpected end tag"),
    ],
)
async def test_invalid_html_is_a_bad_request(
    fake: FakeBotApi, bot: Bot, text: str, error: str
) -> None:
    fake.add_user(USER)

    with pytest.raises(BadRequest, match="Can't parse entities") as info:
        await bot.send_message(USER, text, parse_mode="HTML")

    # PTB strips "Bad Request: " and str.capitalize()s the rest, lower-casing Telegram's text.
    assert error.lower() in str(info.value)
    (call,) = fake.calls_of("sendMessage")
    assert call.status == 400
    assert (call.description or "").startswith("Bad Request: can't parse entities: ")
    assert error in (call.description or "")
    assert fake.sent(USER) == []


@pytest.mark.parametrize(
    ("html", "plain", "entities"),
    [
        ("&lt;b&gt; &amp; &quot;x&quot; a > b", '<b> & "x" a > b', []),
        (
            '<a href="https://e.org/?a=1&amp;b=2">link</a>',
            "link",
            [{"type": "text_link", "offset": 0, "length": 4, "url": "https://e.org/?a=1&b=2"}],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
        ),
        (
            '😀<span class="tg-spoiler">s</span><i>i</i>',
            "😀si",
            [
                {"type": "spoiler", "offset": 2, "length": 1},
                {"type": "italic", "offset": 3, "length": 1},
            ],
        ),
        ("<blockquote expandable>q</blockquote>&#65;", "qA",
         [{"type": "expandable_blockquote", "offset": 0, "length": 1}]),
    ],
)  # fmt: skip
def test_valid_html_parses(html: str, plain: str, entities: list[dict[str, Any]]) -> None:
    assert parse_html(html) == (plain, entities)


async def test_text_length_and_emptiness(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)

    longest = await bot.send_message(USER, "x" * 4096)
    tagged = await bot.send_message(USER, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "  \n")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode="HTML")

    assert len(longest.text or "") == len(tagged.text or "") == 4096
    assert len(fake.sent(USER)) == 2


async def test_callback_data_is_limited_to_64_bytes(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)

    await bot.send_message(USER, "ok", reply_markup=_keyboard("x" * 64))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "too long", reply_markup=_keyboard("é" * 33))

    assert len(fake.sent(USER)) == 1


async def test_injected_429_raises_retry_after(
    fake: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns when RetryAfter.retry_after is read as an int; opt in to timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.add_user(USER)
    fake.fail("sendMessage", status=429, retry_after=7, times=2)

    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(USER, "Hello")
        assert info.value.retry_after == timedelta(seconds=7)
    await bot.send_message(USER, "Hello")

    assert [c.status for c in fake.calls_of("sendMessage")] == [429, 429, 200]
    assert fake.calls_of("sendMessage")[0].description == "Too Many Requests: retry after 7"
    assert [m["text"] for m in fake.sent(USER)] == ["Hello"]


async def test_injected_server_error_and_delay(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)
    fake.fail("sendChatAction", status=502)
    fake.delay("sendMessage", 1.0)

    with pytest.raises(Exception, match="Bad Gateway"):
        await bot.send_chat_action(USER, "typing")
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "slow", read_timeout=0.2)
    # The slow call still went through, as a real timed-out request may have.
    messages = await fake.wait_for_messages(USER, 1, timeout=3)

    assert [m["text"] for m in messages] == ["slow"]
    assert await bot.send_chat_action(USER, "typing") is True


async def test_held_call_waits_for_release_and_is_dropped_if_the_client_hangs_up(
    fake: FakeBotApi, bot: Bot
) -> None:
    fake.add_user(USER)
    fake.hold("sendMessage")
    abandoned = asyncio.create_task(bot.send_message(USER, "lost on the way", read_timeout=0.3))
    await fake.wait_for(lambda: fake.held["sendMessage"] == 1 or None, what="the held call")
    with pytest.raises(TimedOut):
        await abandoned  # the client hangs up while the call is held
    kept = asyncio.create_task(bot.send_message(USER, "patient"))
    await fake.wait_for(lambda: fake.held["sendMessage"] == 2 or None, what="both held")
    assert fake.sent(USER) == []

    fake.release("sendMessage")
    await kept

    assert [m["text"] for m in fake.sent(USER)] == ["patient"]
    assert sorted(call.status for call in fake.calls_of("sendMessage")) == [200, 499]
    assert fake.held["sendMessage"] == 0


async def test_a_dropped_call_closes_the_connection_and_is_not_carried_out(
    fake: FakeBotApi, bot: Bot
) -> None:
    fake.add_user(USER)
    fake.drop("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "lost")
    await bot.send_message(USER, "through")
    assert [m["text"] for m in fake.sent(USER)] == ["through"]
    assert [call.status for call in fake.calls_of("sendMessage")] == [499, 200]


async def test_blocked_user_answers_403(fake: FakeBotApi, bot: Bot) -> None:
    fake.user_sends(USER, "/start")
    fake.user_blocks(USER)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "Weekly nudge")
    updates = await bot.get_updates(timeout=0)
    fake.user_sends(USER, "/start")
    back = await bot.send_message(USER, "Welcome back")

    member = updates[-1].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == ChatMemberStatus.BANNED
    assert member.new_chat_member.user.id == 1000
    assert back.text == "Welcome back"
    assert [c.status for c in fake.calls_of("sendMessage")] == [403, 200]


async def test_send_photo_and_document(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)
    image = _png(300, 200)

    photo = await bot.send_photo(USER, photo=image, caption="Your <i>plan</i>", parse_mode="HTML")
    document = await bot.send_document(USER, document=b"a,b\n1,2\n", filename="plan.csv")
    again = await bot.send_photo(USER, photo=photo.photo[-1].file_id)
    file = await bot.get_file(photo.photo[-1].file_id)
    downloaded = await file.download_as_bytearray()
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, photo=b"not an image")

    largest = photo.photo[-1]
    assert (largest.width, largest.height, largest.file_size) == (300, 200, len(image))
    assert photo.photo[0].width == 90
    assert photo.caption == "Your plan"
    assert photo.caption_entities == (MessageEntity(MessageEntity.ITALIC, 5, 4),)
    assert document.document is not None
    assert (document.document.file_name, document.document.file_size) == ("plan.csv", 8)
    assert again.photo[-1].file_id == largest.file_id
    assert bytes(downloaded) == image
    upload = fake.calls_of("sendPhoto")[0].params["photo"]
    assert isinstance(upload, UploadedFile)
    assert upload.data == image
    assert [m["method"] for m in fake.sent(USER)] == ["sendPhoto", "sendDocument", "sendPhoto"]


async def test_commands_are_recorded(fake: FakeBotApi, bot: Bot) -> None:
    commands = [BotCommand("start", "Start over"), BotCommand("goals", "Your goals")]

    await bot.set_my_commands(commands)
    await bot.set_my_commands([BotCommand("start", "Neu starten")], language_code="de")
    await bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(USER))
    default = await bot.get_my_commands()
    german = await bot.get_my_commands(language_code="de")
    await bot.delete_my_commands()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "capitals are not allowed")])

    assert default == tuple(commands)
    assert german == (BotCommand("start", "Neu starten"),)
    assert await bot.get_my_commands() == ()
    assert await bot.get_my_commands(scope=BotCommandScopeChat(USER)) == tuple(commands[:1])
    assert fake.calls_of("setMyCommands")[0].params["commands"] == [c.to_dict() for c in commands]


async def test_webhook_settings(fake: FakeBotApi, bot: Bot) -> None:
    fake.user_sends(USER, "queued")

    await bot.set_webhook(
        "http://127.0.0.1:9/hook", secret_token="s3cret", allowed_updates=["message"]
    )
    info = await bot.get_webhook_info()
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    with pytest.raises(BadRequest, match="unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces")
    await bot.delete_webhook(drop_pending_updates=True)

    assert (info.url, info.pending_update_count, info.allowed_updates) == (
        "http://127.0.0.1:9/hook",
        1,
        ("message",),
    )
    assert (fake.webhook_url, fake.webhook_secret) == ("", None)
    assert fake.calls_of("setWebhook")[0].params["secret_token"] == "s3cret"
    assert await bot.get_updates(timeout=0) == ()


async def test_post_update_delivers_to_a_webhook(fake: FakeBotApi) -> None:
    received: list[tuple[str | None, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((secret, await request.json()))
        return web.Response(status=200 if secret == "s3cret" else 403)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        update = fake.message_update(USER, "via webhook")
        good = await fake.post_update(f"http://127.0.0.1:{port}/hook", update, secret="s3cret")
        press = fake.callback_update(USER, update["message"]["message_id"], "up")
        bad = await fake.post_update(f"http://127.0.0.1:{port}/hook", press, secret=None)
    finally:
        await runner.cleanup()

    assert (good, bad) == (200, 403)
    assert received == [("s3cret", update), (None, press)]
    assert press["update_id"] == update["update_id"] + 1
    assert fake.pending_updates == []  # built, not queued


async def test_raw_requests_json_form_get_and_unknown_method(fake: FakeBotApi) -> None:
    fake.add_user(USER)
    url = f"{fake.base_url}{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}

    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/sendMessage", json={"chat_id": USER, "text": "[1]", "reply_markup": markup}
        ) as response:
            as_json = (response.status, await response.json())
        async with session.post(
            f"{url}/sendmessage", data={"chat_id": str(USER), "text": "form", "reply_markup": "{"}
        ) as response:
            bad_form = (response.status, await response.json())
        async with session.get(f"{url}/getMe") as response:
            by_get = (response.status, await response.json())
        async with session.post(f"{url}/sendDice", data={"chat_id": str(USER)}) as response:
            unknown = (response.status, await response.json())
        async with session.post(f"{fake.base_url}1:bad/getMe") as response:
            unauthorized = (response.status, await response.json())

    assert as_json[0] == 200
    assert as_json[1]["ok"] is True
    assert as_json[1]["result"]["text"] == "[1]"  # text is never JSON-decoded
    assert as_json[1]["result"]["reply_markup"] == markup
    assert bad_form[0] == 400
    assert bad_form[1]["description"] == "Bad Request: can't parse reply_markup JSON object"
    assert by_get[1]["result"]["username"] == "careerbot_test_bot"
    assert unknown == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert unauthorized == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_wait_for_messages_explains_a_timeout(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)
    await bot.send_message(USER, "only one", reply_markup=_keyboard("more"))
    with pytest.raises(BadRequest):
        await bot.send_message(USER, "<oops>", parse_mode="HTML")

    with pytest.raises(TimeoutError) as info:
        await fake.wait_for_messages(USER, 2, timeout=0.2)

    message = str(info.value)
    assert "expected at least 2 messages in chat 4242" in message
    assert "'only one' buttons=['More']" in message
    assert "sendMessage 400 Bad Request: can't parse entities" in message


async def test_wait_for_returns_the_first_truthy_value(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_user(USER)

    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_chat_action(USER, "typing")

    task = asyncio.create_task(later())
    calls = await fake.wait_for(lambda: fake.calls_of("sendChatAction"), timeout=3)
    await task

    assert calls[0].params == {"chat_id": USER, "action": "typing"}


async def test_a_polling_application_talks_to_the_fake(fake: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Pick one", reply_markup=_keyboard("up"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(fake.base_url)
        .job_queue(None)
        .get_updates_read_timeout(5)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=2)
        try:
            fake.user_sends(USER, "/start")
            (question,) = await fake.wait_for_messages(USER, 1)
            fake.user_presses(USER, question["message_id"], "up")
            messages = await fake.wait_for_messages(USER, 2)
        finally:
            await application.updater.stop()
            await application.stop()

    assert [(m["method"], m["text"]) for m in messages] == [
        ("sendMessage", "Pick one"),
        ("editMessageText", "You chose up"),
    ]
    assert fake.call_count("answerCallbackQuery") == 1
    assert fake.call_count("deleteWebhook") == 1  # start_polling clears any webhook first
    assert fake.pending_updates == []  # stopping confirmed the last update
