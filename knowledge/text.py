"""Small text helpers shared by retrieval, the advisor and the classifier's training data."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

_TAG = re.compile(r"<[^>]+>")


def plain_text(html: str) -> str:
    """A Telegram-HTML answer with its tags replaced by spaces."""
    return _TAG.sub(" ", html)


def nearest_word(word: str, known: Sequence[str], max_edits: int) -> str | None:
    """The known word at most ``max_edits`` edits from ``word`` (the closest), or None."""
    found = process.extractOne(word, known, scorer=Levenshtein.distance, score_cutoff=max_edits)
    return None if found is None else str(found[0])
