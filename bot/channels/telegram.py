"""The Telegram channel: a python-telegram-bot ``Application`` around the conversation core.

Handlers are thin: they turn an update into an ``Incoming``, ask the core, and send what it
says. Handler order, in one place (``build_application``): button presses, then the bot's own
membership changes (a user blocking the bot), then every message, text or not.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    filters,
)
from tenacity import (
    retry,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot import charts, nudges
from bot.app import Services
from bot.channels.http import AiohttpRequest
from bot.channels.limits import CAPTION_LIMIT, keyboard_pages, length, split
from bot.channels.polling import PollingBot, Process
from bot.conversation import Button, Incoming, Reply, Sender
from bot.conversation.core import COMMAND, START_PAYLOADS
from bot.flood import FloodGuard
from bot.flood import Verdict as FloodVerdict
from bot.storage import crud

log = logging.getLogger(__name__)

# Only what the bot handles: channel posts, inline queries, polls and the rest never arrive.
ALLOWED_UPDATES = [
    Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER,
]  # fmt: skip
COMMANDS = [
    BotCommand("start", "What I can do, and where to begin"),
    BotCommand("help", "Examples of what to ask me"),
    BotCommand("goal", "Set a new career goal"),
    BotCommand("goals", "Your goals, with buttons to update them"),
    BotCommand("progress", "Streaks and a chart of your check-ins"),
    BotCommand("nudge", "Your weekly nudge: day, time, pause"),
    BotCommand("cancel", "Drop the question I'm waiting on"),
    BotCommand("export", "Send me all my data as a file"),
    BotCommand("forget", "Delete everything I know about you"),
]

Context = ContextTypes.DEFAULT_TYPE


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Updates of different users run concurrently; one user's updates run in order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._users[user.id] += 1
        try:
            async with lock:  # asyncio.Lock wakes waiters first come, first served
                await coroutine
        finally:
            self._users[user.id] -= 1
            if not self._users[user.id]:
                del self._users[user.id], self._locks[user.id]

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made as users appear."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _sender(user: User) -> Sender:
    return Sender(telegram_id=user.id, name=user.first_name, language=user.language_code)


def _markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


class TelegramChannel:
    """The update handlers, sharing the conversation core and the database."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.conversation = services.conversation
        self._background: set[asyncio.Task[Any]] = set()
        self.typing_delay = services.settings.typing_indicator_delay_ms / 1000
        self.flood = FloodGuard(limit=services.settings.flood_limit,
                                window=services.settings.flood_window_seconds)  # fmt: skip

    async def process(
        self, application: Application[Any, Any, Any, Any, Any, Any], update: Update
    ) -> None:
        """Take an update the moment it arrives (polled or posted to the webhook): counted for
        flood control now, then handled in its user's order. A user over the limit is told
        once to slow down and the rest of their burst is dropped, before it queues."""
        user, chat = update.effective_user, update.effective_chat
        if user is None:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
            return
        verdict = self.flood.arrive(user.id)
        if verdict is not FloodVerdict.PASS:
            if verdict is FloodVerdict.WARN and chat is not None:
                log.info("a user is flooding the bot; asking them to slow down")
                await self._send(application.bot, chat.id,
                                 [Reply(self.conversation.replies.slow_down)])  # fmt: skip
            return
        try:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        finally:
            self.flood.leave(user.id)

    async def on_message(self, update: Update, context: Context) -> None:
        """Answer a message."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        if message.chat.type != ChatType.PRIVATE:
            await self._point_to_private_chat(context.bot, message)
            return
        typing = self._typing(context.bot, message.chat_id)
        try:
            # The update id is the delivery to deduplicate on: Telegram retries a webhook
            # delivery it thinks failed, replicas share the work, and a poller killed before it
            # confirmed a batch gets the batch again.
            incoming = Incoming(_sender(user), text=message.text, delivery_id=update.update_id)
            replies = await self.conversation.handle(incoming)
        finally:
            typing.cancel()
        await self._send(context.bot, message.chat_id, replies, delivery_id=update.update_id)

    async def on_edit(self, update: Update, context: Context) -> None:
        """An edited message is not read again (it would repeat what the first one did): the
        user is told once per edit, and nothing changes."""
        message, user = update.edited_message, update.effective_user
        if message is None or user is None or message.chat.type != ChatType.PRIVATE:
            return
        note = Reply(self.conversation.replies.edit_not_read, kind="edit_not_read")
        await self._send(context.bot, message.chat_id, [note])

    async def on_button(self, update: Update, context: Context) -> None:
        """Answer a button press. The press is carried out whatever Telegram says to the
        callback answer: presses queued while the bot was down are "too old" to answer, and
        they still deserve their action."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        if query.message is not None and query.message.chat.type != ChatType.PRIVATE:
            # A keyboard in a group (none is sent there now): nothing personal is done there.
            with suppress(TelegramError):
                await query.answer(self.conversation.replies.group_private, show_alert=True)
            return
        try:
            await query.answer()  # stops the spinner on the button at once
        except TelegramError as error:
            log.info("a button press could not be acknowledged (%s); acting on it anyway",
                     type(error).__name__)  # fmt: skip
        chat_id = query.message.chat.id if query.message is not None else user.id
        keyboard = query.message.message_id if query.message is not None else None
        incoming = Incoming(_sender(user), button=query.data or "", delivery_id=update.update_id,
                            keyboard=keyboard)  # fmt: skip
        replies = await self.conversation.handle(incoming)
        await self._send(context.bot, chat_id, replies, delivery_id=update.update_id)

    async def on_membership(self, update: Update, context: Context) -> None:
        """Remember whether a user has blocked the bot."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return  # the bot added to or removed from a group says nothing about the user
        blocked = change.new_chat_member.status in {ChatMember.BANNED, ChatMember.LEFT}
        await self._mark_blocked(change.from_user.id, blocked=blocked)

    async def _point_to_private_chat(self, bot: ExtBot[Any], message: Message) -> None:
        """In a group, the bot handles nothing and stores nothing: goals and advice are
        personal. A command or a mention addressed to it gets one short answer with a button
        that opens the private chat (a deep link carrying the command); anything else in the
        group is ignored."""
        text = message.text or ""
        username = (bot.username or "").casefold()
        command = COMMAND.match(text.strip())
        replied_to = message.reply_to_message
        addressed = (
            (command is not None and (command.group(2) or username).casefold() == username)
            or (bool(username) and f"@{username}" in text.casefold())
            or (replied_to is not None and replied_to.from_user is not None
                and replied_to.from_user.id == bot.id)
        )  # fmt: skip
        if not addressed:
            return
        name = command.group(1).lower() if command is not None else ""
        link = f"https://t.me/{bot.username}"
        if name in START_PAYLOADS:  # the private chat's /start runs it
            link += f"?start={name}"
        replies = self.conversation.replies
        button = InlineKeyboardButton(replies.group_private_button, url=link)
        with suppress(Forbidden, BadRequest):  # removed from the group, or not allowed to post
            await bot.send_message(message.chat_id, replies.group_private,
                                   reply_markup=InlineKeyboardMarkup([[button]]))  # fmt: skip

    async def on_error(self, update: object, context: Context) -> None:
        """Log the error and tell the user to try again, if Telegram lets us. Telegram out of
        reach (5xx, network, timeouts, after the retries) is one warning line, not an error
        with a traceback: nothing in the bot went wrong."""
        error = context.error
        if error is None:
            return
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            log.warning("Telegram could not be reached while answering an update (%s)",
                        type(error).__name__)  # fmt: skip
            apology = Reply(self.conversation.replies.failed)
        else:
            apology = self.conversation.apology(error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, apology.text)

    def _typing(self, bot: ExtBot[Any], chat_id: int) -> asyncio.Task[None]:
        """Show "typing…" if the reply takes longer than ``typing_delay``; cancel the task when
        the reply is ready. Most replies take a few milliseconds, and the Bot API asks for
        chat actions only when an answer takes noticeable time: the saved request is half of
        each message's share of the 30 requests/s flood limit."""

        async def send() -> None:
            await asyncio.sleep(self.typing_delay)
            with suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)

        task = asyncio.create_task(send())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _send(
        self,
        bot: ExtBot[Any],
        chat_id: int,
        replies: list[Reply],
        *,
        delivery_id: int | None = None,
    ) -> None:
        """Send the replies, then empty the delivery's outbox (also when Telegram refused
        them for good: only a crash before this point leaves them to a redelivery)."""
        more = self.conversation.replies.more_buttons
        try:
            for reply in replies:
                try:
                    await send_reply(bot, chat_id, reply, more_buttons=more)
                except TimedOut:
                    # Telegram may well have delivered it: sending it again could show it
                    # twice, and an apology next to an answer that did arrive would confuse.
                    log.warning("a reply timed out; not sent again (it may have arrived)")
        except Forbidden:
            log.info("a user has blocked the bot; marking them inactive")
            await self._mark_blocked(chat_id, blocked=True)
        finally:
            if delivery_id is not None and replies:
                await self._empty_outbox(delivery_id)

    async def _empty_outbox(self, delivery_id: int) -> None:
        """Mark a delivery's replies sent. If the database is away this once, they stay in the
        outbox until pruned: only a redelivery, which a crash alone causes, would send them."""
        try:
            await self.conversation.replies_sent(delivery_id)
        except Exception as error:  # the replies went out; the user needs no apology for this
            log.warning("could not mark the replies of delivery %d sent (%s)", delivery_id,
                        type(error).__name__)  # fmt: skip

    async def _mark_blocked(self, telegram_id: int, *, blocked: bool) -> None:
        async with self.services.database.session() as session:
            if await crud.mark_blocked(session, telegram_id=telegram_id, blocked=blocked):
                await session.commit()


