"""How well the answer readers (``bot.conversation.answers``) read the dialogue corpus
(``knowledge/corpora/dialogue/``): typed replies to the bot's own questions, labelled by
independent writers. Scored per step kind and per writer, for the step kinds whose readers
decide on their own (confirm, employer, level, nudge_day, nudge_time, goal_choice, checkin);
the others are read with the NLU and scored by the conversation files."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.conversation import answers
from bot.conversation.answers import Act

CORPUS_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "corpora" / "dialogue"
_ACTS = {Act.ESCAPE: "escape", Act.UNSURE: "unsure"}


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            rows += [json.loads(line) for line in lines if line.strip()]
    return rows


def predict(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the readers make of one row; None for a step kind they do not decide alone."""
    text, step = str(row["text"]), row["step"]
    act = answers.act(text)
    if act in _ACTS:
        return {"act": _ACTS[act]}
    if step == "confirm":
        polar = answers.yes_no(text, strict=row.get("context", {}).get("about") == "delete_all")
        return (
            {"act": "new_message"}
            if polar is None
            else {"act": "answer", "value": "yes" if polar.yes else "no"}
        )
    if step in {"employer", "level"}:
        value = answers.employer(text) if step == "employer" else answers.level(text)
        return {"act": "new_message"} if value is None else {"act": "answer", "value": value}
    if step == "nudge_time":
        clock = answers.clock_time(text)
        if clock is None:
            return {"act": "new_message"}
        return {"act": "answer", "time": clock.time, "part_of_day": clock.part_of_day}
    if step == "nudge_day":
        said = answers.days(text)
        if said is None:
            return {"act": "new_message"}
        named = [answers.WEEKDAY_KEYS[day] for day in said.days]
        return {"act": "answer", "days": named, "supported": said.supported}
    goals = list(row.get("context", {}).get("goals", []))
    if step == "goal_choice":
        return {"act": "answer", "goal": answers.goal_choice(text, goals)}
    if step == "checkin":
        goal = answers.best_goal(text, goals) if len(goals) > 1 else 1
        return {"act": "answer", "goal": goal, "progress": not answers.negative(text)}
    return None


def correct(row: Mapping[str, Any], guess: Mapping[str, Any]) -> bool | None:
    """Whether the guess is right; None where the row cannot be scored (a new message at a
    step whose reader has no way to tell it apart from an answer it does not understand)."""
    label, step = row["label"], row["step"]
    if label["act"] != "answer" or guess["act"] != "answer":
        if label["act"] == "new_message" and step in {"goal_choice", "checkin"}:
            return None
        return bool(label["act"] == guess["act"])
    if step in {"confirm", "employer", "level"}:
        return bool(label["value"] == guess["value"])
    if step == "nudge_time":
        if label.get("time") is not None:
            return bool(label["time"] == guess["time"])
        return bool(label.get("part_of_day") == guess["part_of_day"])
    if step == "nudge_day":
        return (
            sorted(label["days"]) == sorted(guess["days"])
            and label["supported"] == guess["supported"]
        )
    if step == "goal_choice":
        return bool(label["goal"] == guess["goal"])
    return bool(label["goal"] == guess["goal"] and label["progress"] == guess["progress"])


def score(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Share of rows read right: overall, per step kind and per writer."""
    by_step: dict[str, list[bool]] = defaultdict(list)
    by_writer: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        guess = predict(row)
        verdict = None if guess is None else correct(row, guess)
        if verdict is None:
            continue
        by_step[str(row["step"])].append(verdict)
        by_writer[str(row.get("writer", "?"))].append(verdict)

    def share(flags: list[bool]) -> dict[str, Any]:
        return {"n": len(flags), "right": round(sum(flags) / max(len(flags), 1), 3)}

    every = [flag for flags in by_step.values() for flag in flags]
    return {
        "overall": share(every),
        "by_step": {name: share(flags) for name, flags in sorted(by_step.items())},
        "by_writer": {name: share(flags) for name, flags in sorted(by_writer.items())},
    }
