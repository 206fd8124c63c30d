"""Intents from the built pipeline: confident when clear, asking when not, rules where certain."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokenizer import Tokenizer

from nlu.dataset import DEV_PATH, TRAIN_PATH, load_examples
from nlu.intents import Intent
from nlu.pipeline import MAX_CHARS, Nlu, load_pipeline


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I got a raise and a new title, is that a promotion?", Intent.JUDGE_SITUATION),
        ("forget my SQL goal", Intent.DELETE_GOAL),
        ("forget everything about me", Intent.FORGET_ME),
        ("I finished the course", Intent.UPDATE_GOAL),
        ("I finished a course, is that advancement?", Intent.JUDGE_SITUATION),
        ("what is a promotion?", Intent.ASK_KNOWLEDGE),
        ("I was made team lead, promotion?", Intent.JUDGE_SITUATION),
        ("I want to become a team lead by June 2027", Intent.SET_GOAL),
        ("what are my goals?", Intent.LIST_GOALS),
        ("send me the nudge on Fridays at 5pm", Intent.NUDGE_SETTINGS),
        ("hi there", Intent.GREET),
        ("thanks a lot!", Intent.THANKS),
        ("bye for now", Intent.GOODBYE),
        ("what can you do?", Intent.HELP),
        ("what's the weather like tomorrow?", Intent.OUT_OF_SCOPE),
    ],
)
def test_clear_messages_get_their_intent_confidently(nlu: Nlu, text: str, intent: Intent) -> None:
    result = nlu.parse(text)
    assert (result.intent, result.fallback) == (intent, False)


def test_ranking_has_the_top_three_with_scores_that_sum_to_at_most_one(nlu: Nlu) -> None:
    result = nlu.parse("is a lateral move a promotion?")
    assert len(result.ranking) == 3
    assert result.ranking[0] == (result.intent, result.confidence)
    assert [s for _, s in result.ranking] == sorted((s for _, s in result.ranking), reverse=True)
    assert sum(s for _, s in result.ranking) <= 1.0 + 1e-6


@pytest.mark.parametrize("text", ["yes", "no", "hmm", "ok then"])
def test_vague_messages_ask_instead_of_guessing(nlu: Nlu, text: str) -> None:
    result = nlu.parse(text)
    assert result.fallback or result.intent is Intent.OUT_OF_SCOPE
    if result.fallback:
        assert result.reason in {"low_confidence", "ambiguous"}
        assert len(result.ranking) == 3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("asdkjh qwe zxcv", "unknown_words"),
        ("qwertyuiop", "unknown_words"),
        ("🍕🍕🍕", "no_words"),
        ("12345 !!!", "no_words"),
        ("¿hola, como estas? quiero un ascenso", "not_english"),
        ("wie spät ist es", "not_english"),
        ("я хочу повышение", "not_english"),
        ("我想升职", "not_english"),
    ],
)
def test_gibberish_and_other_languages_are_out_of_scope_by_rule(
    nlu: Nlu, text: str, reason: str
) -> None:
    result = nlu.parse(text)
    assert (result.intent, result.reason, result.confidence) == (Intent.OUT_OF_SCOPE, reason, 1.0)


@pytest.mark.parametrize(
    "text",
    [
        "how do I bake bread?",
        "who won the football last night",
        "write me a poem about cats",
        "lol ok banana sandwich",
    ],
)
def test_off_topic_text_is_never_a_confident_wrong_intent(nlu: Nlu, text: str) -> None:
    result = nlu.parse(text)
    assert result.intent is Intent.OUT_OF_SCOPE or result.fallback


@pytest.mark.parametrize("text", ["", " ", "\n\t"])
def test_empty_messages_are_out_of_scope(nlu: Nlu, text: str) -> None:
    result = nlu.parse(text)
    assert (result.intent, result.reason) == (Intent.OUT_OF_SCOPE, "empty")


def test_huge_messages_are_read_up_to_telegrams_limit(nlu: Nlu) -> None:
    text = "is it a promotion if " + "my boss likes me and " * 1000
    result = nlu.parse(text)
    assert len(result.text) == MAX_CHARS
    assert result.intent in Intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [("/start", Intent.GREET), ("/goals", Intent.LIST_GOALS), ("/help@careerbot_bot", Intent.HELP),
     ("/goal learn SQL by June", Intent.SET_GOAL), ("👋", Intent.GREET), ("🙏🙏", Intent.THANKS)],
)  # fmt: skip
def test_commands_and_certain_emoji_are_decided_by_rule(
    nlu: Nlu, text: str, intent: Intent
) -> None:
    result = nlu.parse(text)
    assert (result.intent, result.confidence, result.fallback) == (intent, 1.0, False)


def test_a_city_alone_is_not_out_of_scope(nlu: Nlu) -> None:
    result = nlu.parse("Berlin")
    assert result.reason not in {"unknown_words", "not_english"}
    assert [e.label for e in result.entities] == ["TIMEZONE"]


def test_parse_many_keeps_the_order(nlu: Nlu) -> None:
    texts = ["hi", "what are my goals?", "bye"]
    assert [r.text for r in nlu.parse_many(texts)] == texts


def test_result_as_dict_has_the_documented_fields(nlu: Nlu) -> None:
    data = nlu.parse("I got a 12% raise").to_dict()
    assert {"intent", "confidence", "ranking", "entities", "fallback", "reason"} <= data.keys()
    assert {"label", "text", "value"} <= data["entities"][0].keys()


def _pattern(tokenizer: Tokenizer, name: str) -> str | None:
    """The regular expression behind one of the tokenizer's matching functions."""
    function = getattr(tokenizer, name)
    return None if function is None else str(function.__self__.pattern)


@pytest.mark.parametrize("which", ["nlu", "kb"])
def test_the_tokenizer_built_from_config_is_the_one_saved(
    which: str, model_dir: Path, kb_model_dir: Path
) -> None:
    """Loading skips reading the tokenizer back: it must be the saved one, rules and all."""
    directory = {"nlu": model_dir, "kb": kb_model_dir}[which]
    fast, full = load_pipeline(directory).tokenizer, spacy.load(directory).tokenizer
    assert fast.rules == full.rules
    for name in ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match"):
        assert _pattern(fast, name) == _pattern(full, name), name
    texts = [e.text for path in (TRAIN_PATH, DEV_PATH) for e in load_examples(path)]
    texts += ["e-mail me@x.org at 5:30pm, can't won't U.S.A. 10k$ :-) https://a.b/c?d=1"]
    for text in texts:
        assert [t.text for t in fast(text)] == [t.text for t in full(text)], text
