"""The blind-set scorers count outcomes and never hand back which row missed."""

from __future__ import annotations

from knowledge.blind import score_ask, score_judge, situation_text
from knowledge.retrieval import Retriever

ROWS = [
    {"text": "a", "accept": ["promotion"], "style": "short"},
    {"text": "b", "accept": ["advancement", "unclear"], "style": "short"},
    {"text": "c", "accept": ["advancement"], "style": "long"},
    {"text": "d", "accept": ["neither"], "style": "long"},
]
VERDICTS = {"a": "promotion", "b": "unclear", "c": "promotion", "d": "unclear"}


def test_judge_outcomes_are_accepted_confidently_wrong_or_needless_questions() -> None:
    report = score_judge(ROWS, VERDICTS.__getitem__)
    assert report["overall"] == {"n": 4, "accepted": 0.5, "confidently_wrong": 0.25,
                                 "needless_unclear": 0.25}  # fmt: skip
    assert report["by_style"]["long"] == {"n": 2, "accepted": 0.0, "confidently_wrong": 0.5,
                                          "needless_unclear": 0.5}  # fmt: skip


def test_a_reply_to_a_follow_up_is_judged_after_the_first_message() -> None:
    row = {"text": "yes, same company", "previous": [{"user": "I was made lead"},
                                                     {"bot": "Same employer?"}]}  # fmt: skip
    assert situation_text(row) == "I was made lead yes, same company"


def test_questions_are_right_when_the_chosen_entry_cites_the_named_section(
    retriever: Retriever,
) -> None:
    rows = [
        {"text": "what is a lateral move?", "answerable": True, "document": "mckissick",
         "section": "Nonexistent section", "style": "plain"},
        {"text": "what is a promotion?", "answerable": True, "document": "mckissick",
         "section": "What is Career Promotion?", "style": "plain"},
        {"text": "what's the weather in Paris tomorrow", "answerable": False, "document": None,
         "section": None, "style": "plain"},
    ]  # fmt: skip
    report = score_ask(rows, retriever)["overall"]
    assert report == {"n": 3, "right": 0.667, "confidently_wrong": 0.333, "needless_fallback": 0.0}
