"""Replies Telegram would refuse as they are (too long a text or caption, too many buttons)
are split so that every part is accepted: the fake Bot API refuses what Telegram refuses."""

from __future__ import annotations

from tests.bot.channels.conftest import StartBot
from tests.fakes.bot_api import FakeBotApi

ANN = 8001
TOPICS = ["distributed systems & <queues>", "public speaking at meetups 🎤", "Spanish for work"]


async def test_many_long_goals_list_chart_and_keyboard_within_telegrams_limits(
    fake: FakeBotApi, start_bot: StartBot
) -> None:
    await start_bot(FLOOD_LIMIT="1000")
    for number in range(26):
        topic = TOPICS[number % len(TOPICS)]
        fake.user_sends(ANN, f"set a goal to learn {topic} part {number} and practise with "
                             "colleagues every week until I can run meetings and workshops and "
                             "reviews on it")  # fmt: skip
    await fake.wait_for_messages(ANN, 26, timeout=60)
    sent = len(fake.sent(ANN))

    fake.user_sends(ANN, "/goals")
    await fake.wait_for(lambda: len(fake.sent(ANN)) >= sent + 3 or None, timeout=20,
                        what="the goal list in several messages")  # fmt: skip
    listing = fake.sent(ANN)[sent:]
    text = "\n".join(message["text"] for message in listing)
    assert all(f"{number}. " in text for number in range(1, 27))  # every goal is listed
    buttons = [b for m in listing for row in (m.get("reply_markup") or {}).get(
        "inline_keyboard", []) for b in row]  # fmt: skip
    assert len(buttons) == 26 * 4  # every goal's buttons, over more than one message

    sent = len(fake.sent(ANN))
    fake.user_sends(ANN, "/progress")

    def progress_text() -> str | None:
        text = "\n".join(m.get("text") or "" for m in fake.sent(ANN)[sent:])
        return text if "part 25" in text else None

    await fake.wait_for(progress_text, timeout=30, what="the chart's text, after the chart")
    assert "photo" in fake.sent(ANN)[sent]
    assert fake.call_count("sendMessage") + fake.call_count("sendPhoto") == len(fake.sent(ANN))
