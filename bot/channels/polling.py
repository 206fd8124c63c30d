"""Long polling that loses nothing and lets nobody wait for a slow user.

python-telegram-bot's ``Updater`` confirms a batch (by asking for the next ``getUpdates``
offset) as soon as it has queued it, before a handler has run: a process killed then loses
every queued update. It also parses a whole batch at once, so one update it cannot parse
fails the batch, forever. Here each fetched batch is first written to the database's inbox
(``inbox_updates``) and only then confirmed; each update is handled on its own, users
concurrently and each user's updates in order, and deleted from the inbox once handled. A
poller killed at any point handles what is left in the inbox when it starts again, and the
delivery claims (``processed_updates``) make that second pass send only what was never sent.
The next batch is fetched while the last one is still being handled, so one user's slow
requests delay only that user. An update that cannot be parsed is skipped with one log line
that names it, not its text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ExtBot

from bot.channels.lifecycle import running
from bot.storage import crud
from bot.storage.db import Database, is_unavailable

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open while there is nothing new
MAX_IN_WORK = 1000  # updates handled at once; beyond it, fetching waits (Telegram keeps them)
SHUTDOWN_GRACE = 10.0  # seconds a SIGTERM waits for updates in work (the inbox keeps the rest)
_MAX_BACKOFF = 30.0

Process = Callable[[Update], Awaitable[None]]


class PollingBot(ExtBot[Any]):
    """The bot, with a ``getUpdates`` that parses update by update."""

    async def fetch_updates(
        self, *, offset: int, hold: int, allowed_updates: Sequence[str]
    ) -> tuple[list[tuple[dict[str, Any], Update]], int]:
        """The next batch: the updates that parse (raw and parsed), and the offset that
        confirms the whole batch (unparseable updates included)."""
        data: dict[str, Any] = {"offset": offset, "timeout": hold, "limit": 100,
                                "allowed_updates": list(allowed_updates)}  # fmt: skip
        raw = await self._post("getUpdates", data, read_timeout=hold + 20)
        items: list[tuple[dict[str, Any], Update]] = []
        for item in raw if isinstance(raw, list) else []:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int):
                log.warning("skipped an item of getUpdates that has no update id")
                continue
            offset = max(offset, update_id + 1)
            update = self.parse(item)
            if update is not None:
                items.append((item, update))
        return items, offset

    def parse(self, item: dict[str, Any]) -> Update | None:
        """The update, or None (logged by id) when PTB cannot read it."""
        try:
            return Update.de_json(item, self)
        except Exception as error:  # any shape PTB cannot read: skip it, keep serving
            log.warning("skipped update %s: it could not be read (%s)", item.get("update_id"),
                        type(error).__name__)  # fmt: skip
            return None


class Poller:
    """Fetches, records, confirms and hands out updates until ``stop`` is set."""

    def __init__(
        self, bot: PollingBot, *, database: Database, process: Process,
        allowed_updates: Sequence[str], hold: int = POLL_TIMEOUT,
    ) -> None:  # fmt: skip
        self.bot = bot
        self.database = database
        self.process = process
        self.allowed_updates = allowed_updates
        self.hold = hold
        self._working: set[asyncio.Task[None]] = set()
        self._handled: list[int] = []  # handled since the inbox was last written
        self._replayed: set[int] = set()  # taken from the inbox: Telegram may hand them out again

    async def run(self, stop: asyncio.Event) -> None:
        await self._replay()
        offset, backoff = 0, 1.0
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                if len(self._working) >= MAX_IN_WORK:
                    await asyncio.wait({*self._working, stopping},
                                       return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                    continue
                fetch = asyncio.create_task(self.bot.fetch_updates(
                    offset=offset, hold=self.hold, allowed_updates=self.allowed_updates,
                ))  # fmt: skip
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():  # stopping while Telegram holds the poll: nothing handed out
                    fetch.cancel()
                    break
                try:
                    items, next_offset = fetch.result()
                except InvalidToken:
                    raise
                except TelegramError as error:  # 409, 429, 5xx, network
                    log.warning("getUpdates failed (%s); trying again in %.0f s",
                                type(error).__name__, backoff)  # fmt: skip
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, _MAX_BACKOFF)
                    continue
                backoff = 1.0
                items = [(raw, u) for raw, u in items if u.update_id not in self._replayed]
                try:
                    await self._record([raw for raw, _ in items])
                except Exception as error:
                    if not is_unavailable(error):
                        raise
                    # The database is away: the handlers answer each of these with "I can't
                    # reach my memory, send it again", which beats silence until it is back.
                    log.warning("the inbox cannot be written (%s); answering the batch "
                                "without it", type(error).__name__)  # fmt: skip
                offset = next_offset  # the next getUpdates confirms this batch: it is recorded
                for _, update in items:
                    self._start(update)
        finally:
            stopping.cancel()
        # A signal: let the updates in work finish (what does not is still in the inbox).
        if self._working:
            await asyncio.wait(self._working, timeout=SHUTDOWN_GRACE)
        try:
            await self._record([])
        except Exception as error:  # the rows stay; the next start sees they were handled
            log.warning("the inbox could not be cleared at shutdown (%s)", type(error).__name__)
        if offset:  # confirm the last batch, so the next start does not get it again
            await self.bot.fetch_updates(offset=offset, hold=0,
                                         allowed_updates=self.allowed_updates)  # fmt: skip

    async def _replay(self) -> None:
        """Hand out what a poller that was killed left in the inbox."""
        async with self.database.session() as session:
            left = await crud.inbox(session)
        if left:
            log.info("handling %d update(s) left unhandled by the last run", len(left))
        for item in left:
            self._replayed.add(item["update_id"])
            update = self.bot.parse(item)
            if update is None:
                self._handled.append(item["update_id"])
            else:
                self._start(update)

    async def _record(self, items: list[dict[str, Any]]) -> None:
        """Write fetched updates to the inbox and delete the handled ones, in one transaction."""
        handled, self._handled = self._handled, []
        if not items and not handled:
            return
        try:
            async with self.database.engine.begin() as connection:
                await crud.keep_in_inbox(connection, updates=items, handled=handled,
                                         now=datetime.now(UTC))  # fmt: skip
        except BaseException:
            self._handled.extend(handled)
            raise

    def _start(self, update: Update) -> None:
        task = asyncio.create_task(self._handle(update))
        self._working.add(task)
        task.add_done_callback(self._working.discard)

    async def _handle(self, update: Update) -> None:
        try:
            await self.process(update)
        except Exception:  # the handlers report their own errors; this is a last resort
            log.exception("an update could not be handled")
        self._handled.append(update.update_id)


async def serve_polling(
    application: Application[Any, Any, Any, Any, Any, Any], *, process: Process,
    database: Database, allowed_updates: Sequence[str],
) -> None:  # fmt: skip
    """Run the application on long polling until SIGTERM or SIGINT. A signal lets the
    updates in work finish (their replies sent, the batch confirmed) before the process ends."""
    bot = application.bot
    assert isinstance(bot, PollingBot)
    async with running(application) as stop:
        await bot.delete_webhook(drop_pending_updates=False)
        poller = Poller(bot, database=database, process=process, allowed_updates=allowed_updates)
        await poller.run(stop)
