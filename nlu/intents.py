"""The one list of intents the bot understands; data, rules and the conversation all use it."""

from enum import StrEnum


class Intent(StrEnum):
    GREET = "greet"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    HELP = "help"
    ASK_KNOWLEDGE = "ask_knowledge"
    JUDGE_SITUATION = "judge_situation"
    SET_GOAL = "set_goal"
    LIST_GOALS = "list_goals"
    UPDATE_GOAL = "update_goal"
    DELETE_GOAL = "delete_goal"
    NUDGE_SETTINGS = "nudge_settings"
    FORGET_ME = "forget_me"
    OUT_OF_SCOPE = "out_of_scope"
