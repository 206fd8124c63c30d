"""The /progress chart: drawn from plain data, in its own process, literally and within
Telegram's photo limits whatever the user's goals say."""

from __future__ import annotations

import struct

from bot.charts import MAX_ROWS, ProgressChart, draw, drawn
from bot.conversation import Reply

WEEKS = [f"2026-W{week:02d}" for week in range(41, 49)]


def size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_goal_text_with_dollar_signs_is_drawn_as_text_not_mathtext() -> None:
    chart = ProgressChart.of(["earn $100k by $x^2$", "save $5 a day \\alpha"], WEEKS,
                             {(0, "2026-W48"): "progress", (1, "2026-W47"): "done"})  # fmt: skip
    assert draw(chart).startswith(b"\x89PNG")


def test_many_goals_are_capped_to_a_picture_telegram_accepts() -> None:
    chart = ProgressChart.of([f"goal {n}" for n in range(200)], WEEKS, {})
    assert len(chart.cells) == MAX_ROWS
    assert chart.hidden == 200 - MAX_ROWS
    width, height = size(draw(chart))
    # sendPhoto: width + height at most 10,000 and a side ratio of at most 20.
    assert width + height <= 10_000
    assert max(width, height) / min(width, height) <= 20


def test_a_chart_waits_in_the_outbox_as_data_not_as_a_picture() -> None:
    chart = ProgressChart.of(["Learn SQL"], WEEKS, {(0, "2026-W48"): "progress"})
    stored = Reply.from_json(Reply("text", chart=chart, kind="progress").to_json())
    assert stored.chart == chart
    assert stored.image is None


async def test_replies_with_charts_get_their_pictures() -> None:
    chart = ProgressChart.of(["Learn SQL"], WEEKS, {})
    plain, with_chart = Reply("hello"), Reply("progress", chart=chart, kind="progress")
    first, second = await drawn([plain, with_chart])
    assert first is plain
    assert second.chart is None
    assert second.image is not None
    assert second.image.startswith(b"\x89PNG")
