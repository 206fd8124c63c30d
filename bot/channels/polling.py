"""Long polling that loses nothing: a batch is confirmed to Telegram only after it was handled.

python-telegram-bot's ``Updater`` asks for the next batch (which confirms the last one, by
its offset) as soon as it has queued the current one, before a handler has run: a process
killed then loses every queued update. It also parses a whole batch at once, so one update
it cannot parse fails the batch, forever. Here each batch is handled to the end (every
update's changes committed, with its replies, and the replies sent) before the next
``getUpdates`` confirms it; a process killed mid-batch gets the same batch again, and the
delivery claims (``processed_updates``) make the second pass send only what was never sent.
An update that cannot be parsed is skipped with one log line that names it, not its text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ExtBot

from bot.channels.lifecycle import running

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open while there is nothing new
_MAX_BACKOFF = 30.0


class PollingBot(ExtBot[Any]):
    """The bot, with a ``getUpdates`` that parses update by update."""

    async def fetch_updates(
        self, *, offset: int, hold: int, allowed_updates: Sequence[str]
    ) -> tuple[list[Update], int]:
        """The next batch of updates that parse, and the offset that confirms the whole
        batch (unparseable updates included)."""
        data: dict[str, Any] = {"offset": offset, "timeout": hold, "limit": 100,
                                "allowed_updates": list(allowed_updates)}  # fmt: skip
        raw = await self._post("getUpdates", data, read_timeout=hold + 20)
        updates: list[Update] = []
        for item in raw if isinstance(raw, list) else []:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int):
                log.warning("skipped an item of getUpdates that has no update id")
                continue
            offset = max(offset, update_id + 1)
            try:
                update = Update.de_json(item, self)
            except Exception as error:  # any shape PTB cannot read: skip it, keep serving
                log.warning("skipped update %d: it could not be read (%s)", update_id,
                            type(error).__name__)  # fmt: skip
                continue
            updates.append(update)
        return updates, offset


async def handle_batch(
    application: Application[Any, Any, Any, Any, Any, Any], updates: Sequence[Update]
) -> None:
    """Handle every update of a batch to the end: users concurrently, each user's in order."""
    lanes: dict[int, list[Update]] = {}
    for update in updates:
        user = update.effective_user
        lanes.setdefault(user.id if user is not None else -update.update_id, []).append(update)

    async def lane(queue: list[Update]) -> None:
        for update in queue:
            await application.process_update(update)

    await asyncio.gather(*(lane(queue) for queue in lanes.values()))


async def poll(
    application: Application[Any, Any, Any, Any, Any, Any], *, stop: asyncio.Event,
    allowed_updates: Sequence[str], hold: int = POLL_TIMEOUT,
) -> None:  # fmt: skip
    """Fetch, handle and confirm batches until ``stop`` is set."""
    bot = application.bot
    assert isinstance(bot, PollingBot)
    offset, backoff = 0, 1.0
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            fetch = asyncio.create_task(
                bot.fetch_updates(offset=offset, hold=hold, allowed_updates=allowed_updates)
            )
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():  # stopping while Telegram holds the poll: nothing was handed out
                fetch.cancel()
                break
            try:
                updates, offset = fetch.result()
            except InvalidToken:
                raise
            except (Conflict, NetworkError, TelegramError) as error:  # 409, 429, 5xx, network
                log.warning("getUpdates failed (%s); trying again in %.0f s",
                            type(error).__name__, backoff)  # fmt: skip
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            backoff = 1.0
            await handle_batch(application, updates)
        if offset:  # confirm the last batch handled, so the next start does not get it again
            await bot.fetch_updates(offset=offset, hold=0, allowed_updates=allowed_updates)
    finally:
        stopping.cancel()


async def serve_polling(
    application: Application[Any, Any, Any, Any, Any, Any], *, allowed_updates: Sequence[str]
) -> None:
    """Run the application on long polling until SIGTERM or SIGINT. A signal lets the batch
    in hand finish (its replies sent, its offset confirmed) before the process ends."""
    async with running(application) as stop:
        await application.bot.delete_webhook(drop_pending_updates=False)
        await poll(application, stop=stop, allowed_updates=allowed_updates)
