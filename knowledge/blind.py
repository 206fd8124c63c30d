"""First scores on blind sets: sets written by people who read only the two documents (for
questions) or the verdict definitions (for situations), never this repository.

Only aggregates come out (overall and per style): a blind set whose misses were read would
become a development set, so no function here returns or prints a miss.

Situations (``tests/eval/holdout/judge_*.jsonl``): ``text``, ``accept`` (every verdict a
careful advisor would accept), ``best``, ``style``, ``writer``, and for replies to a
follow-up question ``previous`` (the user's first message and the bot's question).
Questions (``tests/eval/holdout/kb_*.jsonl``): ``text``, ``answerable``, ``document`` and
``section`` (where the documents answer it) and ``also`` (other sections that do), ``style``.
An answer is right when the entry chosen cites the section the writer named (or one of
``also``); an unanswerable question is right when it falls back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from knowledge.models import KnowledgeBase
from knowledge.retrieval import Retriever

Row = Mapping[str, Any]


def _rates(counts: Mapping[str, int], total: int) -> dict[str, float | int]:
    return {"n": total, **{key: round(value / total, 3) for key, value in counts.items()}}


def _by_style(
    rows: Iterable[Row], outcome: Callable[[Row], str], names: tuple[str, ...]
) -> dict[str, Any]:
    """Share of each outcome overall and per style (only counts, never which row)."""
    overall: dict[str, int] = dict.fromkeys(names, 0)
    styles: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(names, 0))
    sizes: dict[str, int] = defaultdict(int)
    total = 0
    for row in rows:
        result = outcome(row)
        overall[result] += 1
        style = str(row.get("style", "?"))
        styles[style][result] += 1
        sizes[style] += 1
        total += 1
    return {
        "overall": _rates(overall, max(total, 1)),
        "by_style": {style: _rates(styles[style], sizes[style]) for style in sorted(styles)},
    }


def situation_text(row: Row) -> str:
    """The situation as one message: a reply to a follow-up comes after the first message."""
    earlier = [turn["user"] for turn in row.get("previous", []) if "user" in turn]
    return " ".join([*earlier, row["text"]])


def score_judge(rows: Iterable[Row], verdict_of: Callable[[str], str]) -> dict[str, Any]:
    """accepted / confidently_wrong (a verdict that is not accepted and is not "unclear") /
    needless_unclear (asked where a careful reader would not have)."""

    def outcome(row: Row) -> str:
        verdict = verdict_of(situation_text(row))
        if verdict in row["accept"]:
            return "accepted"
        return "needless_unclear" if verdict == "unclear" else "confidently_wrong"

    return _by_style(rows, outcome, ("accepted", "confidently_wrong", "needless_unclear"))


def _sections(kb: KnowledgeBase, entry_id: str) -> set[tuple[str, str]]:
    entry = kb.entry(entry_id)
    return {(source.document, source.section) for source in entry.sources}


def _expected(row: Row, titles: Mapping[str, str]) -> set[tuple[str, str]]:
    """The (document, section) pairs that answer a question; a writer who named a document's
    title meant its introduction, which has no heading of its own."""
    places = [row, *row.get("also", [])]
    expected = set()
    for place in places:
        document, section = place.get("document"), place.get("section")
        if document is None or section is None:
            continue
        if section == titles.get(document):
            section = "Introduction"
        expected.add((document, section))
    return expected


def score_ask(rows: Iterable[Row], retriever: Retriever) -> dict[str, Any]:
    """right / confidently_wrong (a wrong entry, or an unanswerable question answered) /
    needless_fallback (an answerable question that fell back)."""
    kb = retriever.kb
    titles = {document.id: document.title for document in kb.documents}

    def outcome(row: Row) -> str:
        answer = retriever.ask(row["text"])
        if not row["answerable"]:
            return "right" if answer.fallback else "confidently_wrong"
        if answer.fallback or answer.entry_id is None:
            return "needless_fallback"
        if _sections(kb, answer.entry_id) & _expected(row, titles):
            return "right"
        return "confidently_wrong"

    return _by_style(rows, outcome, ("right", "confidently_wrong", "needless_fallback"))
