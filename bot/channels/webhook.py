"""The webhook server: Telegram's updates in over HTTPS (behind a proxy or load balancer),
checked against the secret, handed to the PTB application; plus a health endpoint.

PTB's built-in webhook server has no route for a load balancer's health check, so the bot
serves both routes itself with aiohttp, as PTB's custom-webhook example does with Starlette.

Nobody can hold the server open: a connection that sends no complete request headers within
the idle timeout (from when it opened, or from its last answer) is closed, a body slower than
the body timeout gets 408, and beyond ``max_connections`` open connections a new one is
answered 503 and closed, so idle or trickling clients cannot use up the file descriptors
Telegram's deliveries need.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot.channels.lifecycle import running
from bot.channels.polling import Process
from bot.storage.db import Database

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    max_connections: int = 200
    idle_timeout: float = 15.0  # seconds
    body_timeout: float = 10.0


_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


class _Busy(asyncio.Protocol):
    """The answer to a connection over the limit: 503, then closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_BUSY)
        transport.close()


class _Connections:
    """The server's protocol factory: aiohttp's handler for each connection up to the limit,
    counted from the moment it is accepted (aiohttp's own list fills in a loop turn later)."""

    def __init__(self, server: web.Server, limit: int) -> None:
        self.server = server
        self.limit = limit
        self.open = 0

    def __call__(self) -> asyncio.Protocol:
        if self.open >= self.limit:
            return _Busy()
        self.open += 1
        return _Counted(self.server(), self)


class _Counted(asyncio.Protocol):
    """aiohttp's handler for one connection, which is uncounted when it closes."""

    def __init__(self, handler: asyncio.Protocol, connections: _Connections) -> None:
        self.handler = handler
        self.connections = connections

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.handler.data_received(data)

    def eof_received(self) -> bool | None:
        return self.handler.eof_received()

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.open -= 1
        self.handler.connection_lost(exc)


def webhook_app(
    application: Application[Any, Any, Any, Any, Any, Any], *, process: Process, path: str,
    secret: str, database: Database, limits: Limits = Limits(),
) -> web.Application:  # fmt: skip
    """The aiohttp app: POST ``path`` for updates, GET /healthz for the load balancer."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="wrong or missing secret token")
        try:
            body = await asyncio.wait_for(request.read(), timeout=limits.body_timeout)
        except TimeoutError:
            return web.Response(status=408, text="the request body came too slowly",
                                headers={"Connection": "close"})  # fmt: skip
        try:
            data = json.loads(body)
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, OSError,
                RecursionError):  # fmt: skip
            update = None  # not JSON, too deep, or fields PTB cannot read (a date of 1e20)
        if update is None:
            return web.Response(status=400, text="not a Telegram update")
        # Handled before answering: if this replica dies mid-way, Telegram gets no 200 and
        # delivers the update again (to another replica), instead of it being lost in a
        # queue. The update processor still orders each user's updates.
        await process(update)
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
    application: Application[Any, Any, Any, Any, Any, Any], *, process: Process, url: str,
    secret: str, listen: str, port: int, database: Database, allowed_updates: Sequence[str],
    limits: Limits = Limits(),
) -> None:  # fmt: skip
    """Run the application behind the webhook server until SIGTERM or SIGINT."""
    path = urlsplit(url).path or "/"
    app = webhook_app(application, process=process, path=path, secret=secret,
                      database=database, limits=limits)  # fmt: skip
    # aiohttp closes a connection still without a whole request at its keep-alive timeout,
    # counted from when it opened or from its last answer: that is the idle timeout.
    # After a 408 the rest of a slow body is not waited for (aiohttp's lingering_time).
    runner = web.AppRunner(app, keepalive_timeout=limits.idle_timeout, lingering_time=1.0)
    async with running(application) as stop:
        await runner.setup()
        assert runner.server is not None
        connections = _Connections(runner.server, limits.max_connections)
        listener = await asyncio.get_running_loop().create_server(connections, listen, port)
        # Listen first, then tell Telegram where to post.
        await application.bot.set_webhook(url, secret_token=secret,
                                          allowed_updates=list(allowed_updates))  # fmt: skip
        log.info("webhook server listening on %s:%d%s", listen, port, path)
        await stop.wait()
        listener.close()
        await runner.cleanup()
