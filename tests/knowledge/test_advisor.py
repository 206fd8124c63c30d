"""The advisor's verdicts on the tricky cases, its questions, and multi-turn answers."""

from __future__ import annotations

import pytest

from knowledge.advisor import Facts, Verdict, apply_answer, judge
from nlu.pipeline import Nlu


def verdict_of(nlu: Nlu, text: str, **kwargs) -> Verdict:
    return judge(text, nlu.parse(text).entities, **kwargs).verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # title up without a raise: still a promotion
        ("my company made me team lead but there is no raise yet", Verdict.PROMOTION),
        ("went from analyst to senior analyst at the same bank, same salary", Verdict.PROMOTION),
        # raise without a new title
        ("I got a 10% raise but my title stayed the same", Verdict.ADVANCEMENT),
        # more responsibility only
        ("I now manage two interns, title is still designer, no raise", Verdict.ADVANCEMENT),
        # same level in another department
        ("I moved from sales to marketing at the same pay", Verdict.ADVANCEMENT),
        # higher role at another company
        ("I joined a competitor as senior engineer", Verdict.ADVANCEMENT),
        ("left my company to become head of design at a startup", Verdict.ADVANCEMENT),
        # the nurse examples
        (
            "I was a registered nurse and my hospital promoted me to nurse manager",
            Verdict.PROMOTION,
        ),
        (
            "as a nurse I moved to the triage and emergency department, same pay",
            Verdict.ADVANCEMENT,
        ),
        # growth without a move
        ("I finished a course on SQL, is that advancement?", Verdict.ADVANCEMENT),
        ("I got my PMP certification last week", Verdict.ADVANCEMENT),
        # negations
        ("they gave me more work but it's not a promotion, no raise either", Verdict.ADVANCEMENT),
        ("I didn't get the title, just more duties", Verdict.ADVANCEMENT),
        # a move down
        ("I was demoted from manager to senior analyst", Verdict.NEITHER),
    ],
)
def test_tricky_verdicts(nlu: Nlu, text: str, verdict: Verdict) -> None:
    assert verdict_of(nlu, text) == verdict


@pytest.mark.parametrize(
    "text", ["is this a promotion?", "got a new role, promotion?", "promotion?"]
)
def test_a_bare_question_is_unclear_and_asks_a_question(nlu: Nlu, text: str) -> None:
    judgement = judge(text, nlu.parse(text).entities)
    assert judgement.verdict is Verdict.UNCLEAR
    assert judgement.question is not None
    # with nothing said, what changed; with a "new role", whether it is higher
    assert judgement.question.id == ("level" if "role" in text else "what_changed")
    assert len(judgement.question.options) >= 3


@pytest.mark.parametrize("text", ["asdkjh qwe zxcv", "", "🙂🙂🙂", "x" * 5000])
def test_nonsense_is_unclear_not_an_error(nlu: Nlu, text: str) -> None:
    judgement = judge(text, nlu.parse(text).entities)
    assert judgement.verdict is Verdict.UNCLEAR
    assert judgement.question is not None


def test_a_higher_role_with_unknown_employer_asks_and_then_decides(nlu: Nlu) -> None:
    text = "I'm becoming a director, promotion?"
    entities = nlu.parse(text).entities
    first = judge(text, entities)
    assert first.verdict is Verdict.UNCLEAR
    assert first.question is not None
    assert first.question.id == "same_org"
    assert judge(text, entities, answers=[("same_org", "yes")]).verdict is Verdict.PROMOTION
    assert judge(text, entities, answers=[("same_org", "no")]).verdict is Verdict.ADVANCEMENT


def test_facts_from_earlier_messages_carry_over(nlu: Nlu) -> None:
    first = judge("my title changed", nlu.parse("my title changed").entities)
    assert first.verdict is Verdict.UNCLEAR
    second = judge("it's a higher position, at my company", nlu.parse("x").entities,
                   known=first.facts)  # fmt: skip
    assert second.verdict is Verdict.PROMOTION


