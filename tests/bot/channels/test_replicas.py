"""Three webhook replicas on one PostgreSQL behind a (simulated) load balancer: every update is
answered once, even when Telegram delivers it twice or a replica is killed, and every due nudge
is sent once, even when a replica is killed in the middle of its nudge run."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from itertools import cycle
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.storage.db import Database
from tests.bot.channels.conftest import BotProcess, StartBot, free_port
from tests.bot.channels.test_telegram import wait_for_port
from tests.conftest import empty_postgres
from tests.fakes.bot_api import FakeBotApi

pytestmark = pytest.mark.postgres
SECRET = "replica-secret_42"
USERS = range(5001, 5031)


async def deliver(fake: FakeBotApi, urls: list[str], update: dict[str, object]) -> None:
    """Post an update as a load balancer would: the next replica, or another if one is down."""
    for url in urls:
        try:
            if await fake.post_update(url, update, secret=SECRET) == 200:
                return
        except aiohttp.ClientError:
            continue  # that replica is gone: try the next one, as Telegram would retry
    raise AssertionError("no replica accepted the update")


async def start_replica(start_bot: StartBot, database_url: str) -> tuple[BotProcess, str]:
    """A webhook replica on a port of its own, looking for due nudges every second."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    replica = await start_bot(DATABASE_URL=database_url, WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET,
                              WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
                              FLOOD_LIMIT="1000", NUDGE_INTERVAL_SECONDS="1",
                              NUDGE_STALE_CLAIM_SECONDS="3")  # fmt: skip
    await wait_for_port(port)
    return replica, url


def nudges_to(fake: FakeBotApi, user: int) -> list[dict[str, Any]]:
    return [m for m in fake.sent(user) if "weekly growth nudge" in m.get("text", "")]


async def test_three_replicas_answer_each_update_once_and_send_each_nudge_once(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    database_url = await empty_postgres()
    replicas, urls = [], []
    for _ in range(3):
        replica, url = await start_replica(start_bot, database_url)
        replicas.append(replica)
        urls.append(url)

    # 30 users, 8 messages each, spread over the replicas; every tenth update delivered twice.
    # Halfway, one replica is killed; its supervisor starts a new one a little later.
    texts = ["hi", "what is a promotion?", "I moved from sales to marketing at the same pay",
             "set a goal to learn SQL", "I'm in Berlin", "nudge me on Fridays at 5pm",
             "what are my goals?", "thanks"]  # fmt: skip
    updates = [fake.message_update(user, text) for text in texts for user in USERS]
    order = cycle(range(3))
    restart: asyncio.Task[tuple[BotProcess, str]] | None = None
    for number, update in enumerate(updates):
        first = next(order)
        targets = urls[first:] + urls[:first]
        await deliver(fake, targets, update)
        if number % 10 == 0:
            await deliver(fake, targets[1:] + targets[:1], update)  # a redelivery elsewhere
        if number == len(updates) // 2:
            await kill(replicas[0])
            restart = asyncio.create_task(start_replica(start_bot, database_url))
    assert restart is not None
    replicas[0], urls[0] = await restart
    await fake.wait_for(lambda: all(fake.sent_count(u) >= len(texts) for u in USERS) or None,
                        timeout=60, what="a reply to every message")  # fmt: skip
    await asyncio.sleep(1.0)
    for user in USERS:
        sent = fake.sent(user)
        assert len(sent) == len(texts), (user, [m.get("text", "")[:40] for m in sent])

    # Every nudge falls due at once. Telegram holds the sends, so each replica is in the middle
    # of its nudge run, one send waiting, when one of them is killed. Its send never reached
    # Telegram; after NUDGE_STALE_CLAIM_SECONDS another replica takes the claim over.
    fake.hold("sendMessage")
    database = Database(database_url)
    try:
        async with database.session() as session:
            # A minute ago by the clock the replicas read (the server's clock may differ:
            # this suite also runs with the clock shifted by libfaketime).
            due = await session.execute(
                text("UPDATE nudge_schedules SET next_due_at = :due"),
                {"due": datetime.now(UTC) - timedelta(minutes=1)},
            )
            await session.commit()
    finally:
        await database.dispose()
    assert due.rowcount == len(USERS)  # type: ignore[attr-defined]
    await fake.wait_for(lambda: fake.held["sendMessage"] == 3 or None, timeout=30,
                        what="a nudge send waiting in each replica")  # fmt: skip
    await kill(replicas[1])
    await asyncio.sleep(1.0)  # the fake sees the killed replica's connection close
    fake.release("sendMessage")
    await fake.wait_for(lambda: all(nudges_to(fake, u) for u in USERS) or None, timeout=60,
                        what="a nudge to every user")  # fmt: skip
    await asyncio.sleep(4.0)  # past another stale-claim period: nothing more may come
    assert [call.status for call in fake.calls_of("sendMessage")].count(499) == 1
    for user in USERS:
        assert len(nudges_to(fake, user)) == 1, user


async def kill(replica: BotProcess) -> None:
    assert replica.process is not None
    replica.process.send_signal(signal.SIGKILL)
    await replica.process.wait()
