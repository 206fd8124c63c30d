"""Entities found in whole messages by the built pipeline, with their normalised values."""

from __future__ import annotations

import json
from typing import Any

import pytest
from spacy.matcher import Matcher

from nlu.components import token_features
from nlu.dataset import DEV_PATH, TRAIN_PATH, load_examples
from nlu.pipeline import Nlu
from tests.conftest import NOW


def entities(nlu: Nlu, text: str) -> list[tuple[str, str, Any]]:
    return [(e.label, e.text, e.value) for e in nlu.parse(text, now=NOW).entities]


def values(nlu: Nlu, text: str, label: str) -> list[Any]:
    return [value for found, _, value in entities(nlu, text) if found == label]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to be a team lead by June 2027", {"date": "2027-06-30", "granularity": "month"}),
        ("get certified next summer", {"date": "2027-08-31", "granularity": "season"}),
        ("save up within 12 months", {"date": "2027-11-21", "granularity": "day"}),
        ("finish my MBA by the end of 2027", {"date": "2027-12-31", "granularity": "year"}),
        ("promotion by Q3 2027?", {"date": "2027-09-30", "granularity": "quarter"}),
        ("deadline 2027-06-30", {"date": "2027-06-30", "granularity": "day"}),
    ],
)
def test_deadlines(nlu: Nlu, text: str, expected: dict[str, str]) -> None:
    assert values(nlu, text, "DATE") == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("send it Fridays at 6pm", {"weekday": "friday", "time": "18:00"}),
        ("every Monday morning please", {"weekday": "monday", "time": "09:00"}),
        ("move it to 7:30", {"weekday": None, "time": "07:30"}),
        ("at 7:30pm on wednesdays", {"weekday": "wednesday", "time": "19:30"}),
        ("thursday at noon", {"weekday": "thursday", "time": "12:00"}),
    ],
)
def test_nudge_slots(nlu: Nlu, text: str, expected: dict[str, Any]) -> None:
    assert values(nlu, text, "SCHEDULE") == [expected]


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("my timezone is Europe/Berlin", "Europe/Berlin"),
        ("I'm in Berlin", "Europe/Berlin"),
        ("i live in new york", "America/New_York"),
        ("Tokyo time please", "Asia/Tokyo"),
        ("Lagos", "Africa/Lagos"),
        ("I'm on UTC+2", "Etc/GMT-2"),
        ("we use CET here", "Europe/Berlin"),
        ("based in Germany", "Europe/Berlin"),
    ],
)
def test_timezones(nlu: Nlu, text: str, zone: str) -> None:
    assert [value["timezone"] for value in values(nlu, text, "TIMEZONE")] == [zone]


def test_a_country_with_several_zones_offers_candidates(nlu: Nlu) -> None:
    [value] = values(nlu, "I'm in the United States", "TIMEZONE")
    assert value["timezone"] is None
    assert "America/New_York" in value["candidates"]
    assert "America/Los_Angeles" in value["candidates"]


@pytest.mark.parametrize(
    "text", ["I'm reading a book", "that was nice", "my mobile broke", "lead the meeting"]
)
def test_city_names_that_are_ordinary_words_are_not_timezones(nlu: Nlu, text: str) -> None:
    assert values(nlu, text, "TIMEZONE") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("done with goal 2", {"index": 2}),
        ("delete my second goal", {"index": 2}),
        ("drop the SQL goal", {"name": "sql"}),
        ("progress on goal #3", {"index": 3}),
    ],
)
def test_goal_references(nlu: Nlu, text: str, expected: dict[str, Any]) -> None:
    assert values(nlu, text, "GOAL_REF") == [expected]


@pytest.mark.parametrize(
    ("text", "title", "level", "rank"),
    [
        ("I was made team lead", "team lead", "lead", 5),
        ("promoted from registered nurse to nurse manager", "nurse manager", "manager", 7),
        ("now a Senior Data Analyst", "senior data analyst", "senior", 4),
        ("joined as head of marketing", "head of marketing", "head", 8),
        ("became director", "director", "director", 9),
    ],
)
def test_job_titles_and_levels(nlu: Nlu, text: str, title: str, level: str, rank: int) -> None:
    found = values(nlu, text, "JOB_TITLE")
    assert {"title": title, "level": level, "rank": rank} in [
        {key: value[key] for key in ("title", "level", "rank")} for value in found
    ]


def test_the_nurse_example_gives_both_titles_in_order(nlu: Nlu) -> None:
    found = values(nlu, "promoted from registered nurse to nurse manager", "JOB_TITLE")
    assert [(v["title"], v["rank"]) for v in found] == [
        ("registered nurse", 3),
        ("nurse manager", 7),
    ]


@pytest.mark.parametrize(
    ("text", "direction", "percent"),
    [
        ("I got a 12% raise", "up", 12.0),
        ("moved to marketing at the same salary", "same", None),
        ("new title but no raise", "same", None),
        ("took a 10% pay cut", "down", 10.0),
    ],
)
def test_pay_changes(nlu: Nlu, text: str, direction: str, percent: float | None) -> None:
    [value] = values(nlu, text, "PAY_CHANGE")
    assert (value["direction"], value["percent"]) == (direction, percent)


@pytest.mark.parametrize(
    ("text", "same_org"),
    [
        ("I joined a competitor as senior engineer", False),
        ("got promoted at my company", True),
        ("moved internally to the data team", True),
        ("switched companies last month", False),
    ],
)
def test_organisation_changes(nlu: Nlu, text: str, same_org: bool) -> None:
    assert values(nlu, text, "ORG_CHANGE") == [{"same_org": same_org}]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🚀🔥💯", "asdkjh qwe zxcv", "¿Dónde está la biblioteca?", "我想升职",
     "a" * 10_000, "by " * 3000, "goal " * 2000, "\x00\x01\x02"],
)  # fmt: skip
def test_nonsense_and_edge_cases_give_no_entities_and_no_error(nlu: Nlu, text: str) -> None:
    assert nlu.parse(text, now=NOW).entities == []


def test_long_messages_still_find_entities_within_the_read_limit(nlu: Nlu) -> None:
    text = "blah " * 500 + "I want to become a manager by June 2027 " + "blah " * 2000
    assert [e.label for e in nlu.parse(text, now=NOW).entities] == ["JOB_TITLE", "DATE"]


def test_entity_values_are_json(nlu: Nlu) -> None:
    result = nlu.parse("team lead by June 2027 with a 12% raise, Fridays at 6pm in Berlin")
    assert json.loads(json.dumps(result.to_dict()))["entities"]


def test_gated_matchers_find_exactly_what_one_ungated_matcher_finds(nlu: Nlu) -> None:
    """The speed-up from skipping Matchers must not change any match, on every example."""
    extractor = nlu.nlp.get_pipe("careerbot_entities")
    full = Matcher(nlu.nlp.vocab)
    for label, patterns in extractor.patterns.items():
        full.add(label, patterns)
    texts = [e.text for path in (TRAIN_PATH, DEV_PATH) for e in load_examples(path)]
    texts += ["by 2027-06-30 at 7:30pm, UTC+2, Europe/Berlin, goal #3, $5k more, Q3"]
    for doc in nlu.nlp.tokenizer.pipe(texts):
        gated = extractor.pattern_spans(doc, token_features(doc))
        assert {(s.label_, s.start, s.end) for s in gated} == {
            (s.label_, s.start, s.end) for s in full(doc, as_spans=True)
        }, doc.text
