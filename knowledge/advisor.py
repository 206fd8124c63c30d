"""The advisor: "is this a promotion?" about a user's own situation, with reasons.

It reads the facts that decide the question (did the position go up a level, inside the same
organisation; pay; responsibility; lateral moves, courses, skills...) from the NLU's entities
and the phrase rules in ``knowledge/data/advisor.yml``, then applies the source documents'
definitions: a promotion is a move to a higher position inside one's current organisation;
advancement is growth without such a move, including a higher role with another employer.
When a deciding fact is missing it says so and asks for it, with the possible answers; the
answers, and facts from earlier messages, go back in as ``known``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.base import DATA_DIR
from knowledge.text import nearest_word
from nlu.yamlfile import read_yaml

GROWTH_KINDS = ("lateral_move", "education", "skills", "network", "project")
_ROMAN = ["", "i", "ii", "iii", "iv", "v"]
# "engineer i to engineer ii": the same title a numbered step up or down.
_ROMAN_CHANGE = re.compile(r"\b([a-z]+) (i{1,3}|iv|v) (?:to|->|→) (?:an? )?\1 (i{1,3}|iv|v)\b")
_TITLE_CASE_TAIL = re.compile(
    r"(?:\b(?!(?:To|As|From|Was|Now|Into|The|An?|I|I'm|Me|My|New|Old)\b)[A-Z][\w&/-]*\s+){1,3}$"
)
_WORD = re.compile(r"[a-z]+")
_CORRECTIONS_CACHE = 50_000


class Verdict(StrEnum):
    PROMOTION = "promotion"
    ADVANCEMENT = "advancement"
    NEITHER = "neither"  # a move down: not a promotion, and not the growth advancement means
    UNCLEAR = "unclear"


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about the situation; None where it is not known."""

    level: str | None = None  # "up", "same" or "down"
    same_org: bool | None = None
    pay: str | None = None  # "up", "same" or "down"
    responsibility: bool = False
    selection: bool = False
    title_changed: bool = False
    growth: tuple[str, ...] = ()
    self_employed: bool = False

    def merged(self, known: Facts) -> Facts:
        """These facts, with gaps filled from ``known`` (earlier messages and answers)."""
        return Facts(
            level=self.level or known.level,
            same_org=self.same_org if self.same_org is not None else known.same_org,
            pay=self.pay or known.pay,
            responsibility=self.responsibility or known.responsibility,
            selection=self.selection or known.selection,
            title_changed=self.title_changed or known.title_changed,
            growth=tuple(dict.fromkeys(known.growth + self.growth)),
            self_employed=self.self_employed or known.self_employed,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["growth"] = list(self.growth)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Facts:
        values = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        values["growth"] = tuple(values.get("growth", ()))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Question:
    """A missing fact, asked with the answers to offer as buttons."""

    id: str
    text: str
    options: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    summary: str
    facts: Facts
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (text, entry id)
    question: Question | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "summary": self.summary,
            "facts": self.facts.to_dict(),
            "reasons": [{"text": text, "entry_id": entry} for text, entry in self.reasons],
            "question": None if self.question is None else {
                "id": self.question.id, "text": self.question.text,
                "options": [{"label": label, "value": value}
                            for label, value in self.question.options],
            },
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class TitleMention:
    """A JOB_TITLE entity: its place in the message, its rank, and whether old or new."""

    start: int
    rank: int
    explicit: bool
    role: str | None


class Rules:
    """The phrase rules, questions and reasons of ``advisor.yml``, compiled."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        negation = data["negation"]
        self._negated = re.compile(rf"\b{negation}\b(?:\W+\w+){{0,3}}\W*$")
        self.facts = {
            name: re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")
            for name, patterns in data["facts"].items()
        }
        self._known_words = sorted(data["correct_words"])
        self._corrections: dict[str, str] = {word: word for word in self._known_words}
        self._grade_change = re.compile(data["grade_change"])
        self._grade_from_to = re.compile(data["grade_from_to"])
        self._grade_mention = re.compile(data["grade_mention"])
        self._title_pair = re.compile(data["title_pair"])
        self._title_word_ranks: dict[str, int] = data["title_word_ranks"]
        self._not_before = frozenset(data["title_pair_not_before"])
        self._not_after = frozenset(data["title_pair_not_after"])
        # Each ladder maps every name of a rung ("sgt / sergeant") to the rung's height.
        self.ladders = [
            {name.strip(): height for height, rung in enumerate(ladder)
             for name in rung.lower().split("/")}
            for ladder in data["ladders"]
        ]  # fmt: skip
        rungs = sorted({rung for ladder in self.ladders for rung in ladder}, key=len, reverse=True)
        self._rung = re.compile(r"\b(" + "|".join(map(re.escape, rungs)) + r")\b")
        self._before_title = re.compile(data["before_title"])
        self._person_before = re.compile(data["person_before"])
        self._org_name = re.compile(data["org_name"])
        self._old_role = re.compile(data["old_role"])
        self._question = re.compile(data["question"])
        self._pay_same = re.compile(data["pay_same"])
        self._person_after = re.compile(data["person_after"])
        self._after_title = re.compile(data["after_title"])
        self._after_old_title = re.compile(data["after_old_title"])
        self.questions = {
            name: Question(name, spec["text"], [(label, value) for label, value in spec["options"]])
            for name, spec in data["questions"].items()
        }
        self.reasons: dict[str, tuple[str, str]] = {
            name: (text, entry) for name, (text, entry) in data["reasons"].items()
        }

    def correct(self, text: str) -> str:
        """The text with misspelt key words put right ("supervisr" -> "supervisor")."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if len(word) < 5:
                return word
            fixed = self._corrections.get(word)
            if fixed is None and word.endswith("s") and word[:-1] in self._corrections:
                fixed = word  # "titles" is a plural, not a typo of "title"
            if fixed is None:
                fixed = nearest_word(word, self._known_words, 1) or word
                if len(self._corrections) < _CORRECTIONS_CACHE:
                    self._corrections[word] = fixed
            return fixed

        return _WORD.sub(fix, text)

    def grade_direction(self, text: str) -> str | None:
        """'band 5 to band 6' -> up; 'E-5 to E-4' -> down."""
        roman = _ROMAN_CHANGE.search(text)
        match = self._grade_change.search(text) or self._grade_from_to.search(text)
        if roman is not None:
            before, after = (_ROMAN.index(roman.group(i)) for i in (2, 3))
        elif match is not None:
            before, after = int(match.group(1)), int(match.group(2))
        else:
            numbers = [int(m.group(1)) for m in self._grade_mention.finditer(text)]
            if len(numbers) < 2:
                return None
            before, after = numbers[0], numbers[-1]
        return "up" if after > before else "down" if after < before else None

    def ladder_direction(self, text: str) -> str | None:
        """Up or down between two rungs of one career ladder named in the text."""
        matches = list(self._rung.finditer(text))
        mentions = [(m.start(), m.group(1)) for m in matches]
        current = {m.start() for m in matches
                   if self.followed_as_current(text[m.end() : m.end() + 20])}  # fmt: skip
        for ladder in self.ladders:
            found = [(start, rung) for start, rung in mentions if rung in ladder]
            if len({ladder[rung] for _, rung in found}) < 2:
                continue
            # As for entity titles: the words before decide ("made me head chef here"),
            # and only without them does "here" mark the role held now, the old one.
            roles = {start: self.title_role(text[:start]) or ("old" if start in current else None)
                     for start, _ in found}  # fmt: skip
            old = next((f for f in found if roles[f[0]] == "old"), None)
            new = next((f for f in found if roles[f[0]] == "new" and f != old), None)
            if old is None:
                old = next(f for f in found if new is None or ladder[f[1]] != ladder[new[1]])
            new = new or next(f for f in reversed(found) if ladder[f[1]] != ladder[old[1]])
            step = ladder[new[1]] - ladder[old[1]]
            if step:
                return "up" if step > 0 else "down"
        return None

    def pair_direction(self, text: str) -> str | None:
        """Up or down in "X to Y" when the words of the titles rank them ("team member to
        team leader"); None when neither title has a ranked word or they rank the same."""
        for match in _overlapping(self._title_pair, text):
            before_words, after_words = match.group(1).split(), match.group(2).split()
            if not before_words or not after_words:
                continue
            if before_words[-1] in self._not_before or after_words[0] in self._not_after:
                continue  # "asked me to lead": an infinitive, not a change of title
            ranks = [self._phrase_rank(match.group(i)) for i in (1, 2)]
            if any(rank is not None for rank in ranks):
                before, after = (3 if rank is None else rank for rank in ranks)
                if after != before:
                    return "up" if after > before else "down"
                if " back to" in match.group(0) or " back ->" in match.group(0):
                    return "down"  # "senior manager back to manager"
        return None

    def without_questions(self, text: str) -> str:
        """The text without the user's own question ("is that a step up?", "promotion or
        nah"), whose words ask about a fact rather than state it."""
        return self._question.sub(" ", text)

    def pay_kept(self, text: str) -> bool:
        """Whether the text says there was no raise ("not a raise but...")."""
        return self._pay_same.search(text) is not None

    def unranked_old_role(self, text: str) -> bool:
        """Whether the text names the user's old role without any ranked word."""
        match = self._old_role.search(text)
        return match is not None and self._phrase_rank(match.group(1)) is None

    def _phrase_rank(self, phrase: str) -> int | None:
        ranks = [self._title_word_ranks[w] for w in re.findall(r"[a-z]+", phrase)
                 if w in self._title_word_ranks]  # fmt: skip
        return max(ranks) if ranks else None

    def title_role(self, text_before: str) -> str | None:
        """'old' or 'new' for a title preceded by this text, when the words say which."""
        # Title-case words just before belong to the title: "used to be Customer Success".
        tail = _TITLE_CASE_TAIL.sub("", text_before[-60:])[-30:].lower()
        if self._before_title.search(tail):
            return "old"
        if self._after_title.search(tail):
            return "new"
        return None

    def followed_as_current(self, text_after: str) -> bool:
        """Whether the words after a title mark it as the role the user has now ("here")."""
        return self._after_old_title.search(text_after.lower()) is not None

    def names_someone_else(self, text: str, start: int, end: int) -> bool:
        """Whether the job title at ``text[start:end]`` is another person ("the owner sent
        me on a course"), not the user's old or new role."""
        return bool(self._person_before.search(text[max(0, start - 40) : start].lower())
                    and self._person_after.search(text[end : end + 30].lower()))  # fmt: skip

    def employers_named(self, text: str) -> int:
        """How many different employers the text names after "at" (original case)."""
        return len({match.group(1).lower() for match in self._org_name.finditer(text)})

    def found(self, name: str, text: str) -> bool:
        """Whether a fact's phrases occur in ``text`` other than right after a negation."""
        for match in self.facts[name].finditer(text):
            if not self._negated.search(text[: match.start()]):
                return True
        return False


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, including those that start inside an earlier one ("asked to go from
    senior manager back to manager": the pair starts at "from")."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        yield match
        position = match.start() + 1


@lru_cache(maxsize=1)
def default_rules(path: Path = DATA_DIR / "advisor.yml") -> Rules:
    return Rules(read_yaml(path))


def read_facts(text: str, entities: Iterable[Any], rules: Rules) -> Facts:
    """The facts a message states, from its entities and the phrase rules.

    ``entities`` are the NLU's entities (anything with ``label``, ``start`` and ``value``).
    """
    folded = rules.without_questions(
        rules.correct(" ".join(text.lower().replace("’", "'").split()))
    )
    titles: list[TitleMention] = []
    title_words: list[str] = []
    pay: str | None = None
    same_org: bool | None = None
    for entity in entities:
        if entity.label == "JOB_TITLE":
            title_words.append(" ".join(text[entity.start : entity.end].lower().split()))
            if rules.names_someone_else(text, entity.start, entity.end):
                continue
            value = entity.value
            role = rules.title_role(text[: entity.start])
            if role is None and rules.followed_as_current(text[entity.end : entity.end + 20]):
                role = "old"
            titles.append(TitleMention(entity.start, value["rank"], value["explicit_level"], role))
        elif entity.label == "PAY_CHANGE" and pay is None:
            pay = entity.value["direction"]
        elif entity.label == "ORG_CHANGE" and same_org is None:
            same_org = entity.value["same_org"]

    # From the most explicit evidence to the least: a stated move down, a numbered grade,
    # two rungs of a known ladder, "same title", being moved up, the titles' ranks.
    if pay == "up" and rules.pay_kept(folded):
        pay = "same"
    titled = _title_direction(titles)
    ladder = rules.ladder_direction(folded)
    # "Analyst to Associate" is up on a bank's ladder and down on the generic one: when the
    # two disagree outright and no raise says which, the direction is left to ask.
    conflict = (
        {ladder, titled} == {"up", "down"} and all(t.explicit for t in titles) and pay != "up"
    )
    grade = rules.grade_direction(folded)
    if grade == "down" and rules.found("level_up", folded):
        grade = "up"  # "moved up from Grade 7 to Grade 6": some scales count down
    explicit = grade or (None if conflict else ladder)
    level: str | None
    if rules.found("level_down", folded):
        level = "down"
    elif explicit is not None:
        level = explicit
    elif rules.found("level_same", folded):
        level = "same"
    elif rules.found("level_up", folded):
        level = "up"
    elif conflict:
        level = None
    else:
        paired = rules.pair_direction(folded)
        level = titled if titled not in {None, "same"} else paired or titled
        new = [t for t in titles if t.role != "old" and t.explicit]
        if level is None and len(titles) == 1 and new and rules.unranked_old_role(folded):
            # "I was a letter carrier, now I'm the delivery supervisor": an unranked old
            # role counts as the middle of the ladder.
            level = "up" if new[0].rank > 3 else "down" if new[0].rank < 3 else None
        if level is None and rules.found("level_up_unattributed", folded):
            level = "up"
    # Being moved up by someone ("they made me", "promoted me") or up a grade or rank
    # happens inside the organisation, unless the message says it is a new employer.
    if level == "up" and same_org is None and (explicit or rules.found("level_up", folded)):
        same_org = True
    if rules.found("new_org", folded) or rules.employers_named(text) >= 2:
        same_org = False
    elif same_org is None and rules.found("same_org", folded):
        same_org = True
    self_employed = rules.found("self_employed", folded)
    if (
        self_employed
        and level == "down"
        and explicit is None
        and not rules.found("level_down", folded)
    ):
        level = None  # "hired my first apprentice": a title below theirs is not their own
    # A job title is not growth of its own kind: a "project manager" ran no project here,
    # a "network engineer" did no networking.
    untitled = folded
    for words in title_words:
        untitled = untitled.replace(words, " ")
    growth = tuple(
        kind
        for kind in GROWTH_KINDS
        if rules.found(kind, folded if kind == "lateral_move" else untitled)
    )
    return Facts(
        level=level,
        same_org=same_org,
        pay=pay,
        responsibility=rules.found("responsibility_up", folded),
        selection=rules.found("selection", folded),
        title_changed=len(titles) >= 2 or rules.found("title_changed", folded),
        growth=growth,
        self_employed=self_employed,
    )


def _title_direction(titles: list[TitleMention]) -> str | None:
    """Up, same or down from the old title to the new one, when the message names both."""
    if len(titles) < 2:
        return None
    titles = sorted(titles, key=lambda mention: mention.start)
    old = next((t for t in titles if t.role == "old"), None)
    new = next((t for t in titles if t.role == "new" and t is not old), None)
    if old is None and new is None:
        old, new = titles[0], titles[-1]
    elif old is None:
        old = next(t for t in titles if t is not new)
    elif new is None:
        new = next(t for t in reversed(titles) if t is not old)
    assert old is not None
    assert new is not None
    if new.rank != old.rank and (old.explicit or new.explicit):
        return "up" if new.rank > old.rank else "down"
    if new.rank == old.rank and old.explicit and new.explicit:
        return "same"
    return None  # "Specialist II" to "Consultant": nothing says which is higher


def apply_answer(facts: Facts, question_id: str, value: str) -> Facts:
    """The facts after the user answered one of the advisor's questions."""
    if question_id == "level" and value in {"up", "same", "down"}:
        return replace(facts, level=value)
    if question_id == "same_org" and value in {"yes", "no"}:
        return replace(facts, same_org=value == "yes")
    if question_id == "what_changed":
        fact, _, setting = value.partition(":")
        if fact == "level":
            return replace(facts, level=setting)
        if fact == "pay":
            return replace(facts, pay=setting, level=facts.level or "same")
        if fact == "responsibility":
            return replace(facts, responsibility=True, level=facts.level or "same")
        if fact in {"lateral", "education"}:
            kind = "lateral_move" if fact == "lateral" else "education"
            return replace(facts, growth=(*facts.growth, kind), level=facts.level or "same")
    raise ValueError(f"not an answer to {question_id!r}: {value!r}")


def decide(facts: Facts, rules: Rules) -> Judgement:
    """Apply the documents' definitions to the facts."""
    reasons = rules.reasons

    def growth_reasons() -> list[tuple[str, str]]:
        found = []
        if facts.responsibility:
            found.append(reasons["responsibility"])
        for kind in facts.growth:
            found.append(reasons["lateral" if kind == "lateral_move" else kind])
        if facts.pay == "up":
            found.append(reasons["raise_only"])
        return found

    if facts.self_employed and facts.level in {None, "same"}:
        found = growth_reasons() or [reasons["self_employed"]]
        return Judgement(Verdict.ADVANCEMENT,
                         "Advancement (growing your own practice), not a promotion.",
                         facts, found)  # fmt: skip
    if facts.level == "down":
        return Judgement(Verdict.NEITHER, "Not a promotion: the move is to a lower level.",
                         facts, [reasons["down"]])  # fmt: skip
    if facts.level == "up":
        if facts.same_org is False:
            return Judgement(Verdict.ADVANCEMENT,
                             "Advancement (a higher role with a new employer), not a promotion.",
                             facts, [reasons["new_org"]])  # fmt: skip
        if facts.same_org is None:
            return Judgement(Verdict.UNCLEAR,
                             "It depends: is the higher role with your current employer?",
                             facts, [reasons["unclear"]], rules.questions["same_org"])  # fmt: skip
        found = [reasons["promotion"]]
        if facts.pay == "same":
            found.append(reasons["promotion_no_raise"])
        elif facts.pay == "up":
            found.append(reasons["promotion_raise"])
        if facts.selection:
            found.append(reasons["selection"])
        return Judgement(Verdict.PROMOTION, "Yes, that is a promotion.", facts, found)
    growth = growth_reasons()
    sideways_only = facts.growth == ("lateral_move",) and not facts.responsibility
    if (
        facts.level is None
        and facts.same_org is not False
        and facts.pay != "same"
        and (facts.title_changed or (sideways_only and facts.pay is None))
    ):
        # A new role or another team, and nothing says whether it is a step up: ask.
        return Judgement(Verdict.UNCLEAR, "I can't tell yet: is the new role a higher one?",
                         facts, [reasons["unclear"]], rules.questions["level"])  # fmt: skip
    if facts.title_changed and facts.level is None and facts.pay == "same" and not growth:
        growth = [reasons["lateral"]]
    if facts.level == "same" or facts.same_org is False or (growth and facts.pay != "up"):
        found = growth or [reasons["same_level"]]
        if facts.same_org is False and not growth:
            found = [reasons["new_org"]]
        kind = _advancement_kind(facts)
        return Judgement(Verdict.ADVANCEMENT, f"Advancement{kind}, not a promotion.", facts, found)
    question = rules.questions["level" if (facts.pay or facts.title_changed) else "what_changed"]
    return Judgement(Verdict.UNCLEAR, "I can't tell yet: did your position go up a level?",
                     facts, [reasons["unclear"]], question)  # fmt: skip


def _advancement_kind(facts: Facts) -> str:
    if "lateral_move" in facts.growth:
        return " (a lateral move)"
    if facts.same_org is False:
        return " (a move to another employer)"
    if facts.pay == "up":
        return " (a raise in the same role)"
    if facts.responsibility:
        return " (more responsibility in the same role)"
    names = {"education": "education", "skills": "new skills", "network": "your network",
             "project": "a new project"}  # fmt: skip
    kinds = [names[kind] for kind in facts.growth if kind in names]
    return f" ({', '.join(kinds)})" if kinds else ""


def judge(
    text: str,
    entities: Sequence[Any],
    *,
    known: Facts | None = None,
    answers: Iterable[tuple[str, str]] = (),
    rules: Rules | None = None,
) -> Judgement:
    """Judge a described situation.

    ``known`` carries facts from earlier messages (this message's own facts win); ``answers``
    are the user's replies to follow-up questions, applied last because the user said them.
    """
    rules = rules or default_rules()
    facts = read_facts(text, entities, rules)
    if known is not None:
        facts = facts.merged(known)
    for question_id, value in answers:
        facts = apply_answer(facts, question_id, value)
    return decide(facts, rules)
