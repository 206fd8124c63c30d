"""Choose the retrieval temperature and fallback threshold from the base's own questions.

Each question is asked of a retriever built without the fold it belongs to (5 folds), so
the choice never sees the evaluation set and never scores a question against itself.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy

from knowledge.models import KnowledgeBase
from knowledge.retrieval import Retriever, Settings

FOLDS = 5
TEMPERATURES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


def held_out_scores(
    kb: KnowledgeBase, settings: Settings
) -> list[tuple[int, numpy.ndarray, float]]:
    """(gold entry index, entry scores, coverage) for every question, asked out of fold."""
    rows = []
    for fold in range(FOLDS):
        entries = [
            entry.model_copy(update={"questions": [q for i, q in enumerate(entry.questions)
                                                   if (i + number) % FOLDS != fold]})
            for number, entry in enumerate(kb.entries)
        ]  # fmt: skip
        retriever = Retriever(kb.model_copy(update={"entries": entries}), settings)
        for number, entry in enumerate(kb.entries):
            for i, question in enumerate(entry.questions):
                if (i + number) % FOLDS == fold:
                    terms, coverage = retriever.terms(question)
                    rows.append((number, retriever.scores(terms), coverage))
    return rows


def calibrate(kb: KnowledgeBase, settings: Settings) -> dict[str, Any]:
    """The temperature with the best held-out likelihood, and accuracy at each threshold."""
    rows = held_out_scores(kb, settings)
    best: tuple[float, float] | None = None
    for temperature in TEMPERATURES:
        loss = 0.0
        for gold, scores, _ in rows:
            shifted = (scores - scores.max()) / temperature
            loss -= shifted[gold] - math.log(numpy.exp(shifted).sum())
        if best is None or loss < best[1]:
            best = (temperature, loss)
    assert best is not None
    tuned = dataclasses.replace(settings, temperature=best[0])
    correct = sum(int(numpy.argmax(scores)) == gold for gold, scores, _ in rows)
    confidences = []
    for gold, scores, coverage in rows:
        shifted = (scores - scores.max()) / tuned.temperature
        probabilities = numpy.exp(shifted) / numpy.exp(shifted).sum()
        confidences.append((float(probabilities.max()) * coverage,
                            int(numpy.argmax(scores)) == gold))  # fmt: skip
    thresholds = {}
    for threshold in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        kept = [ok for confidence, ok in confidences if confidence >= threshold]
        thresholds[threshold] = {
            "answered": len(kept) / len(confidences),
            "accuracy_when_answered": sum(kept) / len(kept) if kept else 0.0,
        }
    return {"questions": len(rows), "temperature": best[0], "top1_accuracy": correct / len(rows),
            "thresholds": thresholds}  # fmt: skip
