"""The readers of typed answers to the bot's own questions."""

from __future__ import annotations

import pytest

from bot.conversation import answers
from bot.conversation.answers import Act
from bot.conversation.answers_score import CORPUS_DIR, read_rows, score


@pytest.mark.parametrize(
    "text",
    ["cancel", "never mind", "nah forget it", "nvm", "ugh, forget about it", "leave it",
     "stop", "Forget it, not important.", "cancle", "skip this for now please"],
)  # fmt: skip
def test_escapes(text: str) -> None:
    assert answers.act(text) is Act.ESCAPE


@pytest.mark.parametrize(
    "text",
    ["forget everything about me", "stop the reminders", "learn SQL", "yes", "no",
     "what is a lateral move?", "nothing this week"],
)  # fmt: skip
def test_not_escapes(text: str) -> None:
    assert answers.act(text) is not Act.ESCAPE


@pytest.mark.parametrize(
    ("text", "yes"),
    [("yes", True), ("yep looks good", True), ("👍", True), ("yess", True), ("nope", False),
     ("no, it's a skills goal", False), ("wait no", False), ("keep it", False)],
)  # fmt: skip
def test_yes_no(text: str, yes: bool) -> None:
    polar = answers.yes_no(text)
    assert polar is not None
    assert polar.yes is yes


def test_a_correction_after_yes_or_no_is_kept() -> None:
    polar = answers.yes_no("no, it's a skills goal")
    assert polar is not None
    assert polar.rest.endswith("a skills goal")


@pytest.mark.parametrize("text", ["yes but can I keep my goals?", "yes?", "yeah no", "not sure"])
def test_deleting_everything_takes_only_a_clear_yes(text: str) -> None:
    polar = answers.yes_no(text, strict=True)
    assert polar is None or not polar.yes


def test_a_question_is_not_an_answer() -> None:
    assert answers.yes_no("what counts as a promotion exactly?") is None
    assert answers.employer("What counts as a promotion exactly?") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("yeah same company", "same"), ("nope, it's a new company", "new"), ("internal move", "same"),
     ("I work for myself", "self"), ("joined Shopify", "new"), ("yes", "same"), ("no", "new")],
)  # fmt: skip
def test_employer(text: str, value: str) -> None:
    assert answers.employer(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("a higher position", "up"), ("i'm a senior engineer now", "up"), ("sideways", "same"),
     ("just the pay", "same"), ("a step back", "down"), ("yes", "up")],
)  # fmt: skip
def test_level(text: str, value: str) -> None:
    assert answers.level(text) == value


@pytest.mark.parametrize(
    ("text", "time", "part"),
    [("at 7:30", "07:30", None), ("10am", "10:00", None), ("9.15", "09:15", None),
     ("noon", "12:00", None), ("half past seven", "07:30", None),
     ("quarter to six pm", "17:45", None),
     ("1800", "18:00", None), ("18h", "18:00", None), ("6 in the evening", "18:00", "evening"),
     ("around 8", "08:00", None), ("at 5", "17:00", None), ("monday 9 o'clock", "09:00", None),
     ("mornings", None, "morning"), ("after lunch", None, "afternoon")],
)  # fmt: skip
def test_clock_times(text: str, time: str | None, part: str | None) -> None:
    clock = answers.clock_time(text)
    assert clock is not None
    assert (clock.time, clock.part_of_day) == (time, part)


def test_a_part_of_the_day_stands_for_its_stated_default() -> None:
    clock = answers.clock_time("in the evening")
    assert clock is not None
    assert clock.resolved() == "19:00"


@pytest.mark.parametrize(
    ("text", "day", "supported"),
    [("fridays", 4, True), ("Friday please", 4, True), ("tusday at 8", 1, True),
     ("end of the week", 4, True), ("move it to Thursday", 3, True),
     ("Tuesday, or actually Thursday", 3, True), ("every day at 8", None, False),
     ("twice a week", None, False), ("weekdays", None, False), ("every other week", None, False),
     ("skip next week's nudge", None, False), ("Monday and Thursday", None, False)],
)  # fmt: skip
def test_days(text: str, day: int | None, supported: bool) -> None:
    said = answers.days(text)
    assert said is not None
    assert (said.day, said.supported) == (day, supported)


GOALS = ["Learn SQL", "Get the AWS Solutions Architect certificate", "Speak at a meetup"]


@pytest.mark.parametrize(
    ("text", "number"),
    [("the first one", 1), ("2", 2), ("#3", 3), ("number two", 2), ("the aws one", 2),
     ("sql", 1), ("the last one", 3), ("the one about the meetup", 3), ("the secnd", 2),
     ("the english one", None)],
)  # fmt: skip
def test_goal_choice(text: str, number: int | None) -> None:
    assert answers.goal_choice(text, GOALS) == number


@pytest.mark.parametrize(
    ("text", "negative"),
    [("didn't do anything for the meetup goal this week", True), ("no time for SQL", True),
     ("not yet", True), ("no arabic this week", True), ("did 2 hours of SQL practice", False),
     ("didn't go to the meetup, but I did practise my talk", False)],
)  # fmt: skip
def test_negative_check_ins(text: str, negative: bool) -> None:
    assert answers.negative(text) is negative


def test_the_readers_on_the_dialogue_corpus() -> None:
    """A floor under the share of the corpus read right (0.918 when it was set; the third
    writer's rows, never tuned on, scored 0.855 first): a change that reads worse fails."""
    report = score(read_rows(sorted(CORPUS_DIR.glob("*.jsonl"))))
    assert report["overall"]["n"] > 1200
    assert report["overall"]["right"] >= 0.9
