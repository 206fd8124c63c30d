"""Reading typed answers to the bot's own questions: escapes, "not sure", yes and no, same or
another employer, higher or lower, clock times and parts of the day, weekdays, and a choice
among the user's goals by number, ordinal or words.

Each reader returns None when the text is not that kind of answer, so the caller can read the
message as a new one instead. The words are data (``knowledge/data/answers.yml``); the
readers are measured on the dialogue corpus (``careerbot eval --answers``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from bot.goals import content_stems
from knowledge.base import DATA_DIR
from nlu.yamlfile import read_yaml

_TOKEN = re.compile(r"[\w']+|[^\w\s]", re.UNICODE)
_EMOJI_WORDS = {"👍": "yes", "✅": "yes", "👌": "yes", "💯": "yes", "👎": "no", "❌": "no"}
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Act(StrEnum):
    ANSWER = "answer"
    ESCAPE = "escape"  # cancel, never mind, forget it: the question is dropped
    UNSURE = "unsure"  # not sure, no idea


class AnswerWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    escape: list[str]
    escape_anywhere: list[str]
    filler: list[str]
    unsure: list[str]
    yes: list[str]
    no: list[str]
    employer: dict[str, list[str]]
    level: dict[str, list[str]]
    parts_of_day: dict[str, str]
    part_words: dict[str, list[str]]
    days: dict[str, list[str]]
    several_days: list[str]
    day_groups: dict[str, list[str]]
    not_weekly: list[str]


@cache
def answer_words(path: Path = DATA_DIR / "answers.yml") -> AnswerWords:
    return AnswerWords.model_validate(read_yaml(path))


def tokens(text: str) -> list[str]:
    """Lower-case words and symbols, with curly apostrophes straightened and answer emoji
    read as the words they stand for."""
    text = text.replace("\u2019", "'").casefold()
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, f" {word} ")
    found = (token.removesuffix("'s") for token in _TOKEN.findall(text))
    return [token for token in found if token.strip("'")]


def _words(text: str) -> list[str]:
    return [token for token in tokens(text) if token[0].isalnum()]


@cache
def _near(word: str, other: str) -> bool:
    """The same word, or a slip of it: five letters or more, the same first letter, and
    close in spelling ("tusday", "cancle", "evning")."""
    if word == other:
        return True
    if len(word) < 4 or len(other) < 5 or word[0] != other[0]:
        return False
    return fuzz.ratio(word, other) >= 80


def _phrase(words: list[str], phrase: str, *, typos: bool = True) -> int | None:
    """Where ``phrase`` starts in ``words`` (None if absent); with ``typos``, its longer
    words may be slightly misspelt."""
    parts = _words(phrase)
    if not parts:
        return None
    size = len(parts)
    for start in range(len(words) - size + 1):
        if words[start : start + size] == parts:
            return start
    if typos:
        for start in range(len(words) - size + 1):
            if all(_near(w, p) for w, p in zip(words[start : start + size], parts, strict=True)):
                return start
    return None


def _has_any(words: list[str], phrases: list[str], *, typos: bool = True) -> bool:
    return any(_phrase(words, phrase, typos=typos) is not None for phrase in phrases)


def _first(words: list[str], phrases: list[str], *, typos: bool = True) -> tuple[int, int] | None:
    """The earliest (start, length) of any phrase; the longest one wins a tie."""
    best: tuple[int, int] | None = None
    for phrase in phrases:
        start = _phrase(words, phrase, typos=typos)
        if start is None:
            continue
        length = len(_words(phrase))
        if best is None or (start, -length) < (best[0], -best[1]):
            best = (start, length)
    return best


def _without(words: list[str], phrases: list[str]) -> list[str]:
    """``words`` with every occurrence of the phrases (or a slip of them) taken out."""
    remaining = list(words)
    for phrase in sorted(phrases, key=lambda p: -len(_words(p))):
        parts = _words(phrase)
        index = 0
        while parts and index <= len(remaining) - len(parts):
            window = remaining[index : index + len(parts)]
            if all(_near(w, p) for w, p in zip(window, parts, strict=True)):
                del remaining[index : index + len(parts)]
            else:
                index += 1
    return remaining


def act(text: str) -> Act:
    """An escape, "not sure", or something else (an answer or a new message)."""
    words = answer_words()
    said = _words(text)
    if not said:
        return Act.ANSWER
    core = _without(said, words.filler)
    rest = _without(core, words.escape)
    if core and not rest and len(said) <= 8:
        return Act.ESCAPE
    asked = "?" in text
    if not asked and _has_any(said, words.escape_anywhere):
        return Act.ESCAPE
    if not asked and _leads_with(text, words.escape, words.filler):
        return Act.ESCAPE
    if not asked and len(said) <= 12 and _has_any(said, words.unsure):
        return Act.UNSURE
    return Act.ANSWER


def _leads_with(text: str, phrases: list[str], filler: list[str]) -> bool:
    """The text opens with one of the phrases as a clause of its own ("forget it, not
    important"; not "stop the reminders"): after fillers, then a comma, a stop or the end."""
    clauses = re.split(r"[,.;:!\n]+", text)
    for clause in clauses:
        words = _without(_words(clause), filler)
        if not words:
            continue
        return not _without(words, phrases)
    return False


@dataclass(frozen=True, slots=True)
class Polar:
    yes: bool
    rest: str  # what follows the yes or no ("it's a skills goal"), for a correction


def yes_no(text: str, *, strict: bool = False) -> Polar | None:
    """Yes or no, from the reply's first polar word. ``strict`` (before deleting everything)
    takes only a short, clear yes: no question mark, no "but", nothing that says no."""
    words = answer_words()
    said = _words(text)
    if not said or is_question(text):
        return None
    yes, no = _first(said[:6], words.yes), _first(said[:6], words.no, typos=False)
    if yes is None and no is None:
        return None
    is_yes = no is None or (yes is not None and yes[0] < no[0])
    start, length = yes if is_yes and yes is not None else no  # type: ignore[misc]
    if (
        strict
        and is_yes
        and (_has_any(said, words.no, typos=False) or "but" in said or "?" in text)
    ):
        return None
    rest = " ".join(said[start + length :])
    return Polar(is_yes, rest)


def _category(text: str, table: dict[str, list[str]]) -> str | None:
    if is_question(text):
        return None
    said = _words(text)
    found = [(hit, key) for key, phrases in table.items()
             if (hit := _first(said, phrases)) is not None]  # fmt: skip
    if not found:
        return None
    return min(found, key=lambda item: (item[0][0], -item[0][1]))[1]


def employer(text: str) -> str | None:
    """ "same", "new" or "self"; a bare yes means the same employer, a bare no another one
    (the question asks whether it is the same employer)."""
    found = _category(text, answer_words().employer)
    if found is not None:
        return found
    polar = yes_no(text)
    return None if polar is None else ("same" if polar.yes else "new")


def level(text: str) -> str | None:
    """ "up", "same" or "down"; a bare yes means higher, a bare no the same level (the
    question asks whether the position is higher)."""
    found = _category(text, answer_words().level)
    if found is not None:
        return found
    polar = yes_no(text)
    return None if polar is None else ("up" if polar.yes else "same")


_PAY_ONLY = re.compile(r"\b(just|only|simply)\b.{0,12}\b(pay|money|salary|raise|wage)", re.I)


def what_changed(text: str) -> str | None:
    """The closest answer to "what changed for you?": a higher position, pay only; None to
    read the reply as a description of the situation instead."""
    if is_question(text):
        return None
    if _PAY_ONLY.search(text):
        return "pay:up"
    said = _words(text)
    if len(said) <= 6 and _category(text, answer_words().level) == "up":
        return "level:up"
    return None


# --- times -------------------------------------------------------------------------------------

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip
_NUMBER = r"(\d{1,2}|" + "|".join(_NUMBERS) + ")"
_MERIDIEM = r"\s*(a\.?m\.?|p\.?m\.?)?"
_M = _MERIDIEM
_CLOCK_PATTERNS = [
    # half past seven, quarter to six pm, twenty past 8
    (re.compile(rf"\b(half|quarter|twenty|ten|five)\s+(past|to|after)\s+{_NUMBER}\b{_M}"), "words"),
    (re.compile(r"\b(\d{1,2})\s*[:.h]\s*(\d{2})\b" + _M), "clock"),  # 7:30, 9.15, 18h30
    (re.compile(rf"\b{_NUMBER}\s*(a\.?m\.?|p\.?m\.?)(?![a-z])"), "meridiem"),  # 10am, 6 pm
    (re.compile(rf"\b{_NUMBER}\s*(?:o'?clock|oclock)\b{_M}"), "oclock"),  # 9 o'clock
    (re.compile(r"\b([01]\d|2[0-3])([0-5]\d)\s*(?:h|hrs|hours)?\b"), "military"),  # 1800
    (re.compile(r"\b(\d{1,2})\s*h\b"), "hour_h"),  # 18h
    (re.compile(rf"\b(?:at|around|about|by|from|after|before|@)\s+{_NUMBER}(?:\s*ish)?\b"), "bare"),
    (re.compile(rf"\b{_NUMBER}\s*ish\b"), "bare"),
    (
        re.compile(rf"\b{_NUMBER}\s+(?:in the|this|at)\s+(?:morning|afternoon|evening|night)"),
        "bare",
    ),
    (re.compile(rf"\b{_NUMBER}\s+(?:tonight|tomorrow)"), "bare"),
    (re.compile(rf"^\s*{_NUMBER}\s*$"), "bare"),
]
_NOON = re.compile(r"\b(noon|midday|mid-day|lunchtime|lunch time|at lunch)\b")
_MIDNIGHT = re.compile(r"\bmidnight\b")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


@dataclass(frozen=True, slots=True)
class ClockTime:
    time: str | None  # "HH:MM", 24-hour
    part_of_day: str | None  # morning, afternoon, evening, night

    def resolved(self) -> str | None:
        """The time to store: the one given, or the stated default for the part of the day."""
        if self.time is not None:
            return self.time
        if self.part_of_day is not None:
            return answer_words().parts_of_day[self.part_of_day]
        return None


def part_of_day(text: str) -> str | None:
    said = _words(text)
    return _category(text, answer_words().part_words) if said else None


def clock_time(text: str) -> ClockTime | None:
    """A time of day as people write it: "7:30", "10am", "18h", "1800", "noon", "half past
    seven", "9 o'clock", "around 8", or only a part of the day ("mornings")."""
    lowered = text.replace("\u2019", "'").casefold()
    part = part_of_day(lowered)
    if _NOON.search(lowered):
        return ClockTime("12:00", part)
    if _MIDNIGHT.search(lowered):
        return ClockTime("00:00", part)
    for pattern, form in _CLOCK_PATTERNS:
        match = pattern.search(lowered)
        if match is None:
            continue
        meridiem = None
        if form == "words":
            amount = {"half": 30, "quarter": 15, "twenty": 20, "ten": 10, "five": 5}[match[1]]
            hour, minute = _number(match[3]), amount
            if match[2] == "to":
                hour, minute = (hour - 1) % 24, 60 - amount
            meridiem = match[4]
        elif form == "clock":
            hour, minute, meridiem = int(match[1]), int(match[2]), match[3]
        elif form in {"meridiem", "oclock"}:
            hour, minute, meridiem = _number(match[1]), 0, match[2]
        elif form == "military":
            hour, minute = int(match[1]), int(match[2])
        else:  # an hour alone ("at 8", "18h")
            hour, minute = _number(match[1]), 0
        if hour > 23 or minute > 59:
            continue
        hour = _meridiem_hour(hour, meridiem, part, bare=form in {"bare", "oclock", "words"})
        return ClockTime(f"{hour:02d}:{minute:02d}", part)
    return ClockTime(None, part) if part is not None else None


def _meridiem_hour(hour: int, meridiem: str | None, part: str | None, *, bare: bool) -> int:
    """The 24-hour hour: "pm" or an afternoon, evening or night adds 12; an hour from 1 to 6
    said without either is read as the afternoon (nobody asks for a nudge at 5 in the
    morning)."""
    mark = (meridiem or "").replace(".", "")
    if mark == "am":
        return 0 if hour == 12 else hour
    if mark == "pm" or part in {"afternoon", "evening", "night"}:
        return hour if hour >= 12 else hour + 12
    if bare and 1 <= hour <= 6 and part != "morning":
        return hour + 12
    return hour


# --- days --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Days:
    days: tuple[int, ...]  # 0 = Monday, in the order said
    several: bool  # asks for more than one nudge a week ("every day", "twice a week")
    not_weekly: bool  # asks for another rhythm ("every other week", "skip next week")

    @property
    def supported(self) -> bool:
        return not self.several and not self.not_weekly and len(self.days) <= 1

    @property
    def day(self) -> int | None:
        return self.days[0] if len(self.days) == 1 else None


def days(text: str) -> Days | None:
    """The weekdays a reply names and whether it asks for a rhythm other than one nudge a
    week; None when it says nothing about days."""
    words = answer_words()
    said = _words(text)
    found: list[tuple[int, int]] = []
    for number, key in enumerate(WEEKDAY_KEYS):
        hit = _first(said, words.days[key], typos=False)
        if hit is not None:
            found.append((hit[0], number))
    if not found:  # a slip ("tusday"): the one day it is closest to
        slips = [(fuzz.ratio(word, name), at, WEEKDAY_KEYS.index(key))
                 for key in WEEKDAY_KEYS for name in words.days[key] if len(name) >= 6
                 for at, word in enumerate(said) if _near(word, name)]  # fmt: skip
        if slips:
            _, position, number = max(slips)
            found.append((position, number))
    for marker in ("actually", "instead", "rather", "no wait", "make it", "change it to"):
        at = _phrase(said, marker, typos=False)
        later = [item for item in found if at is not None and item[0] > at]
        if later:  # "Tuesday, or actually Thursday": the correction counts
            found = later
    chosen = tuple(number for _, number in sorted(found))
    for phrase, named in words.day_groups.items():
        if _phrase(said, phrase) is not None:
            chosen = tuple(dict.fromkeys([*chosen, *(WEEKDAY_KEYS.index(d) for d in named)]))
    several = _has_any(said, words.several_days) or len(set(chosen)) > 1
    not_weekly = _has_any(said, words.not_weekly)
    if not chosen and not several and not not_weekly:
        return None
    return Days(tuple(dict.fromkeys(chosen)), several, not_weekly)


# --- choosing a goal ---------------------------------------------------------------------------

_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7,
             "eighth": 8, "8th": 8, "ninth": 9, "9th": 9, "tenth": 10, "10th": 10}  # fmt: skip
