"""One user cannot stall everyone: a user flooding the heaviest request there is (a /progress
chart of many goals) leaves the other users' round trips within twice their quiet value, in
polling mode with SQLite's single connection, where a chart drawn inside the transaction or
on the event loop would hold everybody up. And nobody can hold the webhook server open:
idle, slow-header and slow-body connections are closed, and beyond the connection limit a new
connection is turned away while Telegram's deliveries still get through."""

from __future__ import annotations

import asyncio
import contextlib
import time

from tests.bot.channels.conftest import StartBot, free_port
from tests.bot.channels.test_telegram import wait_for_port
from tests.fakes.bot_api import FakeBotApi

HEAVY = 5000
OTHERS = [5001, 5002, 5003, 5004, 5005]
QUESTIONS = ["what is a promotion?", "what is a lateral move?", "hi", "thanks!"]
ROUNDS = 12


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def round_trips(fake: FakeBotApi, rounds: int) -> list[float]:
    """Each of the other users asks ``rounds`` questions, one at a time; the seconds each
    took from the update queued at the fake to the reply arriving there."""

    async def talk(user: int) -> list[float]:
        times = []
        for index in range(rounds):
            count = fake.sent_count(user)
            began = time.perf_counter()
            fake.user_sends(user, QUESTIONS[index % len(QUESTIONS)])
            await fake.wait_for_messages(user, count + 1, timeout=30)
            times.append(time.perf_counter() - began)
            await asyncio.sleep(0.6)  # people pause (and stay within the flood limit)
        return times

    results = await asyncio.gather(*(talk(user) for user in OTHERS))
    return [seconds for times in results for seconds in times]


async def test_a_user_flooding_charts_does_not_slow_the_others(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot()
    # The heavy user: twenty goals (within the flood limit of 10 per 5 s), so each /progress
    # draws the biggest chart there is.
    for wave in range(2):
        for index in range(10):
            fake.user_sends(HEAVY, f"I want to learn skill number {10 * wave + index} by June")
        await fake.wait_for_messages(HEAVY, 10 * (wave + 1), timeout=30)
        if wave == 0:
            await asyncio.sleep(5.2)
    await round_trips(fake, 3)  # warm-up: the first answers load what they need
    quiet = await round_trips(fake, ROUNDS)

    flooding = asyncio.Event()

    async def flood() -> None:
        while not flooding.is_set():
            for _ in range(15):  # 10 pass, one is asked to slow down, the rest are dropped
                fake.user_sends(HEAVY, "/progress")
            await asyncio.sleep(1.0)

    flooder = asyncio.create_task(flood())
    try:
        await fake.wait_for(lambda: any(m.get("photo") for m in fake.sent(HEAVY)) or None,
                            timeout=30, what="the first chart")  # fmt: skip
        loaded = await round_trips(fake, ROUNDS)
    finally:
        flooding.set()
        await flooder
    charts = sum(1 for message in fake.sent(HEAVY) if message.get("photo"))
    assert charts >= 5, "the flood never got going: the test proves nothing"
    assert any("a lot of messages" in (m.get("text") or "") for m in fake.sent(HEAVY))
    print(f"others' p95: quiet {p95(quiet) * 1000:.1f} ms, while one user floods charts "
          f"{p95(loaded) * 1000:.1f} ms; {charts} charts drawn")  # fmt: skip
    assert p95(loaded) <= 2 * p95(quiet)


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """What the server sent before it closed the connection, which it must do in time."""
    async with asyncio.timeout(seconds):
        return await reader.read()


async def test_the_webhook_server_sheds_idle_slow_and_surplus_connections(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    secret = "s3cret-value_1"
    await start_bot(WEBHOOK_URL=url, WEBHOOK_SECRET=secret, WEBHOOK_LISTEN="127.0.0.1",
                    WEBHOOK_PORT=str(port), WEBHOOK_MAX_CONNECTIONS="20",
                    WEBHOOK_IDLE_TIMEOUT_SECONDS="1.5",
                    WEBHOOK_BODY_TIMEOUT_SECONDS="1.5")  # fmt: skip
    await fake.wait_for(lambda: fake.webhook_url or None, what="setWebhook")
    await wait_for_port(port)

    opened: list[asyncio.StreamWriter] = []

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        opened.append(writer)
        return reader, writer

    # An idle connection, and one trickling its headers a byte at a time, are closed.
    idle, _ = await connect()
    trickle_reader, trickle = await connect()
    trickle.write(b"POST /telegram HTTP/1.1\r\nHost: x\r\n")

    async def keep_trickling() -> None:
        for _ in range(20):
            trickle.write(b"X")
            await asyncio.sleep(0.2)

    trickling = asyncio.create_task(keep_trickling())
    await closed_within(idle, 5)
    await closed_within(trickle_reader, 5)
    trickling.cancel()

    # Headers in time, the body too slow: 408.
    slow_reader, slow = await connect()
    slow.write(f"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
               f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n\r\n{{".encode())  # fmt: skip
    assert b" 408 " in (await closed_within(slow_reader, 5)).split(b"\r\n")[0]

    # Twenty connections held open: the next is turned away with 503 ...
    held = [await connect() for _ in range(20)]
    surplus, _ = await connect()
    assert (await closed_within(surplus, 5)).startswith(b"HTTP/1.1 503")
    for _, writer in held:
        writer.close()
    # ... and once they are gone, Telegram's delivery is answered.
    await asyncio.sleep(0.2)
    for writer in opened:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    update = fake.message_update(6001, "what is a promotion?")
    assert await fake.post_update(url, update, secret=secret) == 200
    [answer] = await fake.wait_for_messages(6001, 1, timeout=20)
    assert "Source:" in answer["text"]
