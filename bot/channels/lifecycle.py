"""How a Telegram channel runs the PTB application: the order of PTB's own ``run_*`` methods
(initialize, post_init, start … stop, shutdown, post_shutdown; the hooks open and close the
database and the nudge loop), ended by SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application


@asynccontextmanager
async def running(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> AsyncIterator[asyncio.Event]:
    """The application started; yields the event that SIGTERM or SIGINT sets."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await application.initialize()
    except BaseException:
        # A rejected token or an unreachable Telegram: the bot's HTTP sessions are open
        # already, and PTB's Application.shutdown skips an application never initialized.
        await application.bot.shutdown()
        raise
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        yield stop
        await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
