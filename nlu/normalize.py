"""Turn the text of a matched entity span into its normalised value.

Each ``*_value`` function takes the span's text (and what it needs to know) and returns a small
JSON-ready dict, or ``None`` when the text does not hold a usable value, in which case the
entity is dropped rather than reported with a wrong value.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from typing import Any, TypedDict
from zoneinfo import available_timezones

from dateutil.relativedelta import relativedelta

Value = dict[str, Any]

_WORD = re.compile(r"[a-z0-9]+(?:[-'.][a-z0-9]+)*")
_YEAR = re.compile(r"^(19|20)\d\d$")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18,
    "twenty": 20, "couple": 2, "few": 3,
}  # fmt: skip
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "last": -1,
}  # fmt: skip

# --- dates -----------------------------------------------------------------------------------

_PREPOSITIONS = {
    "by", "before", "until", "till", "til", "in", "within", "around", "for", "from", "on", "at",
    "of", "due", "during", "over", "inside", "the",
}  # fmt: skip
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # first month
_EDGES = {"end": "end", "close": "end", "start": "start", "beginning": "start", "middle": "mid",
          "mid": "mid"}  # fmt: skip
_SHORTHAND = {"eoy": "year", "yearend": "year", "year-end": "year", "eom": "month",
              "eoq": "quarter"}  # fmt: skip


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _span_of(kind: str, anchor: date) -> tuple[date, date]:
    """First and last day of the calendar period of the given kind that contains ``anchor``."""
    if kind == "year":
        return date(anchor.year, 1, 1), date(anchor.year, 12, 31)
    if kind == "quarter":
        first_month = 3 * ((anchor.month - 1) // 3) + 1
        return date(anchor.year, first_month, 1), _month_end(anchor.year, first_month + 2)
    if kind == "semester":
        first_month = 1 if anchor.month <= 6 else 7
        return date(anchor.year, first_month, 1), _month_end(anchor.year, first_month + 5)
    if kind == "week":
        monday = anchor - relativedelta(days=anchor.weekday())
        return monday, monday + relativedelta(days=6)
    if kind.startswith("season:"):
        first_month = _SEASONS[kind.removeprefix("season:")]
        start = date(anchor.year, first_month, 1)
        return start, _month_end(
            (start + relativedelta(months=2)).year, (start + relativedelta(months=2)).month
        )
    return date(anchor.year, anchor.month, 1), _month_end(anchor.year, anchor.month)


def _season_anchor(season: str, today: date, relative: str | None, year: int | None) -> date:
    first_month = _SEASONS[season]
    if year is not None:
        return date(year, first_month, 1)
    start = date(today.year, first_month, 1)
    # Winter that began last December is still "this winter" in January and February.
    if first_month == 12 and today.month <= 2:
        start = date(today.year - 1, 12, 1)
    end = start + relativedelta(months=3, days=-1)
    if relative == "next" or (relative in {None, "coming", "following"} and end < today):
        start = start + relativedelta(years=1) if start <= today else start
    return start


def _step(kind: str) -> relativedelta:
    return {
        "year": relativedelta(years=1), "quarter": relativedelta(months=3),
        "semester": relativedelta(months=6), "week": relativedelta(weeks=1),
    }.get(kind, relativedelta(months=1))  # fmt: skip


def _pick(edge: str, first: date, last: date) -> date:
    if edge == "start":
        return first
    if edge == "mid":
        return first + (last - first) / 2
    return last


_UNITS = {"day", "week", "month", "year", "yr", "quarter"}


def _is_duration(words: Sequence[str]) -> bool:
    """'12 months', 'a couple of weeks': an amount followed by a unit of time."""
    content = [w for w in words if w != "of"]
    return any(
        (w in _NUMBER_WORDS or re.fullmatch(r"\d+(\.\d+)?", w)) and nxt.removesuffix("s") in _UNITS
        for w, nxt in pairwise(content)
    )


def _relative_duration(words: Sequence[str], today: date) -> Value | None:
    """'within 12 months', 'in a couple of weeks', '3 months from now'."""
    amount: float | None = None
    for word in words:
        if word in _NUMBER_WORDS:
            amount = _NUMBER_WORDS[word]
        elif re.fullmatch(r"\d+(\.\d+)?", word):
            amount = float(word)
        elif amount is not None and word.removesuffix("s") in _UNITS:
            unit = word.removesuffix("s")
            if amount <= 0 or amount > 100:
                return None
            count = int(amount)
            delta = {
                "day": relativedelta(days=count), "week": relativedelta(weeks=count),
                "month": relativedelta(months=count), "year": relativedelta(years=count),
                "yr": relativedelta(years=count), "quarter": relativedelta(months=3 * count),
            }[unit]  # fmt: skip
            return {"date": (today + delta).isoformat(), "granularity": "day"}
    return None


def date_value(text: str, today: date) -> Value | None:
    """A deadline: the last day of the named period ('by June 2027' -> 2027-06-30)."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _PREPOSITIONS or w == "of"]
    while words and words[0] == "of":
        words.pop(0)
    if not words:
        return None
    if _is_duration(words):
        return _relative_duration(words, today)
    if any(re.fullmatch(r"\d{4}", w) and not _YEAR.match(w) for w in words):
        return None  # "by 1234" names no year anyone plans for
    year = next((int(w) for w in words if _YEAR.match(w)), None)
    edge = next((_EDGES[w] for w in words if w in _EDGES), "end")
    relative = next((w for w in words if w in {"next", "this", "coming", "following"}), None)
    season = next((w for w in words if w in _SEASONS), None)
    quarter = next((int(w[1]) for w in words if re.fullmatch(r"q[1-4]", w)), None)
    period = next((w for w in words if w in {"year", "month", "quarter", "week", "semester"}), None)
    period = period or next((v for k, v in _SHORTHAND.items() if k in words), None)

    if season is not None:
        anchor = _season_anchor(season, today, relative, year)
        first, last = _span_of(f"season:{season}", anchor)
        return {"date": _pick(edge, first, last).isoformat(), "granularity": "season"}
    if quarter is not None:
        quarter_year = year if year is not None else today.year
        anchor = date(quarter_year, 3 * quarter - 2, 1)
        if year is None and _span_of("quarter", anchor)[1] < today:
            anchor += relativedelta(years=1)
        first, last = _span_of("quarter", anchor)
        return {"date": _pick(edge, first, last).isoformat(), "granularity": "quarter"}
    if period is not None:
        anchor = today + _step(period) if relative in {"next", "following"} else today
        first, last = _span_of(period, anchor)
        return {"date": _pick(edge, first, last).isoformat(), "granularity": period}
    if year is not None and len(words) == 1 + (words[0] in _EDGES) + ("of" in words):
        first, last = date(year, 1, 1), date(year, 12, 31)
        return {"date": _pick(edge, first, last).isoformat(), "granularity": "year"}
    phrase = " ".join(w for w in words if w not in _EDGES and w != "of")
    parsed = _parse_with_dateparser(phrase, today)
    if parsed is None:
        return None
    found, granularity = parsed
    if granularity == "month":
        first, last = _span_of("month", found)
        return {"date": _pick(edge, first, last).isoformat(), "granularity": "month"}
    if granularity == "year":
        first, last = _span_of("year", found)
        return {"date": _pick(edge, first, last).isoformat(), "granularity": "year"}
    return {"date": found.isoformat(), "granularity": "day"}


