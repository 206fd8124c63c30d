"""Telegram's limits on what a message may be, applied to a reply before it is sent: text at
most 4,096 characters and a caption 1,024 (counted, as Telegram does, after the HTML is
parsed), and at most 100 inline buttons under one message.

A long text is split at line boundaries into several messages; a line or a caption that does
not fit is cut inside its text, never inside a tag or an entity (``&amp;``), and the tags
left open are closed. Lengths are counted in UTF-16 code units, Telegram's own unit, so an
emoji counts two.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TypeVar

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
BUTTON_LIMIT = 100
ELLIPSIS = "…"

_TOKEN = re.compile(r"(<[^>]*>)|(&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)|([^<&]+|&)")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_T = TypeVar("_T")


def _visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def length(text: str) -> int:
    """The length Telegram counts for an HTML text: its visible characters, in UTF-16 units."""
    return len(_visible(text).encode("utf-16-le")) // 2


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int) -> str:
    """``text`` if it fits, else cut to ``limit`` (with "…") in its visible text only: whole
    entities, whole tags, and every tag still open closed at the cut."""
    if length(text) <= limit:
        return text
    budget = limit - _units(ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    for match in _TOKEN.finditer(text):
        tag, entity, plain = match.groups()
        if tag is not None:
            name = _TAG_NAME.match(tag)
            if name is not None:
                if tag.startswith("</"):
                    if open_tags and open_tags[-1] == name.group(1).lower():
                        open_tags.pop()
                elif not tag.endswith("/>"):
                    open_tags.append(name.group(1).lower())
            out.append(tag)
            continue
        piece = entity if entity is not None else plain
        visible = html.unescape(piece)
        cost = _units(visible)
        if cost <= budget:
            out.append(piece)
            budget -= cost
            continue
        if entity is None:  # cut plain text by characters; never half a surrogate pair
            kept = ""
            for char in piece:
                if _units(char) > budget:
                    break
                kept += char
                budget -= _units(char)
            out.append(kept)
        break
    out.append(ELLIPSIS)
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(out)


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` as messages of at most ``limit``, split between lines (a line too long for
    one message is cut). Lines of the bot's replies never leave a tag open across them."""
    if length(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        line = fit(line, limit)
        cost = length(line) + (1 if current else 0)
        if current and size + cost > limit:
            parts.append("\n".join(current))
            current, size = [], 0
            cost = length(line)
        current.append(line)
        size += cost
    if current:
        parts.append("\n".join(current))
    return [part for part in parts if _visible(part).strip()] or [fit(text, limit)]


def keyboard_pages(rows: Sequence[Sequence[_T]], limit: int = BUTTON_LIMIT) -> list[list[list[_T]]]:
    """Keyboard rows in pages of at most ``limit`` buttons, rows kept whole (a row itself is
    never more than Telegram's 8 buttons here)."""
    pages: list[list[list[_T]]] = [[]]
    count = 0
    for row in rows:
        if count + len(row) > limit and pages[-1]:
            pages.append([])
            count = 0
        pages[-1].append(list(row))
        count += len(row)
    return pages
