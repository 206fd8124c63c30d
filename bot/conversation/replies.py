"""The bot's own reply texts (``knowledge/data/replies.yml``), validated when loaded."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from knowledge.base import DATA_DIR
from knowledge.models import html_problems
from nlu.intents import Intent
from nlu.yamlfile import read_yaml

REPLIES_FILE = DATA_DIR / "replies.yml"


class Replies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    welcome: str
    welcome_buttons: list[tuple[str, str]]
    help: str
    greet: str
    goodbye: str
    thanks: str
    out_of_scope: str
    not_english: str
    emoji: str
    no_text: str
    unknown_command: str
    judge_prompt: str
    did_you_mean: str
    none_of_these: str
    none_chosen: str
    cancelled: str
    nothing_to_cancel: str
    stale_button: str
    already_pressed: str
    group_private: str  # a group chat gets this and a button to the private chat
    group_private_button: str
    more_buttons: str  # above the buttons beyond Telegram's 100 per message
    slow_down: str
    edit_not_read: str
    failed: str  # an unexpected error while handling a message
    storage_unavailable: str  # the database cannot be reached: nothing was stored
    answer_source: str
    read_more: str
    judge_answer_unmatched: str
    judge_unsure: str
    goal_prompt: str
    goal_saved: str
    goal_duplicate: str
    goal_deadline: str
    goal_deadline_passed: str
    goal_deadline_set: str
    goal_kind_prompt: str
    goal_kind_set: str
    goal_undone: str
    goals_header: str
    goals_empty: str
    goal_line: str
    goal_progress: str
    goal_progress_none: str
    goals_done_count: str
    goal_which: str
    goal_marked_done: str
    goal_progress_logged: str
    goal_not_yet_logged: str
    goal_edit_prompt: str
    goal_edited: str
    goal_delete_confirm: str
    goal_deleted: str
    goal_kept: str
    promotion_tips_header: str
    verdict_goal_promotion: str
    verdict_goal_leadership: str
    progress_header: str
    progress_line: str
    progress_empty: str
    nudge_offer: str
    nudge_pick_time: str
    nudge_saved: str
    nudge_none: str
    nudge_paused: str
    nudge_resumed: str
    nudge_stopped: str
    nudge_status_active: str
    nudge_status_paused: str
    nudge_timezone_set: str
    nudge_pick_zone: str
    nudge_unsupported: str
    nudge_unsupported_current: str
    nudge_part_default: str
    nudge_console_note: str
    export_caption: str
    checkin_unknown: str
    goal_kinds: dict[str, str]
    forget_confirm: str
    forget_yes: str
    forget_no: str
    forget_done: str
    forget_kept: str
    forget_how: str
    intent_labels: dict[Intent, str]

    @field_validator("intent_labels")
    @classmethod
    def _every_intent(cls, labels: dict[Intent, str]) -> dict[Intent, str]:
        missing = set(Intent) - set(labels)
        if missing:
            raise ValueError(f"no label for {sorted(missing)}")
        return labels

    def check_html(self) -> list[str]:
        """Problems with any reply's Telegram HTML."""
        problems: list[str] = []
        for name, value in self.model_dump().items():
            if isinstance(value, str):
                problems.extend(f"{name}: {problem}" for problem in html_problems(value))
        return problems


@cache
def load_replies(path: Path = REPLIES_FILE) -> Replies:
    replies = Replies.model_validate(read_yaml(path))
    problems = replies.check_html()
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return replies
