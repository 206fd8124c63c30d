"""Load the built pipeline and read messages: intent with confidence, ranking and entities."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import nlu.architectures
import nlu.components  # noqa: F401  (registers the pipeline's factories)
from nlu.intents import Intent

# Telegram caps a message at 4,096 characters; anything longer is read up to that point.
MAX_CHARS = 4096
RANKING_SIZE = 3
_INTENTS = {intent.value: intent for intent in Intent}


class ModelNotFoundError(FileNotFoundError):
    """No built pipeline at the configured directory; ``careerbot train`` makes one."""


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity in a message, with its normalised value."""

    label: str
    text: str
    start: int
    end: int
    value: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class NluResult:
    """What the bot understood of one message.

    ``fallback`` is true when the classifier is not sure (top score below the threshold, or the
    top two too close): the conversation should offer ``ranking`` as "did you mean…?" choices.
    ``reason`` says why the result is what it is: ``model``, ``low_confidence``, ``ambiguous``,
    or a rule (``command``, ``emoji``, ``empty``, ``no_words``, ``unknown_words``).
    """

    text: str
    intent: Intent
    confidence: float
    ranking: list[tuple[Intent, float]]
    entities: list[Entity] = field(default_factory=list)
    fallback: bool = False
    reason: str = "model"

    def entity(self, label: str) -> Entity | None:
        """The first entity with this label, if any."""
        return next((e for e in self.entities if e.label == label), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent.value,
            "confidence": round(self.confidence, 4),
            "fallback": self.fallback,
            "reason": self.reason,
            "ranking": [{"intent": i.value, "score": round(s, 4)} for i, s in self.ranking],
            "entities": [e.to_dict() for e in self.entities],
        }


def load_pipeline(model_dir: Path) -> Language:
    """``spacy.load`` without reading the tokenizer back from disk.

    The tokenizer is English's default, built from the saved config, and training never
    changes it; reading it back would build its 2,694 special cases a second time, which was
    40% of the load (0.56 s to 0.32 s). A test checks that both tokenize alike.
    """
    return spacy.load(model_dir, exclude=["tokenizer"])


class Nlu:
    """The loaded pipeline plus the decision rules that turn scores into a result."""

    def __init__(self, nlp: Language, *, threshold: float = 0.5, margin: float = 0.15) -> None:
        self.nlp = nlp
        self.threshold = threshold
        self.margin = margin

    @classmethod
    def load(cls, model_dir: Path, *, threshold: float = 0.5, margin: float = 0.15) -> Nlu:
        """Load a pipeline built by ``careerbot train``."""
        if not (model_dir / "meta.json").is_file():
            raise ModelNotFoundError(
                f"no NLU model in {model_dir}; build it with `careerbot train`"
            )
        return cls(load_pipeline(model_dir), threshold=threshold, margin=margin)

    def parse(self, text: str, *, now: datetime | None = None) -> NluResult:
        """Read one message."""
        return next(self.parse_many([text], now=now))

    def parse_many(
        self, texts: Iterable[str], *, now: datetime | None = None, batch_size: int = 256
    ) -> Iterator[NluResult]:
        """Read many messages through ``nlp.pipe``, in order."""
        config = {"careerbot_entities": {"now": now}}
        clipped = (text[:MAX_CHARS] for text in texts)
        for doc in self.nlp.pipe(clipped, batch_size=batch_size, component_cfg=config):
            yield self._result(doc)

    def _result(self, doc: Doc) -> NluResult:
        text = doc.text
        if not text.strip():
            return NluResult(text, Intent.OUT_OF_SCOPE, 1.0, [(Intent.OUT_OF_SCOPE, 1.0)],
                             reason="empty")  # fmt: skip
        entities = [
            Entity(span.label_, span.text, span.start_char, span.end_char, span._.value)
            for span in (doc.ents if doc._.has_entities else ())
        ]
        if doc._.rule_intent is not None:
            intent = _INTENTS[doc._.rule_intent]
            return NluResult(text, intent, 1.0, [(intent, 1.0)], entities, reason=doc._.guard)
        best = heapq.nlargest(RANKING_SIZE, doc.cats.items(), key=itemgetter(1))
        ranking = [(_INTENTS[label], score) for label, score in best]
        top, confidence = ranking[0]
        if confidence < self.threshold:
            return NluResult(text, top, confidence, ranking, entities, True, "low_confidence")
        if len(ranking) > 1 and confidence - ranking[1][1] < self.margin:
            return NluResult(text, top, confidence, ranking, entities, True, "ambiguous")
        return NluResult(text, top, confidence, ranking, entities)