def test_every_reason_names_a_knowledge_entry(nlu: Nlu) -> None:
    from knowledge.base import load_knowledge

    entry_ids = {entry.id for entry in load_knowledge().entries}
    for text in ["my boss promoted me to manager", "I got a raise, same title",
                 "moved to the data team", "is this a promotion?"]:  # fmt: skip
        for _, entry_id in judge(text, nlu.parse(text).entities).reasons:
            assert entry_id in entry_ids


def test_answers_outside_the_offered_options_are_refused() -> None:
    with pytest.raises(ValueError, match="not an answer"):
        apply_answer(Facts(), "level", "sideways-ish")


def test_facts_round_trip_through_a_dict() -> None:
    facts = Facts(level="up", same_org=True, pay="same", growth=("education",))
    assert Facts.from_dict(facts.to_dict()) == facts


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("band 5 to band 6 at my trust", Verdict.PROMOTION),
        ("L4 -> L5 at the company I've been at for years", Verdict.PROMOTION),
        ("they busted me down from E-5 to E-4", Verdict.NEITHER),
        ("band 7 to band 6 at a new trust because I moved", Verdict.NEITHER),
        ("went from line cook to sous chef at my restaurant", Verdict.PROMOTION),
        ("corporal to sergeant, same unit", Verdict.PROMOTION),
        ("I went back from charge nurse to staff nurse, less stress", Verdict.NEITHER),
    ],
)
def test_grades_and_career_ladders_give_the_direction(
    nlu: Nlu, text: str, verdict: Verdict
) -> None:
    assert verdict_of(nlu, text) == verdict


def test_misspelt_key_words_are_read(nlu: Nlu) -> None:
    text = "i was a cashier and now im shift supervisr at the same supermarket"
    assert verdict_of(nlu, text) == Verdict.PROMOTION


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("team member to team leader at the same call centre", Verdict.PROMOTION),
        ("station master to station superintendent in the same division", Verdict.PROMOTION),
        ("my boss asked me to lead the weekly standup", Verdict.ADVANCEMENT),
        ("got a raise but my title and level are exactly the same", Verdict.ADVANCEMENT),
        ("moved from sales to marketing in the same company, both are band C", Verdict.ADVANCEMENT),
        ("my grade went from G7 down to G6", Verdict.NEITHER),
    ],
)
def test_titles_ranked_by_their_words_and_explicit_same_levels(
    nlu: Nlu, text: str, verdict: Verdict
) -> None:
    assert verdict_of(nlu, text) == verdict


