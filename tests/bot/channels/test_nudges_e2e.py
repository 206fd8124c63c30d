"""End to end: a user sets a goal and a nudge in Telegram, then `careerbot nudges run-once`
delivers it through the fake Bot API, exactly once, and a user who blocked the bot is marked."""

from __future__ import annotations

import asyncio
import sys

from tests.bot.channels.conftest import ROOT, StartBot
from tests.bot.channels.test_telegram import ANN, BOB, buttons, reply_to
from tests.fakes.bot_api import FakeBotApi

# Friday 27 November 2026, 17:00 in Berlin (UTC+1 in winter).
JUST_BEFORE = "2026-11-27T15:59:59+00:00"
DUE = "2026-11-27T16:00:00+00:00"
A_WEEK_LATER = "2026-12-04T16:00:00+00:00"


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
    fake.user_blocks(BOB)  # while no bot is polling: only the 403 on sending will tell

    code, output = await run_once(bot_env, JUST_BEFORE)
    assert "sent 0, skipped 0, failed 0" in output  # 16:59:59 in Berlin: not yet
    fake.fail("sendMessage", status=429, retry_after=1)  # Telegram says "slow down" once
    code, output = await run_once(bot_env, DUE)
    assert code == 0, output
    assert "sent 1, skipped 0, failed 1 (of which 1 blocked the bot)" in output
    code, output = await run_once(bot_env, DUE)  # run twice: nothing is sent again
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
    code, output = await run_once(bot_env, A_WEEK_LATER)  # Bob blocked the bot: not retried
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
