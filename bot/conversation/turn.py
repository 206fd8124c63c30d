"""One message's unit of work: the user, their open dialogue step, what changes, the replies."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.messages import Button, Reply
from bot.conversation.steps import Step
from bot.storage.models import DialogueState, User


def escape(text: str) -> str:
    """Text made safe for Telegram HTML (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


@dataclass(slots=True)
class Turn:
    """One message's work: the user, their open dialogue step, and what changes."""

    session: AsyncSession
    user: User
    state: DialogueState | None
    now: datetime
    opened: tuple[Step, dict[str, Any]] | None = None
    closed: bool = False
    forgotten: bool = False
    replies: list[Reply] = field(default_factory=list)

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def greeting_name(self) -> str:
        """ ", Ann" to put after "Hi" (escaped), or nothing when the name is unknown."""
        return f", {escape(self.user.name)}" if self.user.name else ""

    @property
    def step(self) -> Step | None:
        """The open step's kind (None when none is open, or it was closed in this turn)."""
        if self.state is None or self.closed:
            return None
        try:
            return Step(self.state.kind)
        except ValueError:  # a step of an older version: nothing to answer
            return None

    def pending(self, kind: Step) -> dict[str, Any] | None:
        """The open step's data when it is of this kind."""
        if self.state is None or self.closed or self.state.kind != kind:
            return None
        return self.state.data

    def open(self, kind: Step, data: dict[str, Any]) -> None:
        self.opened, self.closed = (kind, data), False

    def close(self) -> None:
        self.opened, self.closed = None, True

    def say(
        self, kind: str, text: str, buttons: list[list[Button]] | None = None, **extra: Any
    ) -> None:
        rows = tuple(tuple(row) for row in buttons or ())
        self.replies.append(Reply(text, rows, kind=kind, **extra))
