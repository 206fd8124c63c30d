"""Button data, formatted and parsed in one place.

Telegram hands back a button's ``callback_data`` (at most 64 bytes) when it is pressed, and
anyone can forge it. Every button the bot makes is ``encode``-d here, and every press is
``decode``-d here against one grammar before any skill sees it: a prefix, then fields of known
shapes (ASCII digits of bounded length for ids, fixed words, ISO weeks, hours and minutes). Data
that does not fit the grammar decodes to None, which the core answers as a stale button.

``kb:<entry>``, ``jq:<question>:<answer>`` (an answer may have two parts),
``dym:<intent>|none``, ``forget:yes|no``, ``menu:judge|goal``, ``g:<action>:<goal id>``,
``gk:<goal id>:<kind>``, ``gdel:yes|no``, ``ci:<goal id>:<status>:<week>``, ``gs:<kind>``,
``nd:offer|pause|resume|stop``, ``nd:day:<0-6>``, ``nd:time:<HH:MM>``, ``nd:tz:<IANA zone>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback data

Field = Callable[[str], str | int | None]


def _pattern(regex: str) -> Field:
    compiled = re.compile(regex, re.ASCII)
    return lambda text: text if compiled.fullmatch(text) else None


def _words(*words: str) -> Field:
    allowed = frozenset(words)
    return lambda text: text if text in allowed else None


def _number(text: str) -> int | None:
    """An id or an index: ASCII digits only (``str.isdigit`` takes "¹" and "٣"), bounded."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text, re.ASCII) else None


def _weekday(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[0-6]", text, re.ASCII) else None


SLUG = _pattern(r"[a-z0-9][a-z0-9_-]{0,47}")
WEEK = _pattern(r"[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])")
HOUR = _pattern(r"[01][0-9]|2[0-3]")  # a clock time is two fields: "nd:time:08:30"
MINUTE = _pattern(r"[0-5][0-9]")
YES_NO = _words("yes", "no")
ZONE = _pattern(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(/[A-Za-z0-9_+-]{1,30}){0,2}")  # an IANA name

# Each prefix: the alternatives its fields may take (a leading word picks the alternative).
GRAMMAR: dict[str, tuple[tuple[Field, ...], ...]] = {
    "kb": ((SLUG,),),
    "jq": ((SLUG, SLUG), (SLUG, SLUG, SLUG)),  # an answer may be "level:up"
    "dym": ((SLUG,),),
    "forget": ((YES_NO,),),
    "menu": ((_words("judge", "goal"),),),
    "g": ((_words("done", "prog", "edit", "del", "kind", "undo"), _number),),
    "gk": ((_number, SLUG),),
    "gdel": ((YES_NO,),),
    "ci": ((_number, _words("progress", "not_yet", "done"), WEEK),),
    "gs": ((SLUG,),),
    "nd": (
        (_words("offer", "pause", "resume", "stop"),),
        (_words("day"), _weekday),
        (_words("time"), HOUR, MINUTE),
        (_words("tz"), ZONE),
    ),
}


@dataclass(frozen=True, slots=True)
class Callback:
    """A decoded press: its prefix and its fields, ids and weekdays as ints."""

    prefix: str
    fields: tuple[str | int, ...]

    def text(self, index: int) -> str:
        value = self.fields[index]
        assert isinstance(value, str)
        return value

    def number(self, index: int) -> int:
        value = self.fields[index]
        assert isinstance(value, int)
        return value


def encode(prefix: str, *fields: str | int) -> str:
    """The data of a button the bot makes; a programming error if the grammar refuses it."""
    data = ":".join([prefix, *map(str, fields)])
    if decode(data) is None:
        raise ValueError(f"not valid button data: {data!r}")
    return data


def decode(data: str) -> Callback | None:
    """The press, or None for data outside the grammar (stale, forged or malformed)."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    prefix, *parts = data.split(":")
    for fields in GRAMMAR.get(prefix, ()):
        if len(parts) != len(fields):
            continue
        values = [parse(part) for parse, part in zip(fields, parts, strict=True)]
        if all(value is not None for value in values):
            return Callback(prefix, tuple(v for v in values if v is not None))
    return None
