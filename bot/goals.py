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
    endings: list[str]


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


# Deadline words left behind when the date itself is taken out ("by end", "by the end of").
_DANGLING = re.compile(
    r"(?:\s+|^)(?:by|before|until|till|in|within|due|for|at)?(?:\s+the)?(?:\s+(?:end|start|"
    r"beginning|middle))?(?:\s+of)?\s*$",
    re.IGNORECASE,
)


def _trim_openings(kept: str, openings: list[str]) -> str:
    """Take lead-ins off the front, again and again ("Also, I'd like to ..." -> "...")."""
    changed = True
    while changed and kept:
        changed = False
        lowered = kept.casefold()
        for opening in sorted(openings, key=len, reverse=True):
            if (
                lowered.startswith(opening + " ")
                or lowered == opening
                or (opening.endswith(":") and lowered.startswith(opening))
            ):
                kept = kept[len(opening) :].strip(" .,!;:-")
                changed = True
                break
    return kept


def _trim_endings(kept: str, endings: list[str]) -> str:
    lowered = kept.casefold()
    for ending in sorted(endings, key=len, reverse=True):
        if lowered.endswith(" " + ending):
            return kept[: -len(ending)].strip(" .,!;:-?")
    return kept


_GOAL_LEAD = re.compile(
    r"^\W*(?:also|and|oh and|plus|ok|okay|so)?[\s,]*(?:another goal|one more goal|new goal|"
    r"next goal|my goal|goal|set goal|add (?:a )?goal|i want to|i'd like to|i would like to|"
    r"i'd also like to|i also want to|my next goal is|can you add|could you add|please add)\b"
    r"(?!\s*\d)",
    re.IGNORECASE,
)


def opens_like_goal(text: str) -> bool:
    """The message opens the way a goal does ("another goal: ...", "I'd like to ...")."""
    return _GOAL_LEAD.search(text) is not None


def draft_goal(text: str, entities: list[Any], *, rules: GoalRules | None = None) -> GoalDraft:
    """Read a goal from a message: its text without the lead-in, the deadline phrase and
    closing words ("... as a goal"), its kind and its deadline."""
    rules = rules or goal_rules()
    deadline = None
    kept = text
    for entity in entities:
        if entity.label == "DATE" and entity.value.get("date"):
            deadline = date.fromisoformat(entity.value["date"])
            kept = kept.replace(entity.text, " ")
    kept = _SPACE.sub(" ", kept).strip(" .,!;:-?")
    kept = _trim_openings(kept, rules.openings)
    kept = _trim_endings(kept, rules.endings)
    if deadline is not None:
        kept = _DANGLING.sub("", kept).strip(" .,!;:-")
    kept = kept[:1].upper() + kept[1:] if kept else text.strip()[:300]
    # A promotion goal names a higher position ("become a team lead"), not any job
    # ("become a better writer" is a skill).
    has_title = any(
        entity.label == "JOB_TITLE" and entity.value.get("explicit_level") for entity in entities
    )
    return GoalDraft(kept[:300], infer_kind(text, has_job_title=has_title, rules=rules), deadline)


_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "my",
        "to",
        "of",
        "for",
        "in",
        "on",
        "at",
        "and",
        "or",
        "with",
        "by",
        "goal",
        "goals",
        "one",
        "i",
        "i'm",
        "im",
        "me",
        "about",
        "that",
        "this",
        "it",
        "is",
        "was",
        "be",
        "get",
        "do",
        "did",
        "done",
        "make",
        "more",
        "some",
        "from",
        "up",
        "out",
        "new",
        "course",
    ]
)
_WORD = re.compile(r"[\w']+")


def stem(word: str) -> str:
    """A crude stem for matching a user's words to a goal's words ("practising" ~ "practice")."""
    word = word.casefold().strip("'")
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> set[str]:
    """The stems of a text's content words (no "the", "my", "goal")."""
    words = _WORD.findall(text.replace("\u2019", "'").casefold())
    return {stem(word) for word in words if word not in _STOP and (len(word) > 1 or word.isdigit())}


def same_goal(one: str, other: str) -> bool:
    """Two wordings of one goal: the same content words, give or take one."""
    mine, theirs = content_stems(one), content_stems(other)
    if not mine or not theirs:
        return False
    differ = mine ^ theirs
    if any(word.isdigit() for word in differ):
        return False  # "part 2" is not "part 3"
    slack = 1 if min(len(mine), len(theirs)) >= 4 else 0
    return len(mine - theirs) <= slack and len(theirs - mine) <= slack


_RENAME = re.compile(
    r"\b(?:rename|retitle|reword|rephrase|call)\b.*?\b(?:to|as|it)\b\s*[\"'“]?(?P<title>.+?)[\"'”]?\s*$"
    r"|\bchange (?:the )?(?:name|title|wording|text) of .+? to\s*[\"'“]?(?P<title2>.+?)[\"'”]?\s*$",
    re.IGNORECASE,
)
_KIND = re.compile(
    r"\b(?:change|make|set|switch|turn|mark|move|it'?s|is)\b.*?\b(?:to|into|as|an?)\s+(?:an?\s+)?"
    r"(?P<kind>skills?|education|network(?:ing)?|leadership|visibility|promotion|other)\s+goal\b",
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    r"\b(deadline|due date|due|finish by|target date|push|move|extend|postpone|bring forward)\b",
    re.IGNORECASE,
)


def goal_edit(text: str, entities: list[Any]) -> tuple[str, object] | None:
    """An edit typed in words: a new title ("rename goal 1 to ..."), a new deadline ("the
    deadline for the PMP goal is September") or a new kind ("change goal 2 to a network
    goal"); None for anything else (a check-in)."""
    kind = _KIND.search(text)
    if kind is not None:
        value = kind["kind"].casefold()
        value = {"skill": "skills", "networking": "network"}.get(value, value)
        return ("kind", value)
    rename = _RENAME.search(text)
    if rename is not None:
        title = (rename["title"] or rename["title2"] or "").strip(" .!")
        if title:
            return ("title", title[:1].upper() + title[1:])
    if _DEADLINE.search(text):
        for entity in entities:
            if entity.label == "DATE" and entity.value.get("date"):
                return ("deadline", date.fromisoformat(entity.value["date"]))
    return None
