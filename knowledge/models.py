"""The knowledge base as validated data: source documents, entries and growth tips."""

from __future__ import annotations

import re
from enum import StrEnum
from html.parser import HTMLParser
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# Telegram HTML: only these tags are used in answers.
ALLOWED_TAGS = frozenset({"b", "i", "u", "code"})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(Strict):
    """One source document and its section names."""

    id: Id
    title: str
    author: str | None = None
    sections: list[str] = Field(min_length=1)


class SourceRef(Strict):
    """Where an entry or tip comes from: a document id and one of its sections."""

    document: Id
    section: str


class Tag(StrEnum):
    DEFINITION = "definition"
    ADVANCEMENT = "advancement"
    PROMOTION = "promotion"
    DIFFERENCE = "difference"
    SIMILARITY = "similarity"
    LATERAL = "lateral"
    VERTICAL = "vertical"
    PAY = "pay"
    PERFORMANCE = "performance"
    DEVELOPMENT = "development"
    SKILLS = "skills"
    EDUCATION = "education"
    NETWORK = "network"
    LEADERSHIP = "leadership"
    READINESS = "readiness"
    EXAMPLE = "example"
    GOALS = "goals"
    INSIDE_ORG = "inside-org"
    OUTSIDE_ORG = "outside-org"
    PROCESS = "process"


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS or attrs:
            self.problems.append(f"tag <{tag}> is not allowed")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> does not close the last open tag")


def html_problems(text: str) -> list[str]:
    """What is wrong with a Telegram HTML fragment (unknown or unbalanced tags, bare < or &)."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    problems = checker.problems + [f"<{tag}> is never closed" for tag in checker.open]
    if re.search(r"&(?![a-z]+;|#\d+;)", text):
        problems.append("bare & (write &amp;)")
    return problems


class Entry(Strict):
    """A curated answer with the questions it answers."""

    id: Id
    title: str = Field(min_length=3, max_length=40)  # a button label for "read more"
    questions: list[str] = Field(min_length=5)
    answer: str = Field(min_length=20, max_length=1000)
    sources: list[SourceRef] = Field(min_length=1)
    related: list[Id] = Field(default_factory=list)
    tags: list[Tag] = Field(min_length=1)

    @field_validator("answer")
    @classmethod
    def _telegram_html(cls, answer: str) -> str:
        problems = html_problems(answer)
        if problems:
            raise ValueError("; ".join(problems))
        return answer


class TipKind(StrEnum):
    """The kinds of goal a weekly tip serves."""

    SKILLS = "skills"
    EDUCATION = "education"
    NETWORK = "network"
    LEADERSHIP = "leadership"
    VISIBILITY = "visibility"
    PROMOTION = "promotion"


class Tip(Strict):
    """One concrete action for this week, for a kind of goal."""

    id: Id
    kind: TipKind
    text: str = Field(min_length=10, max_length=300)
    sources: list[SourceRef] = Field(min_length=1)


class Topic(Strict):
    """A topic of the source documents that at least one entry must cover."""

    id: Id
    description: str
    entries: list[Id] = Field(min_length=1)


# The entry classifier's label for questions the base does not answer (out_of_scope.yml).
OUT_OF_SCOPE = "out-of-scope"


class KnowledgeBase(Strict):
    """Everything in ``knowledge/data``, loaded and validated."""

    documents: list[Document]
    entries: list[Entry]
    tips: list[Tip]
    topics: list[Topic]
    # Questions no entry answers, to teach the classifier where the base ends.
    out_of_scope: list[str] = Field(default_factory=list)

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id (KeyError if there is none)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def document(self, document_id: str) -> Document:
        for document in self.documents:
            if document.id == document_id:
                return document
        raise KeyError(document_id)
