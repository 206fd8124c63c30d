"""The conversation regression cases in cases.yml, run through the NLU and the core: the
intent read and the kind of the first reply (some replies come with a second message)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.conversation import Conversation, Incoming, Sender
from nlu.intents import Intent
from tests.conftest import NOW

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("cases.yml")).read_text(encoding="utf-8")
)


def test_cases_name_real_intents() -> None:
    for case in CASES:
        assert case["intent"] is None or Intent(case["intent"])


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] or "<empty>" for c in CASES])
async def test_case(conversation: Conversation, case: dict[str, Any]) -> None:
    if case["intent"] is not None:
        assert conversation.nlu.parse(case["text"]).intent.value == case["intent"]
    replies = await conversation.handle(Incoming(Sender(telegram_id=1), text=case["text"]), now=NOW)
    assert replies[0].kind == case["reply"]
