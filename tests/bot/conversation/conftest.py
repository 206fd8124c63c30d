"""Chats with the conversation core (the ``conversation`` fixture is in tests/conftest.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.conversation import Conversation, Incoming, Reply, Sender
from tests.conftest import NOW


class Chat:
    """One user's side of a conversation, pressing buttons by label. Every turn happens at
    ``now`` (a fixed day; a test moves it on), never at the real date."""

    def __init__(self, conversation: Conversation, sender: Sender, now: datetime = NOW) -> None:
        self.conversation = conversation
        self.sender = sender
        self.now = now
        self.last: list[Reply] = []

    async def say(self, text: str | None) -> list[Reply]:
        self.last = await self.conversation.handle(Incoming(self.sender, text=text), now=self.now)
        return self.last

    async def press(self, label: str) -> list[Reply]:
        buttons = [b for reply in self.last for b in reply.button_list()]
        matches = [b for b in buttons if b.label == label]
        assert matches, f"no button {label!r} in {[b.label for b in buttons]}"
        return await self.press_data(matches[0].data)

    async def press_data(self, data: str) -> list[Reply]:
        self.last = await self.conversation.handle(Incoming(self.sender, button=data), now=self.now)
        return self.last


@pytest.fixture
def ann(conversation: Conversation) -> Chat:
    return Chat(conversation, Sender(telegram_id=101, name="Ann"))


@pytest.fixture
def bob(conversation: Conversation) -> Chat:
    return Chat(conversation, Sender(telegram_id=202, name="Bob <b>"))
