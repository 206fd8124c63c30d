"""Normalised entity values, one function per entity type, on fixed reference dates."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.normalize import (
    clock_time,
    date_value,
    goal_ref_value,
    job_title_value,
    org_change_value,
    pay_change_value,
    schedule_value,
    timezone_value,
)

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("text", "iso", "granularity"),
    [
        ("by June 2027", "2027-06-30", "month"),
        ("next summer", "2027-08-31", "season"),
        ("within 12 months", "2027-11-21", "day"),
        ("in a couple of months", "2027-01-21", "day"),
        ("3 weeks from now", "2026-12-12", "day"),
        ("by the end of the year", "2026-12-31", "year"),
        ("end of 2027", "2027-12-31", "year"),
        ("by 2027", "2027-12-31", "year"),
        ("in march", "2027-03-31", "month"),
        ("may 2027", "2027-05-31", "month"),
        ("by Q3 2027", "2027-09-30", "quarter"),
        ("Q1", "2027-03-31", "quarter"),
        ("end of next quarter", "2027-03-31", "quarter"),
        ("this winter", "2027-02-28", "season"),
        ("by 30 June 2027", "2027-06-30", "day"),
        ("2027-06-30", "2027-06-30", "day"),
        ("30/06/2027", "2027-06-30", "day"),
    ],
)
def test_dates_are_deadlines_at_the_end_of_the_named_period(
    text: str, iso: str, granularity: str
) -> None:
    assert date_value(text, TODAY) == {"date": iso, "granularity": granularity}


def test_summer_already_past_means_next_years_summer() -> None:
    assert date_value("by summer", date(2026, 9, 10)) == {
        "date": "2027-08-31", "granularity": "season"}  # fmt: skip


@pytest.mark.parametrize("text", ["by 1234", "within 0 months", "in 500 years", "of the"])
def test_impossible_or_empty_dates_give_no_value(text: str) -> None:
    assert date_value(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6pm", "18:00"), ("6 pm", "18:00"), ("7:30", "07:30"), ("18.00", "18:00"),
        ("12 am", "00:00"), ("12pm", "12:00"), ("7.30 p.m.", "19:30"),
        ("25:00", None), ("13pm", None), ("7:75", None), ("no time here", None),
    ],
)  # fmt: skip
def test_clock_times(text: str, expected: str | None) -> None:
    assert clock_time(text) == expected


@pytest.mark.parametrize(
    ("text", "weekday", "time"),
    [
        ("Fridays at 6pm", "friday", "18:00"),
        ("every Monday morning", "monday", "09:00"),
        ("at 7:30", None, "07:30"),
        ("on thursday evenings at 7", "thursday", "19:00"),
        ("monday morning at 7", "monday", "07:00"),
        ("fri 18:00", "friday", "18:00"),
        ("at noon", None, "12:00"),
        ("tuesdays", "tuesday", None),
    ],
)
def test_weekly_slots(text: str, weekday: str | None, time: str | None) -> None:
    assert schedule_value(text) == {"weekday": weekday, "time": time}


@pytest.mark.parametrize("text", ["at 25:00", "at 13pm", "every"])
def test_impossible_slots_give_no_value(text: str) -> None:
    assert schedule_value(text) is None


ABBREVIATIONS = {"CET": "Europe/Berlin", "UTC": "UTC"}
OFFSETS = {"+05:30": "Asia/Kolkata"}


@pytest.mark.parametrize(
    ("text", "zone", "source"),
    [
        ("Europe/Berlin", "Europe/Berlin", "iana"),
        ("europe/berlin", "Europe/Berlin", "iana"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", "iana"),
        ("UTC+2", "Etc/GMT-2", "offset"),
        ("GMT -5", "Etc/GMT+5", "offset"),
        ("utc+05:30", "Asia/Kolkata", "offset"),
        ("UTC-0", "UTC", "offset"),
        ("CET", "Europe/Berlin", "abbreviation"),
    ],
)
def test_timezones_become_iana_names(text: str, zone: str, source: str) -> None:
    value = timezone_value(text, abbreviations=ABBREVIATIONS, fractional_offsets=OFFSETS)
    assert value == {"timezone": zone, "source": source}


@pytest.mark.parametrize("text", ["Mars/Phobos", "UTC+15", "UTC-13", "utc+04:17"])
def test_unknown_zones_and_offsets_give_no_value(text: str) -> None:
    assert timezone_value(text, abbreviations=ABBREVIATIONS, fractional_offsets=OFFSETS) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("goal 2", {"index": 2}),
        ("goal #3", {"index": 3}),
        ("goal no. 4", {"index": 4}),
        ("my second goal", {"index": 2}),
        ("the 3rd goal", {"index": 3}),
        ("the last one", {"index": -1}),
        ("the SQL goal", {"name": "sql"}),
        ("my public speaking goal", {"name": "public speaking"}),
        ("my career goal", None),
        ("goal 0", None),
    ],
)
def test_goal_references(text: str, expected: dict | None) -> None:
    assert goal_ref_value(text) == expected


LADDER = [
    {"level": "intern", "rank": 0, "words": ["intern"]},
    {"level": "junior", "rank": 1, "words": ["junior", "entry-level"]},
    {"level": "mid", "rank": 3, "words": ["analyst"]},
    {"level": "senior", "rank": 4, "words": ["senior"]},
    {"level": "lead", "rank": 5, "words": ["lead"]},
    {"level": "manager", "rank": 7, "words": ["manager"]},
    {"level": "vp", "rank": 10, "words": ["vice-president", "vp"]},
]


@pytest.mark.parametrize(
    ("text", "level", "rank", "explicit"),
    [
        ("registered nurse", "mid", 3, False),
        ("nurse manager", "manager", 7, True),
        ("Senior Data Analyst", "senior", 4, True),
        ("team lead", "lead", 5, True),
        ("Vice President of Sales", "vp", 10, True),
        ("entry-level developer", "junior", 1, True),
        ("entry - level developer", "junior", 1, True),
    ],
)
def test_job_titles_get_their_rung(text: str, level: str, rank: int, explicit: bool) -> None:
    value = job_title_value(text, ladder=LADDER, default_level="mid")
    assert value is not None
    assert (value["level"], value["rank"], value["explicit_level"]) == (level, rank, explicit)


@pytest.mark.parametrize(
    ("text", "direction", "percent", "amount"),
    [
        ("12% raise", "up", 12.0, None),
        ("a 5 percent pay rise", "up", 5.0, None),
        ("raise of 8%", "up", 8.0, None),
        ("$5k more", "up", None, 5000.0),
        ("higher salary", "up", None, None),
        ("same salary", "same", None, None),
        ("no raise", "same", None, None),
        ("pay stayed the same", "same", None, None),
        ("10% pay cut", "down", 10.0, None),
        ("less money", "down", None, None),
    ],
)
def test_pay_changes(
    text: str, direction: str, percent: float | None, amount: float | None
) -> None:
    assert pay_change_value(text) == {"direction": direction, "percent": percent, "amount": amount}


@pytest.mark.parametrize(
    ("text", "same_org"),
    [
        ("joined a competitor", False), ("moved to another company", False),
        ("left my company", False), ("new employer", False), ("changed jobs", False),
        ("at my company", True), ("internally", True), ("same company", True),
        ("within my team", True), ("internal move", True),
    ],
)  # fmt: skip
def test_organisation_changes(text: str, same_org: bool) -> None:
    assert org_change_value(text) == {"same_org": same_org}


def test_an_assistant_is_a_step_below_the_rung() -> None:
    ladder = [*LADDER, {"level": "associate", "rank": 2, "words": ["assistant"]}]
    assistant = job_title_value("assistant store manager", ladder=ladder, default_level="mid")
    manager = job_title_value("store manager", ladder=ladder, default_level="mid")
    assert assistant is not None
    assert manager is not None
    assert assistant["rank"] == manager["rank"] - 1