@lru_cache(maxsize=4096)
def _parse_with_dateparser(phrase: str, today: date) -> tuple[date, str] | None:
    """Ask dateparser for a calendar date in the future of ``today``; cached per phrase and day."""
    result = _date_parser_for(today).get_date_data(phrase)
    if result.date_obj is None:
        return None
    return result.date_obj.date(), result.period or "day"


@lru_cache(maxsize=8)
def _date_parser_for(today: date) -> Any:
    # Imported here: dateparser takes a quarter of a second to import and most messages
    # hold no date it needs to read.
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "PREFER_DAY_OF_MONTH": "first",
            "RELATIVE_BASE": datetime(today.year, today.month, today.day),
            "DATE_ORDER": "DMY",
        },
    )


# --- weekly schedule -------------------------------------------------------------------------

_WEEKDAYS = {
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "thu": "thursday",
    "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
}  # fmt: skip
_DAYPARTS = {
    "morning": "09:00", "afternoon": "14:00", "evening": "18:00", "night": "20:00",
    "noon": "12:00", "midday": "12:00", "lunchtime": "12:00", "midnight": "00:00",
}  # fmt: skip
_AFTERNOON_PARTS = {"afternoon", "evening", "night"}
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?![\d%])")


def _weekday(word: str) -> str | None:
    full = {day.lower() for day in calendar.day_name}
    stem = word.removesuffix("s") if word.endswith("days") else word
    if stem in full:
        return stem
    return _WEEKDAYS.get(word)


