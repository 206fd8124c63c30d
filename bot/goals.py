"""Goals from free text: the goal's words, its kind and its deadline.

The kind words and trimmed openings are data (``knowledge/data/goals.yml``); the deadline
comes from the NLU's DATE entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from knowledge.base import DATA_DIR
from knowledge.models import TipKind
from nlu.yamlfile import read_yaml

GOAL_KINDS = (*[kind.value for kind in TipKind], "other")
_SPACE = re.compile(r"\s+")


class GoalRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[TipKind, list[str]]
    promotion_verbs: list[str]
    openings: list[str]


@cache
def goal_rules(path: Path = DATA_DIR / "goals.yml") -> GoalRules:
    return GoalRules.model_validate(read_yaml(path))


@dataclass(frozen=True, slots=True)
class GoalDraft:
    text: str
    kind: str
    deadline: date | None


def _has(words: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z']){re.escape(phrase)}(?![a-z])", words) is not None


def infer_kind(text: str, *, has_job_title: bool = False, rules: GoalRules | None = None) -> str:
    """The goal's kind: the kind whose words it uses most, "other" when none fits."""
    rules = rules or goal_rules()
    words = text.casefold()
    if has_job_title and any(_has(words, verb) for verb in rules.promotion_verbs):
        return TipKind.PROMOTION.value
    hits = {
        kind: sum(_has(words, w) for w in kind_words) for kind, kind_words in rules.kinds.items()
    }
    best = max(hits.values())
    if best == 0:
        return "other"
    return next(kind.value for kind, count in hits.items() if count == best)


def draft_goal(text: str, entities: list[Any], *, rules: GoalRules | None = None) -> GoalDraft:
    """Read a goal from a message: its text without the opening and deadline words, its kind
    and its deadline."""
    rules = rules or goal_rules()
    deadline = None
    kept = text
    for entity in entities:
        if entity.label == "DATE" and entity.value.get("date"):
            deadline = date.fromisoformat(entity.value["date"])
            kept = kept.replace(entity.text, " ")
    kept = _SPACE.sub(" ", kept).strip(" .,!;:-")
    lowered = kept.casefold()
    for opening in sorted(rules.openings, key=len, reverse=True):
        if lowered.startswith(opening + " ") or lowered == opening:
            kept = kept[len(opening) :].strip(" .,!;:-")
            break
    kept = kept[:1].upper() + kept[1:] if kept else text.strip()[:300]
    has_title = any(entity.label == "JOB_TITLE" for entity in entities)
    return GoalDraft(kept[:300], infer_kind(text, has_job_title=has_title, rules=rules), deadline)
