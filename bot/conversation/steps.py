"""The questions the bot leaves open, one kind each: the next message is first read as an
answer to the open step (``bot.conversation.answers`` reads it); a message that is not an
answer closes the step and is read as a new message; an escape ("cancel", "never mind",
"forget it") closes any step and is never stored as data."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    JUDGEMENT = "judgement"  # {"facts": {...}, "question": "level" | "same_org" | "what_changed"}
    DID_YOU_MEAN = "did_you_mean"  # {"text": str, "candidates": [intent, ...]}
    CONFIRM_FORGET = "confirm_forget"  # {}
    AWAITING_GOAL = "awaiting_goal"  # {}
    EDIT_GOAL = "edit_goal"  # {"goal_id": int}
    CONFIRM_DELETE_GOAL = "confirm_delete_goal"  # {"goal_id": int}
    GOAL_DEADLINE = "goal_deadline"  # {"goal_id": int}: the deadline given had passed
    WHICH_GOAL = "which_goal"  # {"action": "prog" | "done" | "not_yet" | "del", "goals": [id]}
    NUDGE_DAY = "nudge_day"  # {}
    NUDGE_TIME = "nudge_time"  # {}
    PLACE = "place"  # {"candidates": [zone, ...]}: a country with several zones
