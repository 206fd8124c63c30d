"""Conversations as data (``bot.conversation.scripted``): the development conversation files
pass in full, and an expectation that does not hold fails its turn."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.conversation import Conversation
from bot.conversation.replies import load_replies
from bot.conversation.scripted import Runner, duration, load, run_file, score
from bot.storage.db import Database
from knowledge.advisor import default_rules
from knowledge.retrieval import Retriever
from nlu.pipeline import Nlu

FILES = sorted((Path(__file__).parent / "conversations").glob("*.yml"))
SCRIPTS = [(path.stem, script) for path in FILES for script in load(path)]


@pytest.fixture(scope="module")
def runner(nlu: Nlu, retriever: Retriever) -> Runner:
    rules, replies = default_rules(), load_replies()

    def factory(database: Database) -> Conversation:
        return Conversation(
            nlu=nlu, retriever=retriever, rules=rules, database=database, replies=replies
        )

    return Runner(factory)


@pytest.mark.parametrize(
    "script", [s for _, s in SCRIPTS], ids=[f"{f}:{s['id']}" for f, s in SCRIPTS]
)
async def test_conversation_passes(runner: Runner, script: dict[str, Any]) -> None:
    results = await runner.run(script)
    assert results, "a conversation file turn without expectations scores nothing"
    misses = [(r.number, r.said, r.failed, r.answer) for r in results if not r.passed]
    assert not misses


def _one_turn(
    expect: dict[str, Any], text: str = "I want to learn SQL by June 2027"
) -> dict[str, Any]:
    return {
        "id": "x",
        "style": "s",
        "writer": "w",
        "now": "2027-03-01T10:00:00+00:00",
        "turns": [{"user": text, "expect": expect}],
    }


@pytest.mark.parametrize(
    ("expect", "failed"),
    [
        ({"goal_added": {"title_contains": "Python"}}, ("goal_added",)),
        ({"goal_added": {"title_contains": "SQL", "deadline": "2027-07-31"}}, ("goal_added",)),
        ({"goal_count": 2}, ("goal_count",)),
        ({"no_data_change": True}, ("no_data_change",)),
        ({"nudge": {"weekday": "friday"}}, ("nudge",)),
        ({"verdict": "promotion"}, ("verdict",)),
        ({"reply_mentions_any": ["zebra"]}, ("reply_mentions_any",)),
        ({"goal_added": {"title_contains": "sql"}, "goal_count": 1}, ()),
    ],
)
async def test_an_expectation_that_does_not_hold_fails(
    runner: Runner, expect: dict[str, Any], failed: tuple[str, ...]
) -> None:
    [result] = await runner.run(_one_turn(expect))
    assert result.failed == failed


async def test_a_reply_that_did_not_understand_fails_unless_allowed(runner: Runner) -> None:
    [strict] = await runner.run(_one_turn({"no_data_change": True}, "asdkjh qwe zxcv"))
    [lenient] = await runner.run(
        _one_turn({"no_data_change": True, "not_understood_ok": True}, "asdkjh qwe zxcv")
    )
    assert strict.failed == ("not_understood",)
    assert lenient.passed


async def test_a_missing_button_fails_the_turn(runner: Runner) -> None:
    script = _one_turn({"goal_count": 1})
    script["turns"].append({"press": "Launch the rocket", "expect": {"goal_count": 1}})
    results = await runner.run(script)
    assert results[1].failed == ("no_such_button",)


async def test_score_gives_aggregates_only(runner: Runner, tmp_path: Path) -> None:
    results = await run_file(runner, FILES[0])
    report = score(results)
    assert report["turns"]["passed"] == 1.0
    assert set(report) == {"turns", "conversations", "by_writer", "by_style", "failed_expectations"}


def test_durations() -> None:
    assert duration("P3D") == timedelta(days=3)
    assert duration("P1W") == timedelta(weeks=1)
    assert duration("PT2H30M") == timedelta(hours=2, minutes=30)
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        duration("three days")