# A 5xx or a refused or dropped connection means Telegram did not take the message: send it
# again, with backoff. Not a timeout (TimedOut): Telegram may have delivered it, and a retry
# could show it twice. A 429 is waited out by the rate limiter; a 400 or 403 is final.
_retry_sends = retry(
    retry=retry_if_exception_type(NetworkError)
    & retry_if_not_exception_type((BadRequest, TimedOut)),
    stop=stop_after_attempt(4),
    wait=wait_exponential(multiplier=0.25, max=4),
    reraise=True,
)


@_retry_sends
async def _call(send: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> None:
    """One Bot API call, retried on its own (a retry never repeats an earlier message)."""
    await send(*args, **kwargs)


async def send_reply(
    bot: ExtBot[Any] | Bot, chat_id: int, reply: Reply, *, more_buttons: str = "…"
) -> None:
    """Send one reply within Telegram's limits: a document or picture (its text as the caption
    when it fits, else in messages after it), a text split at line boundaries over 4,096
    characters, and buttons in pages of 100 (the last text carries the first page, and
    ``more_buttons`` introduces each further page)."""
    text, pages = reply.text, keyboard_pages(reply.buttons)
    as_caption = False
    if reply.document is not None or reply.image is not None:
        caption = text if length(text) <= CAPTION_LIMIT else None
        if reply.document is not None:
            name, content = reply.document
            await _call(bot.send_document, chat_id, content, filename=name, caption=caption)
        else:
            markup = _markup(pages[0]) if caption is not None else None
            await _call(bot.send_photo, chat_id, reply.image, caption=caption, reply_markup=markup)
            if caption is not None:
                pages = pages[1:]
        as_caption = caption is not None
    texts = [] if as_caption else split(text)
    for index, part in enumerate(texts):
        last = index == len(texts) - 1
        await _call(bot.send_message, chat_id, part,
                    reply_markup=_markup(pages.pop(0)) if last and pages else None)  # fmt: skip
    for page in pages:
        if page:
            await _call(bot.send_message, chat_id, more_buttons, reply_markup=_markup(page))


def nudge_sender(bot: ExtBot[Any] | Bot) -> nudges.Sender:
    """Send a nudge through Telegram (retried as replies are); a block is reported."""

    async def send(chat_id: int, reply: Reply) -> nudges.SendResult:
        try:
            await send_reply(bot, chat_id, reply)
        except Forbidden:
            return nudges.SendResult.BLOCKED
        except TelegramError as error:
            log.warning("a nudge could not be sent: %s", error)
            return nudges.SendResult.FAILED
        return nudges.SendResult.SENT

    return send


async def nudge_loop(dispatcher: nudges.Dispatcher, *, interval: float = 60.0) -> None:
    """Send due nudges every ``interval`` seconds (on the minute, by default) until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval - loop.time() % interval)
        try:
            report = await dispatcher.run_once()
            async with dispatcher.database.session() as session:
                await crud.prune_updates(session, now=datetime.now(UTC))
                await crud.prune_states(session, now=datetime.now(UTC))
                await session.commit()
        except Exception:  # the database may be away for a moment: try again next minute
            log.exception("the nudge run failed")
            continue
        if report.sent or report.failed:
            log.info("nudges: %s", report)


def _file_url(base_url: str) -> str:
    """The file download URL that goes with a Bot API URL (``…/bot`` becomes ``…/file/bot``)."""
    head, _, _ = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/bot"


def build_application(
    services: Services,
) -> tuple[Application[Any, Any, Any, Any, Any, Any], Process]:
    """The PTB application with every handler registered, not yet running, and the function
    that takes each update in (flood control on arrival, then the application)."""
    settings = services.settings
    assert settings.telegram_bot_token is not None
    channel = TelegramChannel(services)

    background: list[asyncio.Task[None]] = []

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await services.database.upgrade(wait_seconds=settings.database_wait_seconds)
        await application.bot.set_my_commands(COMMANDS)
        kb = services.conversation.retriever.kb
        sender = nudge_sender(application.bot)
        dispatcher = nudges.dispatcher(settings, services.database, kb, sender)
        background.append(
            asyncio.create_task(nudge_loop(dispatcher, interval=settings.nudge_interval_seconds))
        )
        charts.warm_up()
        log.info("careerbot is up as @%s", application.bot.username)

    async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        for task in background:
            task.cancel()
        charts.shut_down()
        await services.database.dispose()

    bot = PollingBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=_file_url(settings.telegram_api_base_url),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3),
        request=AiohttpRequest(connection_pool_size=32),
        # getUpdates long-polls for up to 10 s: its read timeout must outlast that.
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=30),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerUserUpdateProcessor(256))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handler(CallbackQueryHandler(channel.on_button))
    application.add_handler(
        ChatMemberHandler(channel.on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, channel.on_message))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, channel.on_edit))
    application.add_error_handler(channel.on_error)
    return application, functools.partial(channel.process, application)


def run_telegram(services: Services) -> None:
    """Run until stopped: long polling, or a webhook server when WEBHOOK_URL is set."""
    settings = services.settings
    application, process = build_application(services)
    if settings.webhook_url is None:
        # Polling must stay single-instance: Telegram hands each getUpdates batch to one caller.
        from bot.channels.polling import serve_polling

        asyncio.run(serve_polling(application, process=process, database=services.database,
                                  allowed_updates=ALLOWED_UPDATES))  # fmt: skip
        return
    assert settings.webhook_secret is not None
    from bot.channels.webhook import Limits, serve_webhook

    asyncio.run(serve_webhook(
        application, process=process, url=settings.webhook_url,
        secret=settings.webhook_secret.get_secret_value(),
        listen=settings.webhook_listen, port=settings.webhook_port, database=services.database,
        allowed_updates=ALLOWED_UPDATES, limits=Limits(
            max_connections=settings.webhook_max_connections,
            idle_timeout=settings.webhook_idle_timeout_seconds,
            body_timeout=settings.webhook_body_timeout_seconds,
        ),
    ))  # fmt: skip
