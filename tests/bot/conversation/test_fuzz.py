"""Hostile and random input through the NLU and the conversation core: every message gets a
reply Telegram accepts (valid HTML, at most 4,096 characters, buttons within 64 bytes), and no
exception escapes. Run with ``-s`` to see how many inputs were tried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import Conversation, Incoming, Sender
from knowledge.models import html_problems
from tests.conftest import NOW

FRAGMENTS = [
    "<b>", "</i>", "<a href='x'>", "&", "&amp;", "<script>alert(1)</script>", "**bold**",
    "_it_", "`code`", "[link](http://x)", "'; DROP TABLE users; --", "1 OR 1=1", "%s%n",
    "{name}", "{0}", "\\x00", "\x00", "\u202e", "\u200b", "\ufeff", "🙂", "👍🏽", "🇩🇪",
    "промоушен", "升职", "ترقية", "昇進しました", "prömötion", "promotion", "goal 2",
    "every friday at 5pm", "by June 2027", "is this a promotion?", "/start", "/goals",
    "/forget", "/cancel", "\n", "\t", "   ",
]  # fmt: skip
text_strategy = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=4000, max_size=5000),
    st.sampled_from(["", " ", "\n\n", "🙂" * 300, "a" * 10_000, "<" * 500, "&" * 500]),
)
button_strategy = st.one_of(
    st.text(max_size=70),
    st.sampled_from(["kb:", "jq:", "dym:", "g:", "gk:", "gdel:", "ci:", "nd:", "gs:"]).flatmap(
        lambda prefix: st.text(max_size=40).map(lambda rest: prefix + rest)
    ),
)

TRIED: dict[str, int] = {"messages": 0, "buttons": 0}


def check(replies: list[Any]) -> None:
    assert replies, "every input gets a reply"
    for reply in replies:
        assert 0 < len(reply.text) <= 4096
        assert not html_problems(reply.text), reply.text
        for button in reply.button_list():
            assert 0 < len(button.data.encode()) <= 64
            assert button.label


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(text_strategy, min_size=1, max_size=3))
async def test_random_messages_get_valid_replies(
    conversation: Conversation, texts: list[str]
) -> None:
    for text in texts:
        check(await conversation.handle(Incoming(Sender(telegram_id=7), text=text), now=NOW))
        TRIED["messages"] += 1


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(presses=st.lists(button_strategy, min_size=1, max_size=3))
async def test_random_button_data_gets_valid_replies(
    conversation: Conversation, presses: list[str]
) -> None:
    for data in presses:
        check(await conversation.handle(Incoming(Sender(telegram_id=8), button=data), now=NOW))
        TRIED["buttons"] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_how_many_inputs_were_tried() -> Iterator[None]:
    yield
    print(f"\nfuzzed: {TRIED['messages']} messages, {TRIED['buttons']} button presses")
