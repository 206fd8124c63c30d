"""Answers from the knowledge base: the right entry when sure, an honest fallback when not."""

from __future__ import annotations

import pytest

from knowledge.models import OUT_OF_SCOPE
from knowledge.retrieval import FALLBACK_ANSWER, MAX_QUESTION_CHARS, Retriever, default_retriever

RETRIEVER = default_retriever()


def test_every_phrasing_in_the_base_finds_its_own_entry() -> None:
    for entry in RETRIEVER.kb.entries:
        for question in entry.questions:
            answer = RETRIEVER.ask(question)
            assert (answer.entry_id, answer.fallback) == (entry.id, False), question


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("can I grow without being promoted?", "grow-without-promotion"),
        ("is a lateral move a promotion", "lateral-moves"),
        ("the nurse who became a nurse manager", "nurse-promotion-example"),
        ("is moving to a competitor as a senior a promotion?", "new-employer-higher-role"),
        ("WHAT IS A PROMOTION???", "what-is-promotion"),
    ],
)
def test_questions_worded_differently_find_their_entry(question: str, entry_id: str) -> None:
    answer = RETRIEVER.ask(question)
    assert (answer.entry_id, answer.fallback) == (entry_id, False)


@pytest.mark.parametrize(
    "question", ["how do I bake bread?", "", "   ", "🙂🙂🙂", "asdkjh qwe", "hi", "x" * 10_000]
)
def test_questions_the_base_does_not_cover_get_the_fallback(question: str) -> None:
    answer = RETRIEVER.ask(question)
    assert answer.fallback
    assert (answer.entry_id, answer.answer, answer.sources) == (None, FALLBACK_ANSWER, [])


def test_an_answer_names_its_sources_and_related_entries() -> None:
    answer = RETRIEVER.ask("what is a lateral move?")
    assert answer.sources
    assert all({"document", "title", "section"} <= source.keys() for source in answer.sources)
    assert answer.related == list(RETRIEVER.kb.entry("lateral-moves").related)
    data = answer.to_dict()
    assert {"answer", "entry_id", "sources", "confidence", "fallback", "related"} <= data.keys()


def test_confidence_is_a_probability() -> None:
    for question in ["what is a lateral move?", "promotion", "how do I bake bread?"]:
        assert 0.0 <= RETRIEVER.ask(question).confidence <= 1.0


def test_typos_are_corrected_to_known_words() -> None:
    assert RETRIEVER.analyzer.correct("promtion") == "promotion"
    assert RETRIEVER.analyzer.correct("lateral") == "lateral"
    assert RETRIEVER.analyzer.correct("xylophone") is None


def test_long_questions_are_read_up_to_the_limit() -> None:
    terms, _ = RETRIEVER.terms("lateral " * MAX_QUESTION_CHARS)
    assert len(terms) <= MAX_QUESTION_CHARS // 2


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("switching to a different department at the same grade, what is that called",
         "lateral-moves"),
        ("what do bosses look for before they promote someone", "performance-before-promotion"),
    ],
)  # fmt: skip
def test_with_the_classifier_new_wordings_find_their_entry(
    retriever: Retriever, question: str, entry_id: str
) -> None:
    answer = retriever.ask(question)
    assert (answer.entry_id, answer.fallback) == (entry_id, False)


@pytest.mark.parametrize("question", ["how do I bake bread?", "best pizza in rome", "", "🙂"])
def test_with_the_classifier_uncovered_questions_still_fall_back(
    retriever: Retriever, question: str
) -> None:
    assert retriever.ask(question).fallback


@pytest.mark.parametrize(
    "question",
    ["how much do product managers earn in berlin", "should i put my linkedin url on my resume",
     "what should i say in a thank-you note after an interview",
     "how do i get a visa to work in japan"],
)  # fmt: skip
def test_questions_next_to_the_base_are_claimed_by_the_out_of_scope_label(
    retriever: Retriever, question: str
) -> None:
    # Work questions the documents do not cover share words with entries (salary, resume,
    # interview); the classifier's own label for them keeps those entries from answering.
    assert retriever.classifier is not None
    cats = retriever.classifier(question).cats
    assert max(cats, key=cats.__getitem__) == OUT_OF_SCOPE
    answer = retriever.ask(question)
    assert answer.fallback
    assert OUT_OF_SCOPE not in [entry_id for entry_id, _ in answer.ranking]


def test_every_out_of_scope_question_falls_back(retriever: Retriever) -> None:
    for question in retriever.kb.out_of_scope:
        assert retriever.ask(question).fallback, question