def test_another_team_without_more_detail_asks_whether_it_is_higher(nlu: Nlu) -> None:
    judgement = judge("got moved to another team", nlu.parse("got moved to another team").entities)
    assert judgement.verdict is Verdict.UNCLEAR
    assert judgement.question is not None
    assert judgement.question.id == "level"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("I was acting branch manager and HR confirmed the role as permanent", Verdict.PROMOTION),
        ("I was interim team lead, now I went back to my senior dev role", Verdict.ADVANCEMENT),
        ("left Infosys as a senior engineer to join a startup as engineering manager",
         Verdict.ADVANCEMENT),
        ("I'll be running the team's quarterly planning meeting from now on", Verdict.ADVANCEMENT),
        ("associate product manager -> product manager, same company", Verdict.PROMOTION),
    ],
)  # fmt: skip
def test_acting_roles_new_employers_and_associate_titles(
    nlu: Nlu, text: str, verdict: Verdict
) -> None:
    assert verdict_of(nlu, text) == verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # someone else's title is not the user's old or new role
        ("the store manager sent me on a forklift course", Verdict.ADVANCEMENT),
        # two employers named after "at"
        ("I was a barista at Costa and now I'm shift manager at Starbucks", Verdict.ADVANCEMENT),
        # working for oneself: no organisation to promote you, and an apprentice is not a step down
        ("I'm a freelance translator and I raised my rates for new clients", Verdict.ADVANCEMENT),
        ("self-employed electrician, just took on my first apprentice", Verdict.ADVANCEMENT),
        # a ladder that disagrees with the generic ranks, and nothing else says which way
        ("they changed my title from Analyst to Associate", Verdict.UNCLEAR),
        # grades with a letter, and scales that count down when the words say up
        ("moved from E9a to E10 in the same office", Verdict.PROMOTION),
        ("moved up from grade 7 to grade 6 in my department", Verdict.PROMOTION),
        # pay steps inside one grade are a raise, not a new position
        ("step 2 to step 3 on the pay scale, same grade", Verdict.ADVANCEMENT),
        # an acting role that may or may not become permanent
        ("I'm acting head of unit until they decide whether it will be made permanent",
         Verdict.UNCLEAR),
        # a retitle whose old name is written in title case before the title
        ("New title is Client Partner (used to be Client Manager)", Verdict.UNCLEAR),
        # "new job" alone says nothing about the employer
        ("starting a new job next week as shift lead", Verdict.UNCLEAR),
        # an unranked old role against a ranked new one
        ("I was a bus driver and now I'm the depot supervisor at the same depot",
         Verdict.PROMOTION),
        ("the Navy advanced me from seaman to petty officer third class", Verdict.PROMOTION),
        ("dropped from the first team to the reserves this season", Verdict.NEITHER),
    ],
)  # fmt: skip
def test_people_employers_self_employment_ladders_and_grades(
    nlu: Nlu, text: str, verdict: Verdict
) -> None:
    assert verdict_of(nlu, text) == verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # the user's own question is not a fact: "step up?" does not say it went up
        ("new title: senior planner, before that: planning manager. step up?", Verdict.NEITHER),
        ("they moved me to the audit team, is that still a promotion?", Verdict.UNCLEAR),
        # "not a raise" around the word "raise"
        ("not a raise but they made me team lead at my company", Verdict.PROMOTION),
        # ladder rungs by their abbreviations, and roman-numbered steps of one title
        ("Cpl to Sgt in the same battalion", Verdict.PROMOTION),
        ("my company moved me from Technician I to Technician II", Verdict.PROMOTION),
        # back to a lower title of the same rank word
        ("asked to go from senior manager back to manager at my company", Verdict.NEITHER),
        # a title followed by "here" is the one the user has now
        ("offered head chef at another restaurant, I'm a sous chef here", Verdict.ADVANCEMENT),
        # junior is a step below the same title
        ("jr designer to designer at the same studio", Verdict.PROMOTION),
        # a person named after a comma ("owner told me") is not the user's title
        ("shift lead now, was just a barista, same cafe, owner told me today", Verdict.PROMOTION),
    ],
)  # fmt: skip
def test_questions_no_raise_abbreviations_and_current_roles(
    nlu: Nlu, text: str, verdict: Verdict
) -> None:
    assert verdict_of(nlu, text) == verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # "senior" before a manager-or-above title is a step above it
        ("at my company I went from Director to Senior Director", Verdict.PROMOTION),
        # "I'll be" names the new title, so "right now I'm" names the old one
        ("right now I'm a cashier, from next week I'll be the shift supervisor at my store",
         Verdict.PROMOTION),
        # "made me X here": the words before the title decide, not "here"
        ("the owner made me sous chef here, I was a line cook before", Verdict.PROMOTION),
        # a job title is not growth of its own kind
        ("I'm a project manager now", Verdict.UNCLEAR),
        ("now a network engineer", Verdict.UNCLEAR),
        # working for oneself, said as running or founding a business
        ("I run my own plumbing business and just hired a second van", Verdict.ADVANCEMENT),
        ("we founded a small studio two years ago and now have 6 staff", Verdict.ADVANCEMENT),
        # employers named by a letter are still two employers
        ("teacher at school A, now head of department at school B", Verdict.ADVANCEMENT),
        # more ladder rungs: army abbreviations, retail management
        ("went from pte to lcpl last week", Verdict.PROMOTION),
        ("district manager to regional manager at my company", Verdict.PROMOTION),
    ],
)  # fmt: skip
def test_senior_titles_future_roles_titles_that_are_not_growth_and_founders(
    nlu: Nlu, text: str, verdict: Verdict
) -> None:
    assert verdict_of(nlu, text) == verdict
