"""What goes into the conversation core and what comes out, whatever the channel."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from bot.charts import ProgressChart

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,3}", re.ASCII)


def clean(text: str) -> str:
    """Text as it may be stored on every database: without NUL characters (PostgreSQL
    refuses them) and without lone surrogates (no encoding can store them)."""
    text = text.replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote: a Telegram user (by id) or a console user (by name)."""

    telegram_id: int | None = None
    console_name: str | None = None
    name: str = ""
    language: str | None = None

    def __post_init__(self) -> None:
        if (self.telegram_id is None) == (self.console_name is None):
            raise ValueError("a sender is either a Telegram user or a console user")
        # Normalised where it enters: PostgreSQL refuses NUL in text, and the columns are
        # bounded (a first name of 64 characters, a language tag of 16).
        object.__setattr__(self, "name", clean(self.name)[:64])
        if self.console_name is not None:
            object.__setattr__(self, "console_name", clean(self.console_name)[:64] or "you")
        language = self.language
        if language is not None and (len(language) > 16 or not _LANGUAGE_TAG.fullmatch(language)):
            object.__setattr__(self, "language", None)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message (``text``; None for a photo, sticker or other non-text message) or one
    button press (``button``: the button's data)."""

    sender: Sender
    text: str | None = None
    button: str | None = None
    # The channel's id for this delivery (Telegram's update_id): a second delivery of the
    # same id is ignored, so a webhook retry or a replica that died mid-request answers once.
    delivery_id: int | None = None
    # The channel's id of the message whose button was pressed: each button of a message acts
    # once (None where messages have no ids, as in the console).
    keyboard: int | None = None

    def __post_init__(self) -> None:
        if self.text is not None:
            object.__setattr__(self, "text", clean(self.text))


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # at most 64 bytes: Telegram's limit for callback data


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send: Telegram HTML text, rows of buttons, an optional picture (or a
    chart still to be drawn into one, once the reply's transaction has committed).

    ``kind`` names what sort of reply it is ("answer", "verdict", "question", "help"...), for
    tests, logs and channels that render some kinds differently.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    image: bytes | None = None
    kind: str = "text"
    document: tuple[str, bytes] | None = None  # (file name, content), e.g. a data export
    chart: ProgressChart | None = None
    verdict: str | None = None  # a judgement's verdict ("promotion"... "unclear" when it asks)

    def button_list(self) -> list[Button]:
        """Every button, row by row (the console numbers them in this order)."""
        return [button for row in self.buttons for button in row]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form, for the outbox that keeps a reply until it has been sent."""
        rows = [[[button.label, button.data] for button in row] for row in self.buttons]
        data: dict[str, Any] = {"text": self.text, "kind": self.kind, "buttons": rows}
        if self.image is not None:
            data["image"] = base64.b64encode(self.image).decode()
        if self.document is not None:
            name, content = self.document
            data["document"] = [name, base64.b64encode(content).decode()]
        if self.chart is not None:
            data["chart"] = self.chart.to_json()
        if self.verdict is not None:
            data["verdict"] = self.verdict
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        document, chart = data.get("document"), data.get("chart")
        return cls(
            text=data["text"], kind=data["kind"],
            buttons=tuple(tuple(Button(label, value) for label, value in row)
                          for row in data["buttons"]),
            image=base64.b64decode(data["image"]) if "image" in data else None,
            document=None if document is None else (document[0], base64.b64decode(document[1])),
            chart=None if chart is None else ProgressChart.from_json(chart),
            verdict=data.get("verdict"),
        )  # fmt: skip