def clock_time(text: str) -> str | None:
    """'6pm' -> '18:00', '7:30' -> '07:30', '12 am' -> '00:00'; None for an impossible time."""
    match = _CLOCK.search(text.lower())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").replace(".", "")
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        return None
    return f"{hour:02d}:{minute:02d}"


def schedule_value(text: str) -> Value | None:
    """A weekly slot: {'weekday': 'friday', 'time': '18:00'}, either part may be None."""
    words = _WORD.findall(text.lower())
    weekday = next((d for d in map(_weekday, words) if d is not None), None)
    time = clock_time(text)
    if time is None and _CLOCK.search(text.lower()):
        return None  # a clock-looking number that is no real time, e.g. "at 25:00"
    part = next((w.removesuffix("s") for w in words if w.removesuffix("s") in _DAYPARTS), None)
    if time is None:
        time = _DAYPARTS.get(part) if part else None
    elif part in _AFTERNOON_PARTS and not re.search(r"[ap]\.?m", text.lower()):
        hour, minute = map(int, time.split(":"))
        # "thursday evenings at 7" is 19:00, not 07:00.
        time = f"{hour + 12 if hour < 12 else hour:02d}:{minute:02d}"
    if weekday is None and time is None:
        return None
    return {"weekday": weekday, "time": time}


# --- timezones -------------------------------------------------------------------------------


class Place(TypedDict):
    """A city or country the entity component can name a timezone for."""

    name: str
    kind: str
    timezone: str | None
    candidates: list[str]


@lru_cache(maxsize=1)
def _iana_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$")


def timezone_value(
    text: str,
    *,
    abbreviations: Mapping[str, str],
    fractional_offsets: Mapping[str, str],
    place: Place | None = None,
) -> Value | None:
    """An IANA timezone from a zone name, an offset, an abbreviation or a place."""
    if place is not None:
        return {
            "timezone": place["timezone"],
            "source": place["kind"],
            "place": place["name"],
            "candidates": place["candidates"],
        }
    compact = re.sub(r"\s+", "", text)
    if compact in abbreviations:
        return {"timezone": abbreviations[compact], "source": "abbreviation"}
    if "/" in compact:
        name = _iana_by_folded_name().get(compact.casefold())
        return {"timezone": name, "source": "iana"} if name else None
    offset = _OFFSET.match(compact.lower())
    if offset is None:
        return None
    sign = "-" if offset.group(1) in {"-", "−"} else "+"
    hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
    if minutes:
        zone = fractional_offsets.get(f"{sign}{hours:02d}:{minutes:02d}")
        return {"timezone": zone, "source": "offset"} if zone else None
    if hours == 0:
        return {"timezone": "UTC", "source": "offset"}
    if hours > 14 or (sign == "-" and hours > 12):
        return None
    # The Etc/ zones use POSIX signs: UTC+2 is Etc/GMT-2.
    return {"timezone": f"Etc/GMT{'-' if sign == '+' else '+'}{hours}", "source": "offset"}


# --- goal references -------------------------------------------------------------------------

_NOT_A_GOAL_NAME = {
    "my", "the", "that", "this", "a", "an", "our", "your", "new", "next", "current", "main",
    "big", "biggest", "only", "latest", "old", "other", "own", "career", "personal",
    "professional", "weekly", "top", "one", "long-term", "short-term", "whole", "entire",
    "same", "previous", "final", "ultimate", "real", "overall", "life", "every", "each", "of",
    "all", "any", "some", "these", "those", "actual", "primary",
}  # fmt: skip


def goal_ref_value(text: str) -> Value | None:
    """'goal 2' -> {'index': 2}; 'my second goal' -> {'index': 2}; 'the SQL goal' -> name."""
    words = _WORD.findall(text.lower())
    number = next((int(w) for w in words if w.isdigit()), None)
    if number is not None and "goal" in words[:1] + words[:2]:
        return {"index": number} if 1 <= number <= 999 else None
    ordinal = next((_ORDINALS[w] for w in words if w in _ORDINALS), None)
    if ordinal is None:
        ordinal = next(
            (int(w[:-2]) for w in words if re.fullmatch(r"\d{1,2}(st|nd|rd|th)", w)), None
        )
    if ordinal is not None and words[-1] in {"goal", "one"}:
        return {"index": ordinal}
    name_words = [w for w in words[:-1] if w not in _NOT_A_GOAL_NAME]
    if not name_words or words[-1] not in {"goal", "goals"}:
        return None
    return {"name": " ".join(name_words)}


