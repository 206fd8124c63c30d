"""Goals read from free text: the words kept, the kind, the deadline."""

from __future__ import annotations

from datetime import date

import pytest

from bot.goals import draft_goal, infer_kind
from nlu.pipeline import Nlu
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("text", "goal", "kind", "deadline"),
    [
        ("I want to become a team lead by June 2027", "Become a team lead", "promotion",
         date(2027, 6, 30)),
        ("set a goal to learn SQL", "Learn SQL", "skills", None),
        ("my goal is to get a PMP certification", "Get a PMP certification", "education", None),
        ("I'd like to speak at a conference", "Speak at a conference", "visibility", None),
        ("grow my network on linkedin", "Grow my network on linkedin", "network", None),
        ("start mentoring two juniors", "Start mentoring two juniors", "leadership", None),
        ("get promoted to senior engineer", "Get promoted to senior engineer", "promotion", None),
        ("run a marathon", "Run a marathon", "other", None),
    ],
)  # fmt: skip
def test_goals_are_read_from_free_text(
    nlu: Nlu, text: str, goal: str, kind: str, deadline: date | None
) -> None:
    draft = draft_goal(text, nlu.parse(text, now=NOW).entities)
    assert (draft.text, draft.kind, draft.deadline) == (goal, kind, deadline)


def test_a_job_title_with_become_is_a_promotion_goal() -> None:
    assert infer_kind("become head of sales", has_job_title=True) == "promotion"
    assert infer_kind("become head of sales", has_job_title=False) == "other"
