"""The training and dev data: valid labels, no repeated text, enough examples per intent."""

from __future__ import annotations

from collections import Counter

import pytest

from nlu.dataset import (
    DEV_PATH,
    TRAIN_PATH,
    DataError,
    duplicate_texts,
    load_examples,
    normalised,
)
from nlu.intents import Intent

TRAIN = load_examples(TRAIN_PATH)
DEV = load_examples(DEV_PATH)


def test_intent_enum_has_exactly_the_agreed_names() -> None:
    assert [intent.value for intent in Intent] == [
        "greet", "goodbye", "thanks", "help", "ask_knowledge", "judge_situation", "set_goal",
        "list_goals", "update_goal", "delete_goal", "nudge_settings", "forget_me", "out_of_scope",
    ]  # fmt: skip


@pytest.mark.parametrize(("examples", "minimum"), [(TRAIN, 40), (DEV, 10)], ids=["train", "dev"])
def test_every_intent_has_enough_examples(examples: list, minimum: int) -> None:
    counts = Counter(example.intent for example in examples)
    assert {intent: counts[intent] for intent in Intent if counts[intent] < minimum} == {}


def test_no_text_appears_twice_within_or_across_the_sets() -> None:
    assert duplicate_texts(TRAIN + DEV) == []


def test_dev_set_is_never_trained_on() -> None:
    train_texts = {normalised(example.text) for example in TRAIN}
    assert [e.text for e in DEV if normalised(e.text) in train_texts] == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("forget my SQL goal", Intent.DELETE_GOAL),
        ("forget everything about me", Intent.FORGET_ME),
        ("I finished the course", Intent.UPDATE_GOAL),
        ("I finished a course, is that advancement?", Intent.JUDGE_SITUATION),
        ("what is a promotion?", Intent.ASK_KNOWLEDGE),
        ("I was made team lead, promotion?", Intent.JUDGE_SITUATION),
    ],
)
def test_the_hard_neighbours_are_in_the_training_data(text: str, intent: Intent) -> None:
    labelled = {normalised(example.text): example.intent for example in TRAIN}
    assert labelled.get(normalised(text)) == intent


def test_a_bad_label_is_reported_with_file_and_line(tmp_path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "hi", "intent": "greet"}\n{"text": "x", "intent": "dance"}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2"):
        load_examples(path)


def test_unknown_fields_are_rejected(tmp_path) -> None:
    path = tmp_path / "extra.jsonl"
    path.write_text('{"text": "hi", "intent": "greet", "note": "x"}\n')
    with pytest.raises(DataError):
        load_examples(path)