# --- job titles ------------------------------------------------------------------------------


class Rung(TypedDict):
    """One step of the seniority ladder."""

    level: str
    rank: int
    words: list[str]


def job_title_value(text: str, *, ladder: Sequence[Rung], default_level: str) -> Value | None:
    """A job title with its level on the ladder: 'nurse manager' -> manager (rank 7)."""
    folded = re.sub(r"\s+", " ", text.lower())
    folded = folded.replace("vice president", "vice-president").replace(" - ", "-")
    folded = re.sub(r"\b(entry|mid|senior)\s*-\s*level\b", r"\1-level", folded)
    words = set(_WORD.findall(folded))
    best: Rung | None = None
    for rung in ladder:
        if words.intersection(rung["words"]) and (best is None or rung["rank"] > best["rank"]):
            best = rung
    # "senior-level engineer" names the senior rung even though the word is hyphenated.
    if best is None and "senior-level" in words:
        best = next(r for r in ladder if r["level"] == "senior")
    explicit = best is not None
    rank: float | None = best["rank"] if best is not None else None
    if (
        best is not None
        and re.search(
            rf"\b(?:assistant|asst|associate|deputy|vice)\s+(?:\w+\s+)?(?:{'|'.join(best['words'])})\b",
            folded,
        )
        and best["level"] not in {"associate", "vp"}
    ):
        rank = best["rank"] - 1  # an assistant manager is a step below the manager
    elif best is not None and best["rank"] > 1 and words & {"junior", "jr", "entry-level"}:
        rank = best["rank"] - 1  # a junior analyst is a step below the analyst
    elif best is not None and best["rank"] > 4 and words & {"senior", "sr"}:
        rank = best["rank"] + 0.5  # a senior manager is above a manager, below the head
    if best is None:
        best = next(r for r in ladder if r["level"] == default_level)
    title = " ".join(_WORD.findall(folded)) or folded.strip()
    return {
        "title": title,
        "level": best["level"],
        "rank": best["rank"] if rank is None else rank,
        "explicit_level": explicit,
    }


# --- pay -------------------------------------------------------------------------------------

_PAY_SAME = {"same", "unchanged", "identical", "equal", "flat", "no", "without", "zero", "never"}
_PAY_DOWN = {"cut", "decrease", "reduction", "drop", "less", "lower", "smaller", "reduced",
             "down"}  # fmt: skip
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent|pct)")
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(k)?\b")


def pay_change_value(text: str) -> Value | None:
    """{'direction': 'up'|'down'|'same', 'percent': 12.0|None, 'amount': 5000.0|None}."""
    folded = text.lower()
    words = set(_WORD.findall(folded))
    if words & _PAY_SAME:
        direction = "same"
    elif words & _PAY_DOWN:
        direction = "down"
    else:
        direction = "up"
    percent_match = _PERCENT.search(folded)
    percent = float(percent_match.group(1)) if percent_match else None
    if percent is not None and not 0 < percent <= 1000:
        return None
    amount: float | None = None
    if percent is None:
        amount_match = _AMOUNT.search(folded)
        if amount_match:
            amount = float(amount_match.group(1).replace(",", ""))
            amount *= 1000 if amount_match.group(2) else 1
    return {"direction": direction, "percent": percent, "amount": amount}


# --- organisation ----------------------------------------------------------------------------

_NEW_ORG = {"another", "new", "different", "other", "rival", "bigger", "smaller", "competitor",
            "competitors", "competition", "external", "left", "leaving", "quit", "quitting",
            "changed", "changing", "switched", "switching", "change", "switch"}  # fmt: skip


def org_change_value(text: str) -> Value:
    """{'same_org': True} for 'at my company' or 'internally'; False for 'joined a competitor'."""
    words = set(_WORD.findall(text.lower()))
    return {"same_org": not (words & _NEW_ORG)}
