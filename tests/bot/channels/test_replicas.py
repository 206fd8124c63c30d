"""Three webhook replicas on one PostgreSQL behind a (simulated) load balancer: every update is
answered once, even when Telegram delivers it twice or a replica is killed, and three
dispatchers racing each send every due nudge once."""

from __future__ import annotations

import asyncio
import signal
from itertools import cycle

import aiohttp
import pytest

from tests.bot.channels.conftest import StartBot, free_port
from tests.bot.channels.test_nudges_e2e import run_once
from tests.bot.channels.test_telegram import wait_for_port
from tests.conftest import empty_postgres
from tests.fakes.bot_api import FakeBotApi

pytestmark = pytest.mark.postgres
SECRET = "replica-secret_42"
USERS = range(5001, 5031)
DUE = "2026-11-27T16:00:00+00:00"


async def deliver(fake: FakeBotApi, urls: list[str], update: dict[str, object]) -> None:
    """Post an update as a load balancer would: the next replica, or another if one is down."""
    for url in urls:
        try:
            if await fake.post_update(url, update, secret=SECRET) == 200:
                return
        except aiohttp.ClientError:
            continue  # that replica is gone: try the next one, as Telegram would retry
    raise AssertionError("no replica accepted the update")


async def test_three_replicas_answer_each_update_once_and_send_each_nudge_once(
    fake: FakeBotApi, start_bot: StartBot, bot_env: dict[str, str]
) -> None:
    database_url = await empty_postgres()
    replicas, urls = [], []
    for _ in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        replicas.append(await start_bot(DATABASE_URL=database_url, WEBHOOK_URL=url,
                                        WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1",
                                        WEBHOOK_PORT=str(port), FLOOD_LIMIT="1000"))  # fmt: skip
        await wait_for_port(port)
        urls.append(url)

    # 30 users, 8 messages each, spread over the replicas; every tenth update delivered twice.
    texts = ["hi", "what is a promotion?", "I moved from sales to marketing at the same pay",
             "set a goal to learn SQL", "I'm in Berlin", "nudge me on Fridays at 5pm",
             "what are my goals?", "thanks"]  # fmt: skip
    updates = [fake.message_update(user, text) for text in texts for user in USERS]
    order = cycle(range(3))
    for number, update in enumerate(updates):
        first = next(order)
        targets = urls[first:] + urls[:first]
        await deliver(fake, targets, update)
        if number % 10 == 0:
            await deliver(fake, targets[1:] + targets[:1], update)  # a redelivery elsewhere
        if number == len(updates) // 2:
            replicas[0].process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
            await replicas[0].process.wait()  # type: ignore[union-attr]
    await fake.wait_for(lambda: all(fake.sent_count(u) >= len(texts) for u in USERS) or None,
                        timeout=60, what="a reply to every message")  # fmt: skip
    await asyncio.sleep(1.0)
    for user in USERS:
        sent = fake.sent(user)
        assert len(sent) == len(texts), (user, [m.get("text", "")[:40] for m in sent])

    # Three dispatchers at once against the same schedules: each nudge goes out once.
    results = await asyncio.gather(*(run_once({**bot_env, "DATABASE_URL": database_url}, DUE)
                                     for _ in range(3)))  # fmt: skip
    assert all(code == 0 for code, _ in results), results
    for user in USERS:
        nudges = [m for m in fake.sent(user) if "weekly growth nudge" in m.get("text", "")]
        assert len(nudges) == 1, user
