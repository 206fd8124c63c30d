"""The console chat: the same conversation core in a terminal, state in the same database.

Buttons are listed with numbers; type the number or the button's text to press it.
"""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path
from typing import TextIO

from bot.conversation import Button, Conversation, Incoming, Reply, Sender

QUIT = {"/quit", "/exit"}
_TAG = re.compile(r"<(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|a|blockquote)\b[^>]*>")
_STYLES = {"b": "1", "strong": "1", "i": "3", "em": "3", "u": "4", "ins": "4", "code": "2"}


def render(reply: Reply, *, color: bool = False) -> str:
    """A reply as terminal text: tags become ANSI styles (or nothing), buttons a numbered list."""

    def style(match: re.Match[str]) -> str:
        code = _STYLES.get(match.group(2))
        if not color or code is None:
            return ""
        return "\033[0m" if match.group(1) else f"\033[{code}m"

    lines = [html.unescape(_TAG.sub(style, reply.text))]
    if reply.image is not None:
        lines.append(f"[a picture, {len(reply.image):,} bytes]")
    if reply.document is not None:
        lines.append(f"[a file: {reply.document[0]}, {len(reply.document[1]):,} bytes]")
    for number, button in enumerate(reply.button_list(), start=1):
        lines.append(f"  [{number}] {button.label}")
    return "\n".join(lines)


def pressed(text: str, buttons: list[Button]) -> Button | None:
    """The button a typed line chooses: its number or its label; None for a plain message."""
    choice = text.strip()
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        return buttons[int(choice) - 1]
    return next((b for b in buttons if b.label.casefold() == choice.casefold()), None)


def _save(name: str, content: bytes) -> Path:
    """Write a file the bot sent (a data export) into the working directory."""
    path = Path(name).resolve()
    path.write_bytes(content)
    return path


async def _answer(conversation: Conversation, incoming: Incoming) -> list[Reply]:
    """The core's replies, or, when it fails, its apology: the chat goes on."""
    try:
        return await conversation.handle(incoming)
    except Exception as error:  # the user gets an answer, and the next line is read
        return [conversation.apology(error)]


async def chat(
    conversation: Conversation, *, user: str, stdin: TextIO, stdout: TextIO, color: bool = False
) -> None:
    """Talk to the bot until end of input or /quit."""
    sender = Sender(console_name=user, name=user)
    print(f"careerbot console chat as {user!r}. Try /start or /help; /quit or Ctrl-D leaves.",
          file=stdout, flush=True)  # fmt: skip
    buttons: list[Button] = []
    while True:
        print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in QUIT:
            print(file=stdout)
            return
        text = line.rstrip("\r\n")
        button = pressed(text, buttons)
        incoming = Incoming(sender, button=button.data) if button else Incoming(sender, text=text)
        replies = await _answer(conversation, incoming)
        buttons = [b for reply in replies for b in reply.button_list()]
        for reply in replies:
            print(render(reply, color=color), file=stdout, flush=True)
            if reply.document is not None:
                path = await asyncio.to_thread(_save, *reply.document)
                print(f"[saved to {path}]", file=stdout, flush=True)
