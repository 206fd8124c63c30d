"""The database away for a while: at start the bot waits for it; mid-run each message gets a
"try again" and changes nothing; when it is back the bot goes on, with no stored goal lost.

PostgreSQL is reached through a TCP proxy the test cuts, as a server restart or a failed
network link would."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.bot.channels.conftest import StartBot
from tests.bot.channels.test_telegram import reply_to
from tests.conftest import empty_postgres
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres
ANN = 3001


def _says(log: Path, text: str) -> bool:
    return log.is_file() and text in log.read_text(errors="replace")


async def logged(log: Path, text: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait until a process's log file says ``text`` (a file has no event to wait on)."""
    for _ in range(int(timeout * 10)):
        if _says(log, text):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{log.name} never said {text!r}")


async def test_the_bot_waits_for_the_database_and_survives_an_outage(
    fake: FakeBotApi, start_bot: StartBot, tmp_path: Path
) -> None:
    url = make_url(await empty_postgres())
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port)
        await proxy.down()
        # Started while the database is away: it waits, then serves once it is back.
        starting = asyncio.create_task(start_bot(
            DATABASE_URL=proxied.render_as_string(hide_password=False),
            DATABASE_WAIT_SECONDS="60",
        ))  # fmt: skip
        await logged(tmp_path / "bot-0.log", "the database cannot be reached")
        await asyncio.sleep(1.0)  # another attempt or two
        assert not starting.done()
        assert fake.call_count("setMyCommands") == 0
        await proxy.up()
        bot = await starting

        fake.user_sends(ANN, "set a goal to learn SQL by March")
        assert "Learn SQL" in (await reply_to(fake, ANN, 1))["text"]

        # Mid-run: every message is answered with "try again", and nothing is stored.
        await proxy.down()
        fake.user_sends(ANN, "what are my goals?")
        fake.user_sends(ANN, "set a goal to run a team meeting")
        for number in (2, 3):
            assert "can't reach my memory" in (await reply_to(fake, ANN, number))["text"]

        await proxy.up()
        fake.user_sends(ANN, "what are my goals?")
        goals = (await reply_to(fake, ANN, 4))["text"]
        assert "Learn SQL" in goals
        assert (
            "team meeting" not in goals.lower()
        )  # the message sent during the outage was not half-done
        assert "ERROR" not in bot.log()  # an outage is expected: warnings, not errors
