"""Replies cut and split to Telegram's limits: the text is cut, never the markup, and every
piece is HTML that Telegram (here, the fake Bot API's parser) accepts."""

from __future__ import annotations

import html

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.channels.limits import fit, keyboard_pages, length, split
from tests.fakes.bot_api import parse_html

FRAGMENTS = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40).map(html.escape),
    st.sampled_from(["&amp;", "&lt;", "&gt;", "&quot;", "😀", "👩‍💻", "\n", " ", "é"]),
)


@st.composite
def replies(draw: st.DrawFn) -> str:
    """HTML the way the bot writes it: escaped text, <b> and <i> around parts of it."""
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        text = "".join(draw(st.lists(FRAGMENTS, max_size=6)))
        tag = draw(st.sampled_from(["", "b", "i"]))
        parts.append(f"<{tag}>{text}</{tag}>" if tag else text)
    return "".join(parts)


def visible(text: str) -> int:
    plain, _ = parse_html(text)
    return len(plain.encode("utf-16-le")) // 2


@given(replies(), st.integers(min_value=5, max_value=300))
def test_a_cut_text_is_valid_html_within_the_limit(text: str, limit: int) -> None:
    cut = fit(text, limit)
    assert visible(cut) <= limit
    assert length(cut) == visible(cut)
    if length(text) <= limit:
        assert cut == text


def test_the_cut_falls_between_entities_and_emoji_not_inside_them() -> None:
    text = "<b>Tom &amp; Jerry</b> 😀😀 &lt;tag&gt; and more"
    for limit in range(2, length(text)):
        cut = fit(text, limit)
        plain, _ = parse_html(cut)  # raises on a half entity or an unclosed tag
        assert len(plain.encode("utf-16-le")) // 2 <= limit
        assert "&amp" not in cut.replace("&amp;", "")


@given(st.lists(replies(), min_size=1, max_size=8), st.integers(min_value=50, max_value=400))
def test_a_long_text_is_split_between_lines_into_valid_messages(
    lines: list[str], limit: int
) -> None:
    text = "\n".join(line.replace("\n", " ") for line in lines)
    assume(parse_html(text)[0].strip())  # the bot never sends a blank message
    parts = split(text, limit)
    for part in parts:
        assert 0 < visible(part) <= limit
    if all(length(line) <= limit for line in text.split("\n")) and text.strip():
        kept = "\n".join(parts)
        assert [line for line in kept.split("\n") if line.strip()] == [
            line for line in text.split("\n") if line.strip()
        ]


def test_keyboards_are_paged_by_whole_rows() -> None:
    rows = [[n * 4 + i for i in range(4)] for n in range(26)]  # 26 goals, four buttons each
    pages = keyboard_pages(rows)
    assert [sum(len(row) for row in page) for page in pages] == [100, 4]
    assert [b for page in pages for row in page for b in row] == list(range(104))
