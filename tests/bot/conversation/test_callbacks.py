"""Button data has one grammar: what the bot encodes decodes to the same fields, and data
outside the grammar (forged, malformed, digits that only look like digits, numbers too big)
decodes to None and is answered as a stale button, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import Conversation, Incoming, Sender
from bot.conversation.callbacks import GRAMMAR, MAX_BYTES, decode, encode
from tests.conftest import NOW

MADE = [
    ("kb", "what-is-promotion"), ("jq", "level", "up"), ("jq", "what_changed", "level", "up"),
    ("dym", "ask_knowledge"), ("forget", "yes"), ("menu", "goal"), ("g", "done", 12),
    ("gk", 12, "skills"), ("gdel", "no"), ("ci", 12, "not_yet", "2026-W48"),
    ("gs", "promotion"), ("nd", "pause"), ("nd", "day", 4), ("nd", "time", "08", "30"),
]  # fmt: skip
HOSTILE = ["gk:¹", "nd:day:²", "g:done:" + "9" * 57, "g:done:٣", "ci:1:done:2026-W99",
           "nd:time:24:00", "nd:day:7", "kb:", ":", "", "g:done:1:extra", "x" * 65,
           "kb:WHAT", "g:done:-1", "nd:time:8:30", "jq:level"]  # fmt: skip


@pytest.mark.parametrize("fields", MADE, ids=lambda f: ":".join(map(str, f)))
def test_what_the_bot_encodes_decodes_to_the_same_fields(fields: tuple[str | int, ...]) -> None:
    prefix, *rest = fields
    data = encode(prefix, *rest)
    assert len(data.encode()) <= MAX_BYTES
    press = decode(data)
    assert press is not None
    assert (press.prefix, *press.fields) == fields


@pytest.mark.parametrize("data", HOSTILE)
def test_data_outside_the_grammar_decodes_to_none(data: str) -> None:
    assert decode(data) is None


def test_the_bot_cannot_make_a_button_outside_the_grammar() -> None:
    with pytest.raises(ValueError, match="not valid button data"):
        encode("g", "done", "¹")


lookalike_digits = st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1,
                           max_size=70)  # fmt: skip
hostile = st.one_of(
    st.text(max_size=80),
    st.tuples(st.sampled_from(sorted(GRAMMAR)), st.lists(
        st.one_of(lookalike_digits, st.text(max_size=10), st.integers().map(str)), max_size=4,
    )).map(lambda t: ":".join([t[0], *t[1]])),
)  # fmt: skip


@given(hostile)
def test_decoding_never_raises_and_accepts_only_ascii_numbers(data: str) -> None:
    press = decode(data)
    if press is not None:
        assert data.isascii()
        assert all(not isinstance(f, int) or 0 <= f < 10**18 for f in press.fields)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.one_of(hostile, st.sampled_from(HOSTILE)))
async def test_hostile_presses_are_stale_buttons(conversation: Conversation, data: str) -> None:
    replies = await conversation.handle(Incoming(Sender(telegram_id=9), button=data), now=NOW)
    assert replies
    if decode(data) is None:
        assert [reply.kind for reply in replies] == ["stale_button"]
