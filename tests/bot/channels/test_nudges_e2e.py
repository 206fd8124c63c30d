"""End to end: a user sets a goal and a nudge in Telegram, then `careerbot nudges run-once`
delivers it through the fake Bot API, exactly once, and a user who blocked the bot is marked."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.bot.channels.conftest import ROOT, StartBot
from tests.bot.channels.test_telegram import ANN, BOB, buttons, reply_to
from tests.fakes.bot_api import FakeBotApi


def stored_due_times(env: dict[str, str]) -> list[datetime]:
    """Each schedule's ``next_due_at`` as the bot stored it: the bot schedules from the real
    clock, so the test takes its dates from what the bot wrote, never from a calendar."""
    path = env["DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT next_due_at FROM nudge_schedules").fetchall()
    return [datetime.fromisoformat(value).replace(tzinfo=UTC) for (value,) in rows]


async def run_once(env: dict[str, str], now: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "nudges", "run-once", "--now", now, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode()


async def test_a_weekly_nudge_arrives_once_and_its_buttons_check_in(
    fake: FakeBotApi, start_bot: StartBot, bot_env: dict[str, str]
) -> None:
    bot = await start_bot()
    for user in (ANN, BOB):
        fake.user_sends(user, "I want to become a team lead by June 2027")
        fake.user_sends(user, "I'm in Berlin")
        fake.user_sends(user, "nudge me on Fridays at 5pm")
        await fake.wait_for_messages(user, 4, timeout=30)
    await bot.stop()
    due_times = stored_due_times(bot_env)
    assert len(due_times) == 2
    assert len(set(due_times)) == 1  # both chose Fridays at 5pm in Berlin
    due = due_times[0]
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.strftime("%A"), local.strftime("%H:%M")) == ("Friday", "17:00")
    assert timedelta(0) < due - datetime.now(UTC) <= timedelta(days=7)
    just_before, a_week_later = (
        (due - timedelta(seconds=1)).isoformat(),
        (due + timedelta(days=7)).isoformat(),
    )
    fake.user_blocks(BOB)  # while no bot is polling: only the 403 on sending will tell

    code, output = await run_once(bot_env, just_before)
    assert "sent 0, skipped 0, failed 0" in output  # a second before it: not yet
    fake.fail("sendMessage", status=429, retry_after=1)  # Telegram says "slow down" once
    code, output = await run_once(bot_env, due.isoformat())
    assert code == 0, output
    assert "sent 1, skipped 0, failed 1 (of which 1 blocked the bot, 0 given up)" in output
    code, output = await run_once(bot_env, due.isoformat())  # run twice: nothing is sent again
    assert "sent 0, skipped 0, failed 0" in output

    await start_bot()
    nudge = fake.sent(ANN)[-1]
    assert "weekly growth nudge" in nudge["text"]
    assert "Become a team lead" in nudge["text"]
    assert sum("weekly growth nudge" in m.get("text", "") for m in fake.sent(ANN)) == 1
    assert [c.status for c in fake.calls_of("sendMessage")][-3:] == [429, 200, 403]
    count = fake.sent_count(ANN)
    fake.user_presses(ANN, nudge["message_id"], buttons(nudge)["📈 Made progress"])
    logged = await reply_to(fake, ANN, count + 1)
    assert "progress on" in logged["text"]

    fake.fail("sendMessage", status=502, description="Bad Gateway")  # then a retry...
    fake.drop("sendMessage")  # ...whose connection closes: retried again
    code, output = await run_once(bot_env, a_week_later)  # Bob blocked the bot: not retried
    assert "sent 1, skipped 0, failed 0" in output
    assert [c.status for c in fake.calls_of("sendMessage")][-3:] == [502, 499, 200]
    assert sum("weekly growth nudge" in m.get("text", "") for m in fake.sent(ANN)) == 2

    count = fake.sent_count(ANN)
    fake.user_sends(ANN, "/goals")
    listing = await reply_to(fake, ANN, count + 1)
    assert "1. Become a team lead" in listing["text"]
    fake.user_presses(ANN, listing["message_id"], buttons(listing)["✅ 1"])
    assert "marked done" in (await reply_to(fake, ANN, count + 2))["text"]
    fake.user_sends(ANN, "set a goal to learn SQL")
    await reply_to(fake, ANN, count + 3)
    fake.user_sends(ANN, "delete goal 1")
    confirm = await reply_to(fake, ANN, count + 4)
    fake.user_presses(ANN, confirm["message_id"], buttons(confirm)["🗑 Delete"])
    assert "Deleted" in (await reply_to(fake, ANN, count + 5))["text"]


async def test_run_once_refuses_a_time_without_a_zone(bot_env: dict[str, str]) -> None:
    code, output = await run_once(bot_env, "2026-11-27T16:00:00")
    assert code == 2
    assert "needs a timezone" in output
