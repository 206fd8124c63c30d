"""Random updates through the real Telegram adapter: messages, edits, button presses and
membership changes, in private chats and groups, with hostile texts and forged button data,
against the fake Bot API with Telegram's limits on. Nothing the fake refuses (no 4xx), no
error in the bot's log, and no reply that carries another user's private words: each user's
goal holds a secret word that may only ever appear in that user's own private chat, and
never in the log, which is written at DEBUG."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from tests.bot.channels.conftest import StartBot
from tests.fakes.bot_api import FakeBotApi

USERS = [9101, 9102, 9103, 9104]
GROUPS = [-100910, -100911]
SECRETS = {user: f"Quaszork{index}x" for index, user in enumerate(USERS)}
TEXTS = [
    "", " ", "🙂🙂🙂", "привет", "升职了吗", "/goals", "/progress", "/nudge", "/export", "/help",
    "/goals@careerbot_test_bot", "/start goals", "/start ../../etc", "/goal", "<b>bold</b> &amp;",
    "is this a promotion?", "I was made team lead at my company", "what is a lateral move?",
    "nudge me on Fridays at 5pm", "I'm in UTC+10", "I'm in Etc/GMT+12", "done with goal 1",
    "a" * 5000, "&" * 300, "<" * 300, "$x^2$ goal", "by June 2025", "\u202e\u200b", "yes", "no",
    "@careerbot_test_bot hi", "set a goal to learn SQL by June",
]  # fmt: skip
DATA = ["g:done:1", "gk:¹", "nd:day:²", "g:done:" + "9" * 60, "kb:what-is-promotion",
        "forget:yes", "gdel:yes", "nd:time:08:00", "ci:1:done:2026-W48", "x" * 64, "dym:none",
        "gs:promotion", "jq:same_org:yes", "menu:goal", ":", "nd:pause"]  # fmt: skip


def random_update(fake: FakeBotApi, rng: random.Random) -> dict[str, Any]:
    user = rng.choice(USERS)
    kind = rng.choices(["private", "group", "press", "edit", "member"], [6, 2, 3, 1, 1])[0]
    text = rng.choice(TEXTS)
    if kind == "group":
        return fake.group_message_update(user, rng.choice(GROUPS), text or "/help")
    if kind == "press":
        chat = fake.sent(user)
        if chat:
            return fake.callback_update(user, rng.choice(chat)["message_id"], rng.choice(DATA))
    if kind == "edit":
        message = fake.message_update(user, "set a goal to learn SQL")["message"]
        edited = dict(message, text=text or "x", edit_date=message["date"] + 1)
        return {"update_id": fake._next_update(), "edited_message": edited}
    if kind == "member":
        return fake.my_chat_member_update(user, status=rng.choice(["kicked", "member"]))
    return fake.message_update(user, text)


async def test_random_updates_are_answered_within_telegrams_rules_and_never_leak(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    bot = await start_bot(FLOOD_LIMIT="1000")
    for user, secret in SECRETS.items():
        fake.user_sends(user, f"set a goal to leave {secret} for a competitor by June")
    await fake.wait_for(lambda: all(fake.sent(user) for user in USERS) or None, timeout=30,
                        what="the goals to be saved")  # fmt: skip
    rng = random.Random(20261201)
    for _ in range(300):
        update = random_update(fake, rng)
        chat = update.get("message", {}).get("chat", {}).get("id")
        if chat in USERS and fake._chats[chat].blocked:
            fake.user_unblocks(chat)  # a user who writes again has unblocked the bot
        fake.enqueue(update)
        if rng.random() < 0.1:
            await asyncio.sleep(0.05)
    await fake.wait_for(lambda: not fake.pending_updates or None, timeout=60,
                        what="every update to be fetched")  # fmt: skip
    await asyncio.sleep(3.0)  # the last ones handled and answered

    refused = [(c.method, c.status, c.description) for c in fake.calls
               if 400 <= c.status < 500 and c.status != 403]  # fmt: skip
    assert not refused, refused[:5]
    log = bot.log()  # written at LOG_LEVEL=DEBUG
    assert " ERROR " not in log
    assert "Traceback" not in log
    assert not [secret for secret in SECRETS.values() if secret in log]  # no message text
    for chat in [*USERS, *GROUPS]:
        for message in fake.sent(chat):
            shown = " ".join(str(message.get(key) or "") for key in ("text", "caption"))
            leaked = [s for user, s in SECRETS.items() if s in shown and user != chat]
            assert not leaked, (chat, leaked)
