"""The webhook server: Telegram's updates in over HTTPS (behind a proxy or load balancer),
checked against the secret, handed to the PTB application; plus a health endpoint.

PTB's built-in webhook server has no route for a load balancer's health check, so the bot
serves both routes itself with aiohttp, as PTB's custom-webhook example does with Starlette.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot.channels.lifecycle import running
from bot.storage.db import Database

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000


def webhook_app(
    application: Application[Any, Any, Any, Any, Any, Any], *, path: str, secret: str,
    database: Database,
) -> web.Application:  # fmt: skip
    """The aiohttp app: POST ``path`` for updates, GET /healthz for the load balancer."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="wrong or missing secret token")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError, AttributeError):
            update = None
        if update is None:
            return web.Response(status=400, text="not a Telegram update")
        # Handled before answering: if this replica dies mid-way, Telegram gets no 200 and
        # delivers the update again (to another replica), instead of it being lost in a
        # queue. The update processor still orders each user's updates.
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        try:
            async with database.engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=2)
        except Exception as error:  # any database trouble makes this replica unhealthy
            log.warning("health check: database unavailable (%s)", type(error).__name__)
            return web.json_response({"status": "unavailable", "database": False}, status=503)
        return web.json_response({"status": "ok", "database": True})

    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


async def serve_webhook(
    application: Application[Any, Any, Any, Any, Any, Any], *, url: str, secret: str,
    listen: str, port: int, database: Database, allowed_updates: Sequence[str],
) -> None:  # fmt: skip
    """Run the application behind the webhook server until SIGTERM or SIGINT."""
    path = urlsplit(url).path or "/"
    runner = web.AppRunner(webhook_app(application, path=path, secret=secret, database=database))
    async with running(application) as stop:
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        # Listen first, then tell Telegram where to post.
        await application.bot.set_webhook(url, secret_token=secret,
                                          allowed_updates=list(allowed_updates))  # fmt: skip
        log.info("webhook server listening on %s:%d%s", listen, port, path)
        await stop.wait()
        await runner.cleanup()