_INDEX = re.compile(
    r"(?:^|\s|#|no\.?\s*|number\s+|goal\s+)(\d{1,2})(?!\s*(?:h|hours?|%|am|pm|:))\b"
)


def goal_choice(text: str, titles: list[str]) -> int | None:
    """The 1-based number of the goal a reply means: by number ("2", "#3", "goal 2"), by
    ordinal ("the first one", "the last one"), or by its words ("the aws one"); None when
    it names none, or two equally."""
    said = _words(text)
    if not titles:
        return None
    lowered = " ".join(said)
    for position, word in enumerate(said):
        ordinal = _ORDINALS.get(word) or next(
            (n for w, n in _ORDINALS.items() if len(w) >= 5 and _near(word, w)), None
        )
        if ordinal is not None and ordinal <= len(titles):
            return ordinal
        # "two", "number two", "goal two"; not "the SQL one"
        counted = position == 0 or said[position - 1] in {"number", "goal", "no"}
        if word in _NUMBERS and _NUMBERS[word] <= len(titles) and counted and len(said) <= 4:
            return _NUMBERS[word]
    if "last" in said and "week" not in said:
        return len(titles)
    index = _INDEX.search(lowered)
    if index is not None and 1 <= int(index[1]) <= len(titles):
        return int(index[1])
    return best_goal(text, titles)


def best_goal(text: str, titles: list[str]) -> int | None:
    """The goal whose words the text shares most (exactly or nearly), when one stands out."""
    mine = content_stems(text)
    if not mine:
        return None
    scores = []
    for title in titles:
        theirs = content_stems(title)
        exact = len(mine & theirs)
        near = sum(
            1 for word in mine - theirs
            if len(word) >= 4 and any(fuzz.ratio(word, other) >= 85 for other in theirs)
        )  # fmt: skip
        scores.append(exact + 0.5 * near)
    best = max(scores)
    if best == 0 or scores.count(best) > 1:
        return None
    return scores.index(best) + 1


_NEGATIVE = re.compile(
    r"\b(didn'?t|did not|haven'?t|havn'?t|have not|hasn'?t|couldn'?t|could not|wasn'?t able|"
    r"not able|no time|not yet|nothing|no progress|skipp?e?d?|missed|zero|none|not much|"
    r"not really|never got|didnt|failed to|forgot to|unable|no luck|too busy|was busy|"
    r"not this week|meant to|was going to|no chance|not started|not begun)\b"
    r"|\bno \w+(?: \w+)? (?:this|last) (?:week|weak)"
)
_POSITIVE_AFTER = re.compile(r"\bbut (?:i )?(?:did|managed|got|finished|made|practi[cs]ed|still)\b")


def negative(text: str) -> bool:
    """The reply says nothing was done ("didn't get to it", "no time for the meetup goal",
    "no Arabic this week"); a "but I did..." after it says something was."""
    lowered = text.replace("\u2019", "'").casefold()
    return _NEGATIVE.search(lowered) is not None and _POSITIVE_AFTER.search(lowered) is None


_QUESTION = re.compile(
    r"^\W*(?:hold on,?\s*|wait,?\s*|actually,?\s*|btw,?\s*|also,?\s*)*"
    r"(what|what's|whats|wats|how|why|when|where|who|which|can|could|should|would|will|is|are|"
    r"do|does|did)\b"
)


_SENTENCE = re.compile(r"[^.!?\n]*[.!?\n]*")


def is_question(text: str) -> bool:
    """A reply that opens with a question of its own ("what counts as a promotion?"), not
    an answer followed by a question ("Higher! Does that count?")."""
    lowered = text.replace("\u2019", "'").casefold().strip()
    first = (_SENTENCE.match(lowered) or _SENTENCE.match("")).group(0).strip()  # type: ignore[union-attr]
    if len(_words(first)) <= 2:
        return False
    return _QUESTION.search(first) is not None or (first.endswith("?") and len(_words(first)) > 4)
